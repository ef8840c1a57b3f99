import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../../src-main/storage/client';
import { DIALECTS, rgwBucketName, s3Account, uniqueBucket } from './helpers';
import { allKeys, putAll, storageStack, type Stack } from './stack';

describe.each(DIALECTS)('multi-delete and per-key errors through the storage service (%s)', (dialect) => {
  let s: Stack;
  const bucket = uniqueBucket(dialect);
  const ref = () => ({ accountId: s.id, bucket });

  beforeAll(async () => {
    s = await storageStack(dialect);
    await s.bridge.storage.createBucket(ref());
    // The owner may not delete or read the "locked/" keys: a real per-key refusal from the server.
    // Set on RGW directly (the RGW bucket behind a COS name), so the setup does not depend on the
    // code under test.
    const rgwBucket = rgwBucketName(bucket);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:DeleteObject'],
          Resource: [`arn:aws:s3:::${rgwBucket}/locked/keep & stay.txt`],
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${rgwBucket}/mv/secret.txt`],
        },
      ],
    };
    const admin = new StorageClient(s3Account(s.env.endpoint, s.env.ak, s.env.sk));
    try {
      await (
        await admin.request({
          method: 'PUT',
          bucket: rgwBucket,
          query: { policy: '' },
          body: JSON.stringify(policy),
        })
      ).body.dump();
    } finally {
      await admin.close();
    }
  });

  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  it('deletes 1,050 keys (two batches), keys with &, <, unicode included, and all are gone', async () => {
    const keys = Array.from({ length: 1050 }, (_, i) => {
      const n = String(i).padStart(4, '0');
      return i % 3 === 0
        ? `bulk/${n} a&b<c>.txt`
        : i % 3 === 1
          ? `bulk/${n} 照片 "q".jpg`
          : `bulk/${n}+%'.bin`;
    });
    await putAll(s, bucket, keys);
    expect(await allKeys(s.bridge, s.id, bucket, 'bulk/')).toHaveLength(1050);

    const r = await s.bridge.storage.deleteObjects({ ...ref(), keys });
    expect(r.errors).toEqual([]);
    expect(r.done).toHaveLength(1050);
    expect(new Set(r.done)).toEqual(new Set(keys));
    expect(await allKeys(s.bridge, s.id, bucket, 'bulk/')).toEqual([]);
  });

  it('deletes a folder: its marker and everything under it, nested, and nothing beside it', async () => {
    const tree = ['dir/', 'dir/a', 'dir/sub/', 'dir/sub/b', 'dir/sub/deep/c d+e'];
    await putAll(s, bucket, [...tree, 'dir-sibling.txt', 'dirx/keep']);
    const r = await s.bridge.storage.deleteObjects({ ...ref(), keys: ['dir/'] });
    expect(r.errors).toEqual([]);
    expect(r.done.sort()).toEqual([...tree].sort());
    expect((await allKeys(s.bridge, s.id, bucket, 'dir')).sort()).toEqual(['dir-sibling.txt', 'dirx/keep']);
  });

  it('reports a key the server refuses, and deletes the others', async () => {
    await putAll(s, bucket, ['locked/keep & stay.txt', 'locked/free.txt', 'locked/']);
    const r = await s.bridge.storage.deleteObjects({
      ...ref(),
      keys: ['locked/keep & stay.txt', 'locked/free.txt'],
    });
    expect(r.done).toEqual(['locked/free.txt']);
    expect(r.errors).toEqual([
      {
        key: 'locked/keep & stay.txt',
        code: 'AccessDenied',
        message: expect.stringMatching(/Access denied/),
      },
    ]);

    const folder = await s.bridge.storage.deleteObjects({ ...ref(), keys: ['locked/'] });
    expect(folder.done).toEqual(['locked/']);
    expect(folder.errors.map((e) => e.key)).toEqual(['locked/keep & stay.txt']);
    expect(await allKeys(s.bridge, s.id, bucket, 'locked/')).toEqual(['locked/keep & stay.txt']);
  });

  it("reports every key when the key may not delete in another user's bucket", async () => {
    await putAll(s, bucket, ['theirs/1', 'theirs/2']);
    const r = await s.bridge.storage.deleteObjects({
      accountId: s.id2,
      bucket,
      keys: ['theirs/1', 'theirs/2'],
    });
    expect(r.done).toEqual([]);
    expect(r.errors.map((e) => [e.key, e.code])).toEqual([
      ['theirs/1', 'AccessDenied'],
      ['theirs/2', 'AccessDenied'],
    ]);
    expect(await allKeys(s.bridge, s.id, bucket, 'theirs/')).toEqual(['theirs/1', 'theirs/2']);
  });

  it('moving a folder never deletes a source whose copy failed', async () => {
    await putAll(s, bucket, ['mv/', 'mv/ok.txt', 'mv/secret.txt', 'mv/sub/ok2.txt']);
    const r = await s.bridge.storage.moveObject({ ...ref(), key: 'mv/', toKey: 'mv2/' });
    expect(r.done.sort()).toEqual(['mv/', 'mv/ok.txt', 'mv/sub/ok2.txt']);
    expect(r.errors).toEqual([{ key: 'mv/secret.txt', code: 'AccessDenied', message: expect.any(String) }]);
    expect(await allKeys(s.bridge, s.id, bucket, 'mv/')).toEqual(['mv/secret.txt']);
    expect((await allKeys(s.bridge, s.id, bucket, 'mv2/')).sort()).toEqual([
      'mv2/',
      'mv2/ok.txt',
      'mv2/sub/ok2.txt',
    ]);
  });
});
