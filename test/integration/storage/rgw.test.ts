import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient } from '../../../src-main/storage/client';
import { StorageError } from '../../../src-main/storage/errors';
import { listObjects } from '../../../src-main/storage/ops/list';
import { testConnection } from '../../../src-main/storage/test-connection';
import { child, list, text } from '../../../src-main/storage/xml';
import { getFederationToken } from '../../conformance/helpers';
import type { CosGateway } from '../../cos-gateway/server';
import { cosAccount, COS_REGION, APPID, DIALECTS, rgwEnv, s3Account, uniqueBucket } from './helpers';
import { startGateway } from './stack';

const env = rgwEnv();

// The client core in each dialect: S3 straight to RGW, COS through the COS gateway in front of it.
describe.each(DIALECTS)('%s dialect against Ceph RGW', (dialect) => {
  const bucket = uniqueBucket(dialect);
  let gw: CosGateway | undefined;
  let client: StorageClient;
  const account = (ak: string, sk: string): ResolvedAccount =>
    dialect === 'cos' ? cosAccount(gw!.port, ak, sk) : s3Account(env.endpoint, ak, sk);

  beforeAll(async () => {
    if (dialect === 'cos') gw = await startGateway(env);
    client = new StorageClient(account(env.ak, env.sk));
    const res = await client.request({ method: 'PUT', bucket });
    await res.body.dump();
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await client
      .request({ method: 'DELETE', bucket })
      .then((r) => r.body.dump())
      .finally(() => client.close());
    await gw?.close();
  });

  it('lists buckets with the right keys', async () => {
    const buckets = await client.listBuckets();
    const mine = buckets.find((b) => b.name === bucket);
    expect(mine).toBeDefined();
    expect(mine?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    if (dialect === 'cos') expect(mine?.region).toBe('ap-guangzhou');
  });

  it('does not show one user the buckets of another', async () => {
    const other = new StorageClient(account(env.ak2, env.sk2));
    try {
      const names = (await other.listBuckets()).map((b) => b.name);
      expect(names).not.toContain(bucket);
    } finally {
      await other.close();
    }
  });

  it('reports a missing bucket as NoSuchBucket, and a body-less HEAD 404 by status', async () => {
    const missing = uniqueBucket(dialect);
    await expect(client.request({ method: 'GET', bucket: missing })).rejects.toMatchObject({
      code: 'STORAGE',
      details: { storageCode: 'NoSuchBucket', status: 404 },
    });
    await expect(client.request({ method: 'HEAD', bucket: missing })).rejects.toMatchObject({
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
    expect(got.headers['content-type']).toBe('text/plain');
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
    expect((err as StorageError).status).toBe(409);
    expect((err as StorageError).message).toMatch(/not empty/);
    expect((err as StorageError).details.messageZh).toMatch(/不为空/);
    await (await client.request({ method: 'DELETE', bucket, key: 'x' })).body.dump();
  });

  it.each([
    ['behind', -2],
    ['ahead', +2],
  ])('corrects a clock 2 h %s from the server Date header and retries once', async (_how, hours) => {
    const skewed = new StorageClient(account(env.ak, env.sk), {
      now: () => Date.now() + hours * 3600_000,
    });
    try {
      const buckets = await skewed.listBuckets();
      expect(buckets.map((b) => b.name)).toContain(bucket);
      expect(Math.abs(skewed.http.clockOffsetMs + hours * 3600_000)).toBeLessThan(5_000);
    } finally {
      await skewed.close();
    }
  });

  it('testConnection succeeds with the right keys and counts buckets', async () => {
    const r = await testConnection(account(env.ak, env.sk));
    expect(r.ok).toBe(true);
    expect(r.bucketCount).toBeGreaterThanOrEqual(1);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('testConnection with a wrong secret says the secret key is wrong', async () => {
    const r = await testConnection(account(env.ak, env.sk + 'x'));
    expect(r.ok).toBe(false);
    // Ceph RGW says AccessDenied for a bad signature; COS (the gateway) says SignatureDoesNotMatch.
    if (dialect === 'cos') expect(r.code).toBe('SignatureDoesNotMatch');
    else expect(r.code).toMatch(/AccessDenied|SignatureDoesNotMatch/);
    expect(r.message).toMatch(/the secret key is wrong/);
    expect(r.message).not.toContain(env.sk);
  });

  it('testConnection with an unknown key id fails clearly', async () => {
    const r = await testConnection(account('AKIDNOSUCHKEY0000000', env.sk));
    expect(r.ok).toBe(false);
    if (dialect === 'cos') expect(r.code).toBe('InvalidAccessKeyId');
    else expect(r.code).toMatch(/AccessDenied|InvalidAccessKeyId/);
    expect(r.message).toMatch(/key id/);
    expect(r.message).not.toContain(env.sk);
  });

  if (dialect === 'cos') {
    it('signs with a temporary key and its x-cos-security-token; a wrong token is refused', async () => {
      await (await client.request({ method: 'PUT', bucket, key: 'tmp/in.txt', body: 'inside' })).body.dump();
      const t = await getFederationToken(gw!, env.ak, env.sk, {
        Name: 'it',
        DurationSeconds: 900,
        Policy: {
          version: '2.0',
          statement: [
            {
              effect: 'allow',
              action: ['name/cos:GetObject', 'name/cos:HeadObject', 'name/cos:PutObject'],
              resource: [`qcs::cos:${COS_REGION}:uid/${APPID}:${bucket}/tmp/*`],
            },
          ],
        },
      });
      // Needs ROLE_ARN (the RGW script writes it): without it the gateway answers an Error here.
      expect(t.Response.Error).toBeUndefined();
      const { TmpSecretId, TmpSecretKey, Token } = t.Response.Credentials;
      const temp = (token: string) =>
        new StorageClient({
          ...cosAccount(gw!.port, TmpSecretId, TmpSecretKey),
          secret: { secretKey: TmpSecretKey, sessionToken: token },
        });
      const tmp = temp(Token);
      const bad = temp(Token.slice(0, -2) + 'xx');
      try {
        expect((await tmp.requestText({ method: 'GET', bucket, key: 'tmp/in.txt' })).text).toBe('inside');
        await (
          await tmp.request({ method: 'PUT', bucket, key: 'tmp/by temp+key.txt', body: 't' })
        ).body.dump();
        // The session policy covers tmp/ only: RGW enforces it behind the gateway.
        await expect(
          tmp.request({ method: 'PUT', bucket, key: 'out.txt', body: 'no' }),
        ).rejects.toMatchObject({
          details: { status: 403 },
        });
        await expect(bad.request({ method: 'GET', bucket, key: 'tmp/in.txt' })).rejects.toMatchObject({
          details: { status: 403 },
        });
      } finally {
        await tmp.close();
        await bad.close();
      }
      for (const key of ['tmp/in.txt', 'tmp/by temp+key.txt'])
        await (await client.request({ method: 'DELETE', bucket, key })).body.dump();
    });
  }

  it('a bucket operation with a wrong secret or an unknown key id fails with words to act on', async () => {
    const wrong = new StorageClient(account(env.ak, env.sk + 'x'));
    const unknown = new StorageClient(account('AKIDNOSUCHKEY0000000', env.sk));
    try {
      const e1 = await listObjects(wrong, { bucket }).catch((e: unknown) => e as StorageError);
      expect(e1).toBeInstanceOf(StorageError);
      expect(e1).toMatchObject({ details: { status: 403 } });
      const e2 = await listObjects(unknown, { bucket }).catch((e: unknown) => e as StorageError);
      expect(e2).toMatchObject({ details: { status: 403 } });
      if (dialect === 'cos') {
        expect(e1).toMatchObject({ details: { storageCode: 'SignatureDoesNotMatch' } });
        expect((e1 as StorageError).message).toMatch(/the secret key is wrong/);
        expect(e2).toMatchObject({ details: { storageCode: 'InvalidAccessKeyId' } });
        expect((e2 as StorageError).message).toMatch(/does not know this key id/);
      }
      // A HEAD error has no body: a 403 is all there is, and it must still fail cleanly.
      await expect(wrong.request({ method: 'HEAD', bucket })).rejects.toMatchObject({
        details: { status: 403 },
      });
    } finally {
      await wrong.close();
      await unknown.close();
    }
  });
});
