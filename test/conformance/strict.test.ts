/**
 * The strict gateway refuses what COS refuses (as Tencent's API documents say) and answers in
 * COS's shapes, while everything the official SDK sends still passes. Each case names the rule.
 */
import { createHash, randomBytes } from 'node:crypto';
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCosGateway, type CosGateway } from '../cos-gateway/server';
import {
  APPID,
  REGION,
  UIN1,
  UIN2,
  destroyBucket,
  getFederationToken,
  rejection,
  rgwEnv,
  sdk,
  startGateway,
  tc3Headers,
  uniqueBucket,
  type RgwEnv,
} from './helpers';
import { request } from 'undici';

const Region = REGION;
/** In the second gateway, tester2 is the sub-account 100000000011 of root account UIN1. */
const SUB_UIN = '100000000011';
const md5 = (s: string) => createHash('md5').update(s).digest('base64');

let env: RgwEnv;
let gw: CosGateway;
let gwSub: CosGateway;
let cos: COS;
let cos2: COS;
let Bucket: string;

type Req = {
  Method: string;
  Key?: string;
  Action?: string;
  Headers?: Record<string, string>;
  Body?: string;
  RawBody?: boolean;
};
/** A request signed by the official SDK (cos.request), with exactly the headers given. */
function sdkRequest(c: COS, r: Req): Promise<{ statusCode?: number; Body?: unknown }> {
  return new Promise((resolve, reject) =>
    (
      c as unknown as {
        request: (p: unknown, cb: (e: unknown, d: { statusCode?: number; Body?: unknown }) => void) => void;
      }
    ).request({ Bucket, Region, Headers: {}, ...r }, (e, d) => (e ? reject(e) : resolve(d))),
  );
}

beforeAll(async () => {
  env = rgwEnv();
  gw = await startGateway(env);
  gwSub = await startCosGateway({
    port: 0,
    s3Endpoint: env.endpoint,
    users: [
      { secretId: env.ak, secretKey: env.sk, uin: UIN1 },
      { secretId: env.ak2, secretKey: env.sk2, uin: SUB_UIN, rootUin: UIN1 },
    ],
    roleArn: env.roleArn,
  });
  cos = sdk(gw, env.ak, env.sk);
  cos2 = sdk(gw, env.ak2, env.sk2);
  Bucket = uniqueBucket('strict');
  await cos.putBucket({ Bucket, Region });
  await cos.putObject({ Bucket, Region, Key: 'f.txt', Body: 'file' });
});

afterAll(async () => {
  if (cos && Bucket) await destroyBucket(cos, Bucket);
  await gw?.close();
  await gwSub?.close();
});

