import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../../src-main/storage/client';
import { StorageError } from '../../../src-main/storage/errors';
import { testConnection } from '../../../src-main/storage/test-connection';
import { child, list, text } from '../../../src-main/storage/xml';
import { rgwEnv, s3Account, uniqueBucket } from './helpers';

const env = rgwEnv();

describe('S3 dialect against Ceph RGW', () => {
  const bucket = uniqueBucket();
  const client = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));

  beforeAll(async () => {
    const res = await client.request({ method: 'PUT', bucket });
    await res.body.dump();
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await client
      .request({ method: 'DELETE', bucket })
      .then((r) => r.body.dump())
      .finally(() => client.close());
  });

  it('lists buckets with the right keys', async () => {
    const buckets = await client.listBuckets();
    const mine = buckets.find((b) => b.name === bucket);
    expect(mine).toBeDefined();
    expect(mine?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('does not show one user the buckets of another', async () => {
    const other = new StorageClient(s3Account(env.endpoint, env.ak2, env.sk2));
    try {
      const names = (await other.listBuckets()).map((b) => b.name);
      expect(names).not.toContain(bucket);
    } finally {
      await other.close();
    }
  });

  it('reports a missing bucket as NoSuchBucket, and a body-less HEAD 404 by status', async () => {
    const missing = uniqueBucket();
    await expect(client.request({ method: 'GET', bucket: missing })).rejects.toMatchObject({
      code: 'STORAGE',
      details: { storageCode: 'NoSuchBucket', status: 404 },
    });
    await expect(client.request({ method: 'HEAD', bucket, key: 'no such file.txt' })).rejects.toMatchObject({
      details: { storageCode: 'NoSuchKey', status: 404 },
    });
  });

  it('round-trips keys with unicode, spaces and reserved characters', async () => {
    const key = '照片/a b+c%d#e?f&g=h.txt';
    const put = await client.request({
      method: 'PUT',
      bucket,
      key,
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    await put.body.dump();
    const got = await client.requestText({ method: 'GET', bucket, key });
    expect(got.text).toBe('hello');
    const listed = await client.requestXml({ method: 'GET', bucket, query: { prefix: '照片/' } });
    const keys = list(child(listed.doc, 'ListBucketResult'), 'Contents').map((c) => text(c, 'Key'));
    expect(keys).toEqual([key]);
    await (await client.request({ method: 'DELETE', bucket, key })).body.dump();
  });

  it('refuses to delete a non-empty bucket with BucketNotEmpty', async () => {
    await (await client.request({ method: 'PUT', bucket, key: 'x', body: '1' })).body.dump();
    const err = await client.request({ method: 'DELETE', bucket }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).storageCode).toBe('BucketNotEmpty');
    expect((err as StorageError).message).toMatch(/not empty/);
    expect((err as StorageError).details.messageZh).toMatch(/不为空/);
    await (await client.request({ method: 'DELETE', bucket, key: 'x' })).body.dump();
  });

  it('corrects a skewed clock from the server Date header and retries once', async () => {
    const skewed = new StorageClient(s3Account(env.endpoint, env.ak, env.sk), {
      now: () => Date.now() - 2 * 3600_000,
    });
    try {
      const buckets = await skewed.listBuckets();
      expect(buckets.map((b) => b.name)).toContain(bucket);
      expect(Math.abs(skewed.http.clockOffsetMs - 2 * 3600_000)).toBeLessThan(5_000);
    } finally {
      await skewed.close();
    }
  });

  it('testConnection succeeds with the right keys and counts buckets', async () => {
    const r = await testConnection(s3Account(env.endpoint, env.ak, env.sk));
    expect(r.ok).toBe(true);
    expect(r.bucketCount).toBeGreaterThanOrEqual(1);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('testConnection with a wrong secret says the secret key is wrong', async () => {
    const r = await testConnection(s3Account(env.endpoint, env.ak, env.sk + 'x'));
    expect(r.ok).toBe(false);
    expect(r.code).toMatch(/AccessDenied|SignatureDoesNotMatch/);
    expect(r.message).toMatch(/secret key/);
    expect(r.message).toMatch(/wrong/);
    expect(r.message).not.toContain(env.sk);
  });

  it('testConnection with an unknown key id fails clearly', async () => {
    const r = await testConnection(s3Account(env.endpoint, 'AKIDNOSUCHKEY0000000', env.sk));
    expect(r.ok).toBe(false);
    expect(r.code).toMatch(/AccessDenied|InvalidAccessKeyId/);
    expect(r.message).toMatch(/key id/);
    expect(r.message).not.toContain(env.sk);
  });
});
