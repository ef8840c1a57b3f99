/**
 * The official cos-nodejs-sdk-v5 performs, through an in-process COS gateway in front of RGW,
 * every operation the app uses, and gets COS answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CosGateway } from '../cos-gateway/server';
import { Crc64 } from '../cos-gateway/crc64';
import {
  APPID,
  REGION,
  UIN1,
  UIN2,
  destroyBucket,
  getFederationToken,
  host,
  raw,
  rejection,
  rgwEnv,
  sdk,
  startGateway,
  uniqueBucket,
  type RgwEnv,
} from './helpers';

const crcOf = (b: Buffer | string) => new Crc64().update(Buffer.from(b)).digestDecimal();
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let env: RgwEnv;
let gw: CosGateway;
let cos: COS; // tester (uin 100000000001)
let cos2: COS; // tester2 (uin 100000000002)
let Bucket: string;
const Region = REGION;

beforeAll(async () => {
  env = rgwEnv();
  gw = await startGateway(env);
  cos = sdk(gw, env.ak, env.sk);
  cos2 = sdk(gw, env.ak2, env.sk2);
  Bucket = uniqueBucket();
  await cos.putBucket({ Bucket, Region });
});

afterAll(async () => {
  if (cos && Bucket) await destroyBucket(cos, Bucket);
  await gw?.close();
});

describe('buckets', () => {
  it('getService lists the bucket as <name>-APPID with its Location and a CAM owner', async () => {
    const r = await cos.getService({});
    const b = r.Buckets.find((x) => x.Name === Bucket);
    expect(b).toMatchObject({ Name: Bucket, Location: REGION });
    expect(r.Buckets.every((x) => x.Name.endsWith(`-${APPID}`))).toBe(true);
    expect((r as unknown as { Owner: { ID: string } }).Owner.ID).toBe(`qcs::cam::uin/${UIN1}:uin/${UIN1}`);
    expect(r.headers?.['x-cos-request-id']).toBeTruthy();
  });

  it('putBucket / headBucket / deleteBucket, BucketNotEmpty, NoSuchBucket', async () => {
    const b = uniqueBucket('conf-tmp');
    const put = await cos.putBucket({ Bucket: b, Region });
    expect(put.statusCode).toBe(200);
    expect((await cos.headBucket({ Bucket: b, Region })).statusCode).toBe(200);
    await cos.putObject({ Bucket: b, Region, Key: 'x', Body: 'x' });
    const e = await rejection(cos.deleteBucket({ Bucket: b, Region }));
    expect(e).toMatchObject({ statusCode: 409, code: 'BucketNotEmpty' });
    await cos.deleteObject({ Bucket: b, Region, Key: 'x' });
    expect((await cos.deleteBucket({ Bucket: b, Region })).statusCode).toBe(204);
    const gone = await rejection(cos.getBucket({ Bucket: b, Region }));
    expect(gone).toMatchObject({ statusCode: 404, code: 'NoSuchBucket' });
    const err = gone as { error?: { RequestId?: string } };
    expect(err.error?.RequestId).toBeTruthy();
  });
});

describe('objects', () => {
  const keys = [
    'list/a.txt',
    'list/b.txt',
    'list/c/1.txt',
    'list/c/2.txt',
    'list/d/e/3.txt',
    'list/照片 1.txt',
  ];

  beforeAll(async () => {
    await Promise.all(keys.map((Key) => cos.putObject({ Bucket, Region, Key, Body: Key })));
  });

  it('getBucket with Prefix and Delimiter gives files and folders, bucket name in COS form', async () => {
    const r = await cos.getBucket({ Bucket, Region, Prefix: 'list/', Delimiter: '/' });
    expect(r.Name).toBe(Bucket);
    expect(r.Contents.map((c) => c.Key).sort()).toEqual(['list/a.txt', 'list/b.txt', 'list/照片 1.txt']);
    expect(r.CommonPrefixes.map((p) => p.Prefix).sort()).toEqual(['list/c/', 'list/d/']);
    expect(r.Contents[0].ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((r.Contents[0] as unknown as { Owner: { ID: string } }).Owner.ID).toBe(
      `qcs::cam::uin/${UIN1}:uin/${UIN1}`,
    );
  });

  it('getBucket pages with MaxKeys and Marker', async () => {
    const seen: string[] = [];
    let Marker = '';
    for (let i = 0; i < 10; i++) {
      const r = await cos.getBucket({ Bucket, Region, Prefix: 'list/', MaxKeys: 2, Marker });
      seen.push(...r.Contents.map((c) => c.Key));
      expect(r.Contents.length).toBeLessThanOrEqual(2);
      if (r.IsTruncated !== 'true') break;
      Marker = r.NextMarker ?? r.Contents[r.Contents.length - 1].Key;
    }
    expect(seen).toEqual([...keys].sort());
  });

  it('putObject returns the CRC64; getObject (whole and Range) and headObject return it too', async () => {
    const body = randomBytes(100_000);
    const put = await cos.putObject({
      Bucket,
      Region,
      Key: 'obj/bin',
      Body: body,
      ContentType: 'application/x-test',
    });
    expect(put.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(body));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    const get = await cos.getObject({ Bucket, Region, Key: 'obj/bin' });
    expect(Buffer.compare(get.Body as Buffer, body)).toBe(0);
    expect(get.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(body));
    const part = await cos.getObject({ Bucket, Region, Key: 'obj/bin', Range: 'bytes=10-19' });
    expect(part.statusCode).toBe(206);
    expect(Buffer.compare(part.Body as Buffer, body.subarray(10, 20))).toBe(0);
    expect(part.headers?.['content-range']).toBe(`bytes 10-19/${body.length}`);
    const head = await cos.headObject({ Bucket, Region, Key: 'obj/bin' });
    expect(head.headers?.['content-length']).toBe(String(body.length));
    expect(head.headers?.['content-type']).toBe('application/x-test');
    expect(head.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(body));
  });

  it('x-cos-meta-* round-trips; an empty object has CRC 0', async () => {
    await cos.putObject({
      Bucket,
      Region,
      Key: 'obj/meta',
      Body: 'm',
      Headers: { 'x-cos-meta-color': 'blue' },
    });
    const head = await cos.headObject({ Bucket, Region, Key: 'obj/meta' });
    expect(head.headers?.['x-cos-meta-color']).toBe('blue');
    const empty = await cos.putObject({ Bucket, Region, Key: 'obj/empty', Body: '' });
    expect(empty.headers?.['x-cos-hash-crc64ecma']).toBe('0');
    expect((await cos.getObject({ Bucket, Region, Key: 'obj/empty' })).Body?.length).toBe(0);
  });

  it('headObject / getObject of a missing key: 404 NoSuchKey with RequestId', async () => {
    const e = await rejection(cos.getObject({ Bucket, Region, Key: 'nope/missing' }));
    expect(e).toMatchObject({ statusCode: 404, code: 'NoSuchKey' });
    const h = await rejection(cos.headObject({ Bucket, Region, Key: 'nope/missing' }));
    expect(h.statusCode).toBe(404);
  });

  it('putObjectCopy (COS copy-source form) keeps the source CRC', async () => {
    const body = 'copy me ' + randomBytes(8).toString('hex');
    await cos.putObject({ Bucket, Region, Key: 'copy/源 文件.txt', Body: body });
    const r = await cos.putObjectCopy({
      Bucket,
      Region,
      Key: 'copy/dst.txt',
      CopySource: `${Bucket}.cos.${Region}.myqcloud.com/${encodeURIComponent('copy/源 文件.txt')}`,
    });
    expect(r.ETag).toBeTruthy();
    const got = await cos.getObject({ Bucket, Region, Key: 'copy/dst.txt' });
    expect(got.Body?.toString()).toBe(body);
    expect(got.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(body));
  });

  it('deleteObject and deleteMultipleObject', async () => {
    await Promise.all(
      ['del/1', 'del/2', 'del/3'].map((Key) => cos.putObject({ Bucket, Region, Key, Body: Key })),
    );
    expect((await cos.deleteObject({ Bucket, Region, Key: 'del/1' })).statusCode).toBe(204);
    const r = await cos.deleteMultipleObject({
      Bucket,
      Region,
      Objects: [{ Key: 'del/2' }, { Key: 'del/3' }],
    });
    expect(r.Deleted.map((d) => d.Key).sort()).toEqual(['del/2', 'del/3']);
    expect(r.Error).toEqual([]);
    const left = await cos.getBucket({ Bucket, Region, Prefix: 'del/' });
    expect(left.Contents).toEqual([]);
  });
});

describe('multipart', () => {
  it('init / upload / list parts / complete: combined CRC64 equals the local CRC of the whole', async () => {
    const Key = 'mp/big.bin';
    const p1 = randomBytes(5 * 1024 * 1024);
    const p2 = randomBytes(1024 * 1024 + 7);
    const init = await cos.multipartInit({ Bucket, Region, Key });
    expect(init.UploadId).toBeTruthy();
    expect((init as unknown as { Bucket: string }).Bucket).toBe(Bucket);
    const UploadId = init.UploadId;
    const u1 = await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: p1 });
    const u2 = await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 2, Body: p2 });
    expect(u1.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(p1));
    expect(u2.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(p2));
    const parts = await cos.multipartListPart({ Bucket, Region, Key, UploadId });
    expect(parts.Part.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      ['1', u1.ETag, String(p1.length)],
      ['2', u2.ETag, String(p2.length)],
    ]);
    const done = await cos.multipartComplete({
      Bucket,
      Region,
      Key,
      UploadId,
      Parts: [
        { PartNumber: 1, ETag: u1.ETag },
        { PartNumber: 2, ETag: u2.ETag },
      ],
    });
    const whole = Buffer.concat([p1, p2]);
    expect(done.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(whole));
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(done.Location).toBe(`${host(gw, Bucket)}/${Key}`);
    expect((done as unknown as { Bucket: string }).Bucket).toBe(Bucket);
    const head = await cos.headObject({ Bucket, Region, Key });
    expect(head.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(whole));
    expect(head.headers?.['content-length']).toBe(String(whole.length));
  });

  it('multipartAbort: the upload is gone afterwards (NoSuchUpload)', async () => {
    const Key = 'mp/aborted.bin';
    const { UploadId } = await cos.multipartInit({ Bucket, Region, Key });
    await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: 'tiny' });
    const listed = await cos.multipartList({ Bucket, Region, Prefix: 'mp/' } as COS.MultipartListParams);
    expect(listed.Upload.map((u) => u.UploadId)).toContain(UploadId);
    expect((await cos.multipartAbort({ Bucket, Region, Key, UploadId })).statusCode).toBe(204);
    const e = await rejection(cos.multipartListPart({ Bucket, Region, Key, UploadId }));
    expect(e).toMatchObject({ statusCode: 404, code: 'NoSuchUpload' });
  });
});

describe('ACL', () => {
  const grant2 = `id="qcs::cam::uin/${UIN2}:uin/${UIN2}"`;

  it('putObjectAcl grant-read to uin 100000000002 lets tester2 read; getObjectAcl shows CAM ids', async () => {
    const Key = 'acl/shared.txt';
    await cos.putObject({ Bucket, Region, Key, Body: 'for tester2' });
    expect(await rejection(cos2.getObject({ Bucket, Region, Key }))).toMatchObject({ statusCode: 403 });
    await cos.putObjectAcl({ Bucket, Region, Key, GrantRead: grant2 });
    expect((await cos2.getObject({ Bucket, Region, Key })).Body?.toString()).toBe('for tester2');
    const acl = await cos.getObjectAcl({ Bucket, Region, Key });
    expect(acl.Owner.ID).toBe(`qcs::cam::uin/${UIN1}:uin/${UIN1}`);
    expect(acl.GrantRead).toBe(grant2);
    const grants = JSON.stringify(acl.Grants);
    expect(grants).toContain(`qcs::cam::uin/${UIN2}:uin/${UIN2}`);
    expect(grants).not.toMatch(/"tester2?"/);
  });

  it('putObjectAcl public-read: anonymous GET works; private again: 403 AccessDenied in COS XML', async () => {
    const Key = 'acl/public.txt';
    await cos.putObject({ Bucket, Region, Key, Body: 'public' });
    const url = `http://${host(gw, Bucket)}/acl/public.txt`;
    const before = await raw(gw, url);
    expect(before.status).toBe(403);
    expect(before.text).toMatch(/<Code>AccessDenied<\/Code>[\s\S]*<RequestId>[^<]+<\/RequestId>/);
    expect(before.headers['x-cos-request-id']).toBeTruthy();
    await cos.putObjectAcl({ Bucket, Region, Key, ACL: 'public-read' });
    const acl = await cos.getObjectAcl({ Bucket, Region, Key });
    expect(acl.ACL).toBe('public-read');
    expect(JSON.stringify(acl.Grants)).toContain('http://cam.qcloud.com/groups/global/AllUsers');
    const after = await raw(gw, url);
    expect(after.status).toBe(200);
    expect(after.text).toBe('public');
    await cos.putObjectAcl({ Bucket, Region, Key, ACL: 'private' });
    expect((await raw(gw, url)).status).toBe(403);
  });

  it('putObjectAcl with an AccessControlPolicy body (CAM grantee) is translated', async () => {
    const Key = 'acl/body.txt';
    await cos.putObject({ Bucket, Region, Key, Body: 'body acl' });
    const owner = `qcs::cam::uin/${UIN1}:uin/${UIN1}`;
    await cos.putObjectAcl({
      Bucket,
      Region,
      Key,
      AccessControlPolicy: {
        Owner: { ID: owner },
        Grants: [
          { Grantee: { ID: owner }, Permission: 'FULL_CONTROL' },
          { Grantee: { ID: `qcs::cam::uin/${UIN2}:uin/${UIN2}` }, Permission: 'READ' },
        ],
      },
    } as unknown as COS.PutObjectAclParams);
    expect((await cos2.getObject({ Bucket, Region, Key })).Body?.toString()).toBe('body acl');
  });

  it('putBucketAcl grant-read to tester2 lets tester2 list; getBucketAcl shows it', async () => {
    expect(await rejection(cos2.getBucket({ Bucket, Region }))).toMatchObject({ statusCode: 403 });
    await cos.putBucketAcl({ Bucket, Region, GrantRead: grant2 });
    const acl = await cos.getBucketAcl({ Bucket, Region });
    expect(acl.GrantRead).toBe(grant2);
    expect(acl.Owner.ID).toBe(`qcs::cam::uin/${UIN1}:uin/${UIN1}`);
    const list = await cos2.getBucket({ Bucket, Region, Prefix: 'acl/' });
    expect(list.Contents.length).toBeGreaterThan(0);
    await cos.putBucketAcl({ Bucket, Region, ACL: 'private' });
    expect(await rejection(cos2.getBucket({ Bucket, Region }))).toMatchObject({ statusCode: 403 });
  });
});

describe('bucket policy', () => {
  it('folder public-read: anonymous GET inside the prefix works, elsewhere fails; GET returns the COS form; delete', async () => {
    await cos.putObject({ Bucket, Region, Key: 'pub/open.txt', Body: 'open' });
    await cos.putObject({ Bucket, Region, Key: 'priv/closed.txt', Body: 'closed' });
    // the SDK rewrites NoSuchPolicy's code to '404' (its "New COS" compatibility); the body code stays
    const none = await rejection(cos.getBucketPolicy({ Bucket, Region }));
    expect(none).toMatchObject({ statusCode: 404, error: { Code: 'NoSuchPolicy' } });
    const Policy = {
      version: '2.0',
      statement: [
        {
          principal: { qcs: ['qcs::cam::anyone:anyone'] },
          effect: 'allow',
          action: ['name/cos:GetObject', 'name/cos:HeadObject'],
          resource: [`qcs::cos:${Region}:uid/${APPID}:${Bucket}/pub/*`],
        },
        {
          principal: { qcs: [`qcs::cam::uin/${UIN2}:uin/${UIN2}`] },
          effect: 'allow',
          action: ['name/cos:GetBucket'],
          resource: [`qcs::cos:${Region}:uid/${APPID}:${Bucket}/*`],
        },
      ],
    };
    await cos.putBucketPolicy({ Bucket, Region, Policy } as unknown as COS.PutBucketPolicyParams);
    const got = await cos.getBucketPolicy({ Bucket, Region });
    // COS answers a re-rendered document with capitalised keys (GET Bucket policy, 436/8276).
    expect(got.Policy).toEqual({
      Statement: Policy.statement.map((st) => ({
        Principal: st.principal,
        Effect: st.effect,
        Action: st.action,
        Resource: st.resource,
      })),
      version: '2.0',
    });
    expect((await raw(gw, `http://${host(gw, Bucket)}/pub/open.txt`)).text).toBe('open');
    expect((await raw(gw, `http://${host(gw, Bucket)}/pub/open.txt`, { method: 'HEAD' })).status).toBe(200);
    expect((await raw(gw, `http://${host(gw, Bucket)}/priv/closed.txt`)).status).toBe(403);
    expect((await cos2.getBucket({ Bucket, Region, Prefix: 'pub/' })).Contents.length).toBe(1);
    expect((await cos.deleteBucketPolicy({ Bucket, Region })).statusCode).toBe(204);
    expect((await raw(gw, `http://${host(gw, Bucket)}/pub/open.txt`)).status).toBe(403);
    expect(await rejection(cos.getBucketPolicy({ Bucket, Region }))).toMatchObject({ statusCode: 404 });
  });

  it('a malformed policy is refused with 400', async () => {
    const e = await rejection(
      cos.putBucketPolicy({
        Bucket,
        Region,
        Policy: {
          version: '2.0',
          statement: [
            {
              effect: 'allow',
              action: ['name/cos:GetObject'],
              resource: ['nonsense'],
              principal: { qcs: ['qcs::cam::anyone:anyone'] },
            },
          ],
        },
      } as unknown as COS.PutBucketPolicyParams),
    );
    expect(e.statusCode).toBe(400);
  });
});

describe('pre-signed URLs (getObjectUrl, fetched with plain undici)', () => {
  const signed = (c: COS, p: Partial<COS.GetObjectUrlParams>) =>
    new Promise<string>((resolve, reject) =>
      c.getObjectUrl(
        { Bucket, Region, Key: 'sign/file.txt', Sign: true, ...p } as COS.GetObjectUrlParams,
        (err, data) => (err ? reject(err) : resolve(data.Url)),
      ),
    );

  beforeAll(async () => {
    await cos.putObject({ Bucket, Region, Key: 'sign/file.txt', Body: 'signed content' });
  });

  it('GET link works; tampered link, tampered key and expired link get 403', async () => {
    const url = await signed(cos, { Expires: 600 });
    expect(url).toMatch(/q-signature=/);
    const ok = await raw(gw, url);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('signed content');
    expect(ok.headers['x-cos-hash-crc64ecma']).toBe(crcOf('signed content'));

    const sig = /q-signature=([0-9a-f]+)/.exec(url)![1];
    const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
    const t = await raw(gw, url.replace(sig, flipped));
    expect(t.status).toBe(403);
    expect(t.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    await cos.putObject({ Bucket, Region, Key: 'sign/other.txt', Body: 'other' });
    expect((await raw(gw, url.replace('sign/file.txt', 'sign/other.txt'))).status).toBe(403);

    const now = Math.floor(Date.now() / 1000);
    const expiredAuth = COS.getAuthorization({
      SecretId: env.ak,
      SecretKey: env.sk,
      Method: 'get',
      Key: 'sign/file.txt',
      Headers: { host: host(gw, Bucket) },
      KeyTime: `${now - 120};${now - 60}`,
    });
    const expired = await raw(gw, `http://${host(gw, Bucket)}/sign/file.txt?${expiredAuth}`);
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('<Code>AccessDenied</Code>');
    expect(expired.text).toContain('<Message>Request has expired</Message>');
  });

  it('PUT link uploads (and its CRC is stored)', async () => {
    const url = await signed(cos, { Method: 'PUT', Key: 'sign/uploaded.txt', Expires: 600 });
    const r = await raw(gw, url, { method: 'PUT', body: 'via put link' });
    expect(r.status).toBe(200);
    expect(r.headers['x-cos-hash-crc64ecma']).toBe(crcOf('via put link'));
    expect((await cos.getObject({ Bucket, Region, Key: 'sign/uploaded.txt' })).Body?.toString()).toBe(
      'via put link',
    );
  });
});

describe('temporary keys (GetFederationToken through the gateway STS)', () => {
  const policy = () => ({
    version: '2.0',
    statement: [
      {
        effect: 'allow',
        action: ['name/cos:PutObject', 'name/cos:GetObject', 'name/cos:HeadObject'],
        resource: [`qcs::cos:${Region}:uid/${APPID}:${Bucket}/tmp/*`],
      },
    ],
  });

  it('scoped token: allowed inside the prefix, 403 outside; pre-signed link with token; bad token 403', async () => {
    await cos.putObject({ Bucket, Region, Key: 'tmp/in.txt', Body: 'inside' });
    await cos.putObject({ Bucket, Region, Key: 'out/x.txt', Body: 'outside' });
    const t = await getFederationToken(gw, env.ak, env.sk, {
      Name: 'conformance',
      Policy: policy(),
      DurationSeconds: 1800,
    });
    expect(t.Response.Error).toBeUndefined();
    const { TmpSecretId, TmpSecretKey, Token } = t.Response.Credentials;
    expect(TmpSecretId && TmpSecretKey && Token).toBeTruthy();
    expect(t.Response.ExpiredTime).toBeGreaterThan(Date.now() / 1000 + 1700);
    expect(new Date(t.Response.Expiration).getTime() / 1000).toBeCloseTo(t.Response.ExpiredTime, 0);

    const tmp = sdk(gw, TmpSecretId, TmpSecretKey, Token);
    expect((await tmp.getObject({ Bucket, Region, Key: 'tmp/in.txt' })).Body?.toString()).toBe('inside');
    const put = await tmp.putObject({ Bucket, Region, Key: 'tmp/new.txt', Body: 'by temp key' });
    expect(put.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf('by temp key'));
    expect(await rejection(tmp.getObject({ Bucket, Region, Key: 'out/x.txt' }))).toMatchObject({
      statusCode: 403,
    });
    expect(await rejection(tmp.putObject({ Bucket, Region, Key: 'out/y.txt', Body: 'no' }))).toMatchObject({
      statusCode: 403,
    });

    const url = await new Promise<string>((resolve, reject) =>
      tmp.getObjectUrl({ Bucket, Region, Key: 'tmp/in.txt', Sign: true, Expires: 300 }, (e, d) =>
        e ? reject(e) : resolve(d.Url),
      ),
    );
    expect(url).toContain('x-cos-security-token=');
    expect((await raw(gw, url)).text).toBe('inside');

    const badToken = sdk(gw, TmpSecretId, TmpSecretKey, Token.slice(0, -2) + 'zz');
    expect(await rejection(badToken.getObject({ Bucket, Region, Key: 'tmp/in.txt' }))).toMatchObject({
      statusCode: 403,
    });
    const noToken = sdk(gw, TmpSecretId, TmpSecretKey);
    expect(await rejection(noToken.getObject({ Bucket, Region, Key: 'tmp/in.txt' }))).toMatchObject({
      statusCode: 403,
    });
  });

  it('STS refuses a wrongly signed request, and an unknown SecretId', async () => {
    const bad = await getFederationToken(gw, env.ak, env.sk + 'x', { Name: 'x', Policy: policy() });
    expect(bad.Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    const unknown = await getFederationToken(gw, 'AKIDnobody', env.sk, { Name: 'x', Policy: policy() });
    expect(unknown.Response.Error?.Code).toBe('AuthFailure.SecretIdNotFound');
    expect(unknown.Response.RequestId).toBeTruthy();
  });
});

describe('negative cases (the gateway signature check)', () => {
  it('acceptance: a request the official SDK signed with a WRONG secret gets 403 SignatureDoesNotMatch', async () => {
    const wrong = sdk(gw, env.ak, env.sk.slice(0, -1) + (env.sk.endsWith('0') ? '1' : '0'));
    const e = await rejection(wrong.getObject({ Bucket, Region, Key: 'sign/file.txt' }));
    expect(e).toMatchObject({ statusCode: 403, code: 'SignatureDoesNotMatch' });
    const e2 = await rejection(wrong.putObject({ Bucket, Region, Key: 'neg/should-not-exist', Body: 'x' }));
    expect(e2).toMatchObject({ statusCode: 403, code: 'SignatureDoesNotMatch' });
    expect(await rejection(cos.headObject({ Bucket, Region, Key: 'neg/should-not-exist' }))).toMatchObject({
      statusCode: 404,
    });
    const e3 = await rejection(wrong.getService({}));
    expect(e3).toMatchObject({ statusCode: 403, code: 'SignatureDoesNotMatch' });
  });

  it("tester2's key cannot pass as tester's (right id, other user's secret)", async () => {
    const mixed = sdk(gw, env.ak, env.sk2);
    expect(await rejection(mixed.getBucket({ Bucket, Region }))).toMatchObject({
      statusCode: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('unknown SecretId: 403 InvalidAccessKeyId', async () => {
    const nobody = sdk(gw, 'AKIDnobody000000000000000000000000', 'whatever');
    expect(await rejection(nobody.getBucket({ Bucket, Region }))).toMatchObject({
      statusCode: 403,
      code: 'InvalidAccessKeyId',
    });
  });

  it('a header signed by the SDK but changed on the way fails', async () => {
    const auth = COS.getAuthorization({
      SecretId: env.ak,
      SecretKey: env.sk,
      Method: 'put',
      Key: 'neg/h.txt',
      Headers: { host: host(gw, Bucket), 'content-type': 'text/plain' },
    });
    const r = await raw(gw, `http://${host(gw, Bucket)}/neg/h.txt`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'text/html' },
      body: 'x',
    });
    expect(r.status).toBe(403);
    expect(r.text).toContain('SignatureDoesNotMatch');
    const ok = await raw(gw, `http://${host(gw, Bucket)}/neg/h.txt`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(ok.status).toBe(200);
  });

  it('path-style requests are refused like COS does', async () => {
    const r = await raw(gw, `http://127.0.0.1:${gw.port}/${Bucket}/sign/file.txt`);
    expect(r.status).toBe(403);
    expect(r.text).toContain('PathStyleDomainForbidden');
  });
});