describe('grantees (PUT Bucket/Object acl, 436/7737, 436/7748)', () => {
  it('id="<uin>" is the root account: tester2 reads; GET acl answers RootAccount with CAM ids', async () => {
    const Key = 'g/root.txt';
    await cos.putObject({ Bucket, Region, Key, Body: 'root' });
    await cos.putObjectAcl({ Bucket, Region, Key, GrantRead: `id="${UIN2}"` });
    expect((await cos2.getObject({ Bucket, Region, Key })).Body?.toString()).toBe('root');
    const acl = await cos.getObjectAcl({ Bucket, Region, Key });
    const cam2 = `qcs::cam::uin/${UIN2}:uin/${UIN2}`;
    expect(acl.GrantRead).toBe(`id="${cam2}"`);
    const xml = await sdkRequest(cos, { Method: 'GET', Key, Action: 'acl', RawBody: true });
    const text = String(xml.Body);
    expect(text).toContain(`xsi:type="RootAccount"><ID>${cam2}</ID><DisplayName>${cam2}</DisplayName>`);
  });

  it('the owner as root of another root account names nobody: 400 InvalidArgument, header and body', async () => {
    const wrong = `qcs::cam::uin/${UIN1}:uin/${UIN2}`;
    for (const GrantRead of [`id="${UIN1}/${UIN2}"`, `id="${wrong}"`]) {
      const e = await rejection(cos.putObjectAcl({ Bucket, Region, Key: 'f.txt', GrantRead }));
      expect(e).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    }
    const owner = `qcs::cam::uin/${UIN1}:uin/${UIN1}`;
    const e = await rejection(
      cos.putObjectAcl({
        Bucket,
        Region,
        Key: 'f.txt',
        AccessControlPolicy: {
          Owner: { ID: owner },
          Grants: [{ Grantee: { ID: wrong }, Permission: 'READ' }],
        },
      } as unknown as COS.PutObjectAclParams),
    );
    expect(e).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    expect(await rejection(cos2.getObject({ Bucket, Region, Key: 'f.txt' }))).toMatchObject({
      statusCode: 403,
    });
  });

  it('malformed grantee forms are refused', async () => {
    for (const GrantRead of [
      'id="tester2"',
      `${UIN2}`,
      'emailAddress="a@b.c"',
      'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
    ]) {
      const e = await rejection(cos.putObjectAcl({ Bucket, Region, Key: 'f.txt', GrantRead }));
      expect(e, GrantRead).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    }
  });

  it('id="<root>/<sub>" is the sub-account: granted, tester2 (the sub-account) reads; as a root id it is refused', async () => {
    const c = sdk(gwSub, env.ak, env.sk);
    const c2 = sdk(gwSub, env.ak2, env.sk2);
    const Key = 'g/sub.txt';
    await c.putObject({ Bucket, Region, Key, Body: 'sub' });
    expect(
      await rejection(c.putObjectAcl({ Bucket, Region, Key, GrantRead: `id="${SUB_UIN}"` })),
    ).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    await c.putObjectAcl({ Bucket, Region, Key, GrantRead: `id="${UIN1}/${SUB_UIN}"` });
    expect((await c2.getObject({ Bucket, Region, Key })).Body?.toString()).toBe('sub');
    const acl = await c.getObjectAcl({ Bucket, Region, Key });
    expect(JSON.stringify(acl.Grants)).toContain(`qcs::cam::uin/${UIN1}:uin/${SUB_UIN}`);
    const text = String((await sdkRequest(c, { Method: 'GET', Key, Action: 'acl', RawBody: true })).Body);
    expect(text).toMatch(/xsi:type="CanonicalUser"><ID>qcs::cam::uin\/100000000001:uin\/100000000011<\/ID>/);
  });
});

describe('policy resources and principals (PUT Bucket policy, 436/8282)', () => {
  const doc = (resource: string, principal = `qcs::cam::uin/${UIN2}:uin/${UIN2}`) => ({
    version: '2.0',
    statement: [
      {
        principal: { qcs: [principal] },
        effect: 'allow',
        action: ['name/cos:GetObject'],
        resource: [resource],
      },
    ],
  });
  const put = (Policy: unknown) =>
    cos.putBucketPolicy({ Bucket, Region, Policy } as unknown as COS.PutBucketPolicyParams);

  it('a foreign region, a foreign APPID, another bucket or an unknown principal: 400 MalformedPolicy', async () => {
    for (const p of [
      doc(`qcs::cos:ap-beijing:uid/${APPID}:${Bucket}/*`),
      doc(`qcs::cos:${Region}:uid/1250000001:${Bucket}/*`),
      doc(`qcs::cos:${Region}:uid/${APPID}:other-${APPID}/*`),
      doc(`qcs::cos:${Region}:uid/${APPID}:${Bucket}/*`, `qcs::cam::uin/${UIN1}:uin/${UIN2}`),
    ]) {
      expect(await rejection(put(p))).toMatchObject({ statusCode: 400, code: 'MalformedPolicy' });
    }
  });

  it('the right region and APPID pass, and the root-account principal really gets access', async () => {
    await put(doc(`qcs::cos:${Region}:uid/${APPID}:${Bucket}/f.txt`));
    expect((await cos2.getObject({ Bucket, Region, Key: 'f.txt' })).Body?.toString()).toBe('file');
    await cos.deleteBucketPolicy({ Bucket, Region });
  });
});

