import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueBucket } from './helpers';
import { dropBucket, failure, storageStack, type Stack } from './stack';

describe('buckets through the storage service (RGW)', () => {
  let s: Stack;
  const bucket = uniqueBucket();
  const created: string[] = [bucket];

  beforeAll(async () => {
    s = await storageStack();
  });

  afterAll(async () => {
    for (const b of created) await dropBucket(s.env.endpoint, s.env.ak, s.env.sk, b);
    await s.close();
  });

  it('creates a bucket, lists it, opens it by name', async () => {
    expect(await s.bridge.storage.createBucket({ accountId: s.id, bucket })).toEqual({
      bucket,
      region: 'us-east-1',
    });
    const names = (await s.bridge.storage.listBuckets({ accountId: s.id })).map((b) => b.name);
    expect(names).toContain(bucket);
    expect(await s.bridge.storage.openBucket({ accountId: s.id, bucket })).toMatchObject({ name: bucket });
  });

  it('explains why a bucket name is invalid, before sending anything', async () => {
    const cases: [string, RegExp][] = [
      ['ab', /3 to 63 characters/],
      ['x'.repeat(64), /3 to 63 characters/],
      ['Upper-Case', /lower-case letters/],
      ['under_score', /lower-case letters/],
      ['-leading', /start and end with a letter or digit/],
      ['trailing-', /start and end with a letter or digit/],
      ['two..dots', /two dots/],
      ['192.168.1.10', /IP address/],
    ];
    for (const [name, why] of cases) {
      const e = await failure(s.bridge.storage.createBucket({ accountId: s.id, bucket: name }));
      expect(e.code, name).toBe('VALIDATION');
      expect(e.message, name).toMatch(why);
      expect(e.details?.messageZh, name).toEqual(expect.any(String));
    }
    const names = (await s.bridge.storage.listBuckets({ accountId: s.id })).map((b) => b.name);
    expect(names).not.toContain('ab');
  });

  it("refuses another user's bucket name as taken", async () => {
    const e = await failure(s.bridge.storage.createBucket({ accountId: s.id2, bucket }));
    expect(e.code).toBe('STORAGE');
    expect(e.details?.storageCode).toBe('BucketAlreadyExists');
    expect(e.message).toMatch(/already taken/);
  });

  it('says clearly when the key may not open a bucket', async () => {
    const e = await failure(s.bridge.storage.openBucket({ accountId: s.id2, bucket }));
    expect(e.details).toMatchObject({ storageCode: 'AccessDenied', status: 403 });
    expect(e.message).toMatch(/no permission to open the bucket/);
    expect(e.message).toContain(bucket);
  });

  it('says clearly when a bucket does not exist', async () => {
    const missing = uniqueBucket();
    const e = await failure(s.bridge.storage.openBucket({ accountId: s.id, bucket: missing }));
    expect(e.details).toMatchObject({ storageCode: 'NoSuchBucket', status: 404 });
    expect(e.message).toMatch(new RegExp(`There is no bucket named "${missing}"`));
    const list = await failure(s.bridge.storage.listObjects({ accountId: s.id, bucket: missing }));
    expect(list.details?.storageCode).toBe('NoSuchBucket');
  });

  it('refuses to delete a non-empty bucket and says to delete its objects first', async () => {
    const doomed = uniqueBucket();
    created.push(doomed);
    await s.bridge.storage.createBucket({ accountId: s.id, bucket: doomed });
    await s.storage.putObject({ accountId: s.id, bucket: doomed, key: 'keep/me.txt' }, 'hi');
    const e = await failure(s.bridge.storage.deleteBucket({ accountId: s.id, bucket: doomed }));
    expect(e.details?.storageCode).toBe('BucketNotEmpty');
    expect(e.message).toMatch(/not empty: delete its objects .*first/);
    expect(e.details?.messageZh).toMatch(/不为空/);

    const r = await s.bridge.storage.deleteObjects({ accountId: s.id, bucket: doomed, keys: ['keep/'] });
    expect(r).toEqual({ done: expect.arrayContaining(['keep/me.txt']), errors: [] });
    expect(await s.bridge.storage.deleteBucket({ accountId: s.id, bucket: doomed })).toEqual({
      deleted: true,
    });
    const names = (await s.bridge.storage.listBuckets({ accountId: s.id })).map((b) => b.name);
    expect(names).not.toContain(doomed);
  });

  it('uses a fresh client after invalidate', async () => {
    await s.storage.invalidate(s.id);
    expect((await s.bridge.storage.listBuckets({ accountId: s.id })).map((b) => b.name)).toContain(bucket);
    await s.storage.invalidate();
    expect(await s.bridge.storage.openBucket({ accountId: s.id, bucket })).toMatchObject({ name: bucket });
  });
});
