/**
 * The same operation done by the official cos-nodejs-sdk-v5 and by the app, recorded by a
 * plain HTTP server: the grantee the ACL body names, the policy principal, Content-MD5 on
 * every XML/JSON body, the copy source form and the metadata directive must agree.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { granteeOf } from '../../../src-main/cli/permissions';
import { putAcl } from '../../../src-main/permissions/acl-ops';
import { putPolicyText } from '../../../src-main/permissions/policy-ops';
import { StorageClient } from '../../../src-main/storage/client';
import { copyObject } from '../../../src-main/storage/ops/copy';
import { deleteObjects } from '../../../src-main/storage/ops/delete';
import { APPID, COS_REGION, UIN1, UIN2, cosAccount } from '../storage/helpers';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const OWNER = `qcs::cam::uin/${UIN1}:uin/${UIN1}`;
const Bucket = `rec-${APPID}`;
const Region = COS_REGION;
const md5 = (s: string) => createHash('md5').update(s).digest('base64');

let server: Server;
let port: number;
let seen: Recorded[] = [];

function answer(r: Recorded): { status: number; type?: string; body: string } {
  if (r.method === 'GET' && /[?&]acl/.test(r.url)) {
    return {
      status: 200,
      type: 'application/xml',
      body:
        `<AccessControlPolicy><Owner><ID>${OWNER}</ID><DisplayName>${OWNER}</DisplayName></Owner>` +
        '<AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="RootAccount">' +
        `<ID>${OWNER}</ID><DisplayName>${OWNER}</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
        '</AccessControlList></AccessControlPolicy>',
    };
  }
  if (r.headers['x-cos-copy-source'])
    return {
      status: 200,
      type: 'application/xml',
      body: '<CopyObjectResult><ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></CopyObjectResult>',
    };
  if (r.method === 'POST' && /[?&]delete/.test(r.url))
    return { status: 200, type: 'application/xml', body: '<DeleteResult></DeleteResult>' };
  return { status: r.method === 'PUT' && /policy/.test(r.url) ? 204 : 200, body: '' };
}

const sdk = () =>
  new COS({
    SecretId: 'AKIDrecorder',
    SecretKey: 'secret',
    Protocol: 'http:',
    Domain: `{Bucket}.cos.{Region}.localhost:${port}`,
    ServiceDomain: `service.cos.localhost:${port}`,
    Ip: `127.0.0.1:${port}`,
    AutoSwitchHost: false,
    KeepAlive: false,
  } as COS.COSOptions);

const app = () => new StorageClient(cosAccount(port, 'AKIDrecorder', 'secret'), { maxAttempts: 1 });

async function recordWith(fn: () => Promise<unknown>): Promise<Recorded[]> {
  seen = [];
  await fn();
  return seen.filter((r) => r.method !== 'GET');
}

const granteeIds = (xml: string) => [...xml.matchAll(/<ID>([^<]*)<\/ID>/g)].map((m) => m[1]).slice(1); // first is the owner

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(r);
      const a = answer(r);
      res.statusCode = a.status;
      res.setHeader('x-cos-request-id', 'rec');
      if (a.type) res.setHeader('content-type', a.type);
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('the app sends what the official SDK sends (recorded)', () => {
  it('object ACL grant to another root account: same grantee CAM id; both bodies carry their Content-MD5', async () => {
    const [s] = await recordWith(() =>
      sdk().putObjectAcl({
        Bucket,
        Region,
        Key: 'k.txt',
        AccessControlPolicy: {
          Owner: { ID: OWNER },
          Grants: [
            { Grantee: { ID: OWNER }, Permission: 'FULL_CONTROL' },
            { Grantee: { ID: `qcs::cam::uin/${UIN2}:uin/${UIN2}` }, Permission: 'READ' },
          ],
        },
      } as unknown as COS.PutObjectAclParams),
    );
    const client = app();
    const [a] = await recordWith(() =>
      putAcl(client, { bucket: Bucket }, 'k.txt', {
        grants: [
          { grantee: { type: 'user', id: OWNER }, permission: 'FULL_CONTROL' },
          { grantee: granteeOf({ kind: 'cos' }, OWNER, UIN2), permission: 'READ' },
        ],
      }),
    );
    await client.close();
    expect(granteeIds(a.body)).toEqual(granteeIds(s.body));
    expect(granteeIds(a.body)).toEqual([OWNER, `qcs::cam::uin/${UIN2}:uin/${UIN2}`]);
    for (const r of [s, a]) expect(r.headers['content-md5'], r.body).toBe(md5(r.body));
  });

  it('bucket policy: the same principal and resource; both carry Content-MD5', async () => {
    const doc = {
      version: '2.0',
      statement: [
        {
          principal: { qcs: [`qcs::cam::uin/${UIN2}:uin/${UIN2}`] },
          effect: 'allow',
          action: ['name/cos:GetObject'],
          resource: [`qcs::cos:${Region}:uid/${APPID}:${Bucket}/p/*`],
        },
      ],
    };
    const [s] = await recordWith(() =>
      sdk().putBucketPolicy({ Bucket, Region, Policy: doc } as unknown as COS.PutBucketPolicyParams),
    );
    const client = app();
    const [a] = await recordWith(() => putPolicyText(client, { bucket: Bucket }, JSON.stringify(doc)));
    await client.close();
    expect(JSON.parse(a.body)).toEqual(JSON.parse(s.body));
    for (const r of [s, a]) expect(r.headers['content-md5']).toBe(md5(r.body));
  });

  it('copy: the same canonical copy source; the directive is none (SDK) or Copy (app), never COPY', async () => {
    const key = 'dir/源 a+b.txt';
    const [s] = await recordWith(() =>
      sdk().putObjectCopy({
        Bucket,
        Region,
        Key: 'dst.txt',
        CopySource: `${Bucket}.cos.${Region}.myqcloud.com/${encodeURIComponent(key)}`,
      }),
    );
    const client = app();
    const [a] = await recordWith(() =>
      copyObject(client, { bucket: Bucket }, key, { bucket: Bucket }, 'dst.txt'),
    );
    await client.close();
    expect(a.headers['x-cos-copy-source']).toBe(s.headers['x-cos-copy-source']);
    expect(s.headers['x-cos-metadata-directive']).toBeUndefined();
    expect(a.headers['x-cos-metadata-directive']).toBe('Copy');
  });

  it('multi-delete: both carry Content-MD5 of the body', async () => {
    const [s] = await recordWith(() =>
      sdk().deleteMultipleObject({ Bucket, Region, Objects: [{ Key: 'a' }, { Key: 'b' }] }),
    );
    const client = app();
    const [a] = await recordWith(() => deleteObjects(client, { bucket: Bucket }, ['a', 'b']));
    await client.close();
    for (const r of [s, a]) expect(r.headers['content-md5']).toBe(md5(r.body));
  });
});