describe('copy (PUT Object - Copy, 436/10881)', () => {
  const src = `${Bucket}.cos.${Region}.myqcloud.com/f.txt`;

  it('no directive, Copy and Replaced pass; Replaced replaces the metadata', async () => {
    const s = () => `${Bucket}.cos.${Region}.myqcloud.com/f.txt`;
    await cos.putObjectCopy({ Bucket, Region, Key: 'c/none.txt', CopySource: s() });
    await cos.putObjectCopy({
      Bucket,
      Region,
      Key: 'c/copy.txt',
      CopySource: s(),
      MetadataDirective: 'Copy',
    });
    await cos.putObjectCopy({
      Bucket,
      Region,
      Key: 'c/replaced.txt',
      CopySource: s(),
      MetadataDirective: 'Replaced',
      ContentType: 'text/x-replaced',
    } as COS.PutObjectCopyParams);
    const h = await cos.headObject({ Bucket, Region, Key: 'c/replaced.txt' });
    expect(h.headers?.['content-type']).toBe('text/x-replaced');
    expect((await cos.getObject({ Bucket, Region, Key: 'c/copy.txt' })).Body?.toString()).toBe('file');
  });

  it('an unknown directive (COPY, REPLACE) is 400 InvalidArgument', async () => {
    void src;
    for (const d of ['COPY', 'REPLACE', 'copy']) {
      const e = await rejection(
        cos.putObjectCopy({
          Bucket,
          Region,
          Key: 'c/bad.txt',
          CopySource: `${Bucket}.cos.${Region}.myqcloud.com/f.txt`,
          MetadataDirective: d,
        } as COS.PutObjectCopyParams),
      );
      expect(e, d).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    }
  });

  it('a copy source not in the canonical form is 400 InvalidArgument', async () => {
    for (const source of [
      `${Bucket}.cos.${Region}.localhost:${gw.port}/f.txt`,
      `http://${Bucket}.cos.${Region}.myqcloud.com/f.txt`,
      `${Bucket}.cos.accelerate.myqcloud.com/f.txt`.replace('accelerate', 'ap-beijing'),
      `/${Bucket}/f.txt`,
      `${Bucket}.cos.${Region}.myqcloud.com/a b.txt`,
      `${Bucket}.cos.${Region}.myqcloud.com/%E0%A4%A.txt`,
    ]) {
      const e = await rejection(
        sdkRequest(cos, { Method: 'PUT', Key: 'c/bad.txt', Headers: { 'x-cos-copy-source': source } }),
      );
      expect(e, source).toMatchObject({ statusCode: 400 });
      expect((e as { code?: string }).code, source).toBe('InvalidArgument');
    }
  });
});

describe('Content-MD5 (436/8289, 436/7737, 436/8282; errors 436/7730)', () => {
  const body = `<Delete><Quiet>true</Quiet><Object><Key>nothing-${randomBytes(3).toString('hex')}</Key></Object></Delete>`;

  it('DELETE Multiple Objects without Content-MD5: MissingContentMD5; a wrong one: BadDigest; right: 200', async () => {
    const base = { Method: 'POST', Action: 'delete', Body: body };
    expect(
      await rejection(sdkRequest(cos, { ...base, Headers: { 'content-type': 'application/xml' } })),
    ).toMatchObject({ statusCode: 400, code: 'MissingContentMD5' });
    expect(
      await rejection(sdkRequest(cos, { ...base, Headers: { 'content-md5': md5(body + 'x') } })),
    ).toMatchObject({ statusCode: 400, code: 'BadDigest' });
    expect(await rejection(sdkRequest(cos, { ...base, Headers: { 'content-md5': 'nope' } }))).toMatchObject({
      statusCode: 400,
      code: 'InvalidDigest',
    });
    expect((await sdkRequest(cos, { ...base, Headers: { 'content-md5': md5(body) } })).statusCode).toBe(200);
  });

  it('an ACL body and a policy document without Content-MD5 are refused; the SDK (which sends it) passes', async () => {
    const owner = `qcs::cam::uin/${UIN1}:uin/${UIN1}`;
    const acl =
      `<AccessControlPolicy><Owner><ID>${owner}</ID></Owner><AccessControlList><Grant>` +
      `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${owner}</ID></Grantee>` +
      '<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>';
    expect(
      await rejection(sdkRequest(cos, { Method: 'PUT', Key: 'f.txt', Action: 'acl', Body: acl })),
    ).toMatchObject({ statusCode: 400, code: 'MissingContentMD5' });
    const policy = JSON.stringify({
      version: '2.0',
      statement: [
        {
          principal: { qcs: [`qcs::cam::uin/${UIN2}:uin/${UIN2}`] },
          effect: 'allow',
          action: ['name/cos:GetObject'],
          resource: [`qcs::cos:${Region}:uid/${APPID}:${Bucket}/x/*`],
        },
      ],
    });
    expect(
      await rejection(
        sdkRequest(cos, {
          Method: 'PUT',
          Action: 'policy',
          Body: policy,
          Headers: { 'content-type': 'application/json' },
        }),
      ),
    ).toMatchObject({ statusCode: 400, code: 'MissingContentMD5' });
    await cos.putBucketPolicy({ Bucket, Region, Policy: JSON.parse(policy) } as COS.PutBucketPolicyParams);
    await cos.deleteBucketPolicy({ Bucket, Region });
  });
});

describe('STS GetFederationToken (1312/33228)', () => {
  const policy = () => ({
    version: '2.0',
    statement: [
      {
        effect: 'allow',
        action: ['name/cos:GetObject'],
        resource: [`qcs::cos:${Region}:uid/${APPID}:${Bucket}/*`],
      },
    ],
  });

  it('a root account gets at most 7200 s; a sub-account up to 129600 s', async () => {
    const over = await getFederationToken(gw, env.ak, env.sk, {
      Name: 'r',
      Policy: policy(),
      DurationSeconds: 7201,
    });
    expect(over.Response.Error?.Code).toBe('InvalidParameter.DurationSecondsError');
    // A gateway where tester (the RGW user the STS role trusts) is a sub-account.
    const g = await startCosGateway({
      port: 0,
      s3Endpoint: env.endpoint,
      users: [{ secretId: env.ak, secretKey: env.sk, uin: '100000000021', rootUin: '100000000020' }],
      roleArn: env.roleArn,
    });
    try {
      const sub = await getFederationToken(g, env.ak, env.sk, {
        Name: 'sub-key',
        Policy: policy(),
        DurationSeconds: 129600,
      });
      expect(sub.Response.Error).toBeUndefined();
      expect(sub.Response.ExpiredTime).toBeGreaterThan(Date.now() / 1000 + 129000);
      const tooLong = await getFederationToken(g, env.ak, env.sk, {
        Name: 'sub-key',
        Policy: policy(),
        DurationSeconds: 129601,
      });
      expect(tooLong.Response.Error?.Code).toBe('InvalidParameter.DurationSecondsError');
    } finally {
      await g.close();
    }
  });

  it('a Policy that is not URL-encoded is refused; a bad Name too', async () => {
    const body = JSON.stringify({ Name: 'raw', Policy: JSON.stringify(policy()), DurationSeconds: 1800 });
    const headers = tc3Headers({
      secretId: env.ak,
      secretKey: env.sk,
      host: 'sts.tencentcloudapi.com',
      action: 'GetFederationToken',
      body,
    });
    const r = await request(`http://127.0.0.1:${gw.port}/`, { method: 'POST', headers, body });
    const j = (await r.body.json()) as { Response: { Error?: { Code: string }; RequestId: string } };
    expect(j.Response.Error?.Code).toBe('InvalidParameter');
    expect(j.Response.RequestId).toBeTruthy();
    const badName = await getFederationToken(gw, env.ak, env.sk, { Name: 'a b', Policy: policy() });
    expect(badName.Response.Error?.Code).toBe('InvalidParameter');
  });
});
