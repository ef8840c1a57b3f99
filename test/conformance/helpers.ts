/** Shared set-up for the conformance suite: an in-process COS gateway + official SDK clients. */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import COS from 'cos-nodejs-sdk-v5';
import { request } from 'undici';
import { startCosGateway, type CosGateway } from '../cos-gateway/server';

export const APPID = '1250000000';
export const REGION = 'ap-guangzhou';
export const UIN1 = '100000000001';
export const UIN2 = '100000000002';

export interface RgwEnv {
  endpoint: string;
  ak: string;
  sk: string;
  ak2: string;
  sk2: string;
  roleArn: string;
}

export function rgwEnv(): RgwEnv {
  const e = process.env;
  const missing = ['S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2', 'ROLE_ARN'].filter((k) => !e[k]);
  if (missing.length) {
    throw new Error(
      `conformance: ${missing.join(', ')} not set; start RGW (npm run backend:start) and source its env file`,
    );
  }
  return { endpoint: e.S3_ENDPOINT!, ak: e.AK!, sk: e.SK!, ak2: e.AK2!, sk2: e.SK2!, roleArn: e.ROLE_ARN! };
}

export async function startGateway(env: RgwEnv): Promise<CosGateway> {
  return startCosGateway({
    port: 0,
    s3Endpoint: env.endpoint,
    users: [
      { secretId: env.ak, secretKey: env.sk, uin: UIN1 },
      { secretId: env.ak2, secretKey: env.sk2, uin: UIN2 },
    ],
    roleArn: env.roleArn,
    log: process.env.COS_GATEWAY_LOG === '1',
  });
}

/** The official SDK pointed at the gateway (the option names come from cos-nodejs-sdk-v5's sdk/cos.js). */
export function sdk(gw: CosGateway, secretId: string, secretKey: string, securityToken?: string): COS {
  return new COS({
    SecretId: secretId,
    SecretKey: secretKey,
    SecurityToken: securityToken,
    Protocol: 'http:',
    Domain: `{Bucket}.cos.{Region}.localhost:${gw.port}`,
    ServiceDomain: `service.cos.localhost:${gw.port}`,
    Ip: `127.0.0.1:${gw.port}`,
    AutoSwitchHost: false,
    KeepAlive: false,
  } as COS.COSOptions);
}

export function uniqueBucket(tag = 'conf'): string {
  return `${tag}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${APPID}`;
}

export function host(gw: CosGateway, bucket: string): string {
  return `${bucket}.cos.${REGION}.localhost:${gw.port}`;
}

/** Plain HTTP through undici to the gateway; `url` may use the (unresolvable) .localhost host. */
export async function raw(
  gw: CosGateway,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Buffer;
}> {
  const u = new URL(url);
  const r = await request(`http://127.0.0.1:${gw.port}${u.pathname}${u.search}`, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { host: u.host, ...init.headers },
    body: init.body,
  });
  const body = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers, text: body.toString('utf8'), body };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message?: string };
  }
  throw new Error('expected the call to fail');
}

/** Delete every object (and pending upload), then the bucket. Best effort. */
export async function destroyBucket(cos: COS, Bucket: string): Promise<void> {
  try {
    for (;;) {
      const list = await cos.getBucket({ Bucket, Region: REGION, MaxKeys: 1000 });
      if (!list.Contents.length) break;
      await cos.deleteMultipleObject({
        Bucket,
        Region: REGION,
        Objects: list.Contents.map((c) => ({ Key: c.Key })),
      });
    }
    const ups = await cos.multipartList({ Bucket, Region: REGION } as COS.MultipartListParams);
    for (const u of ups.Upload ?? []) {
      await cos.multipartAbort({ Bucket, Region: REGION, Key: u.Key, UploadId: u.UploadId });
    }
    await cos.deleteBucket({ Bucket, Region: REGION });
  } catch {
    // leave it: RGW is wiped when the backend restarts
  }
}

/**
 * Client side of Tencent Cloud API 3.0 (TC3-HMAC-SHA256), written here from the published
 * algorithm and kept apart from the gateway's verifier so the two check each other.
 */
export function tc3Headers(p: {
  secretId: string;
  secretKey: string;
  host: string;
  action: string;
  body: string;
  timestamp?: number;
  service?: string;
}): Record<string, string> {
  const service = p.service ?? 'sts';
  const ts = p.timestamp ?? Math.floor(Date.now() / 1000);
  const date = new Date(ts * 1000).toISOString().slice(0, 10);
  const ct = 'application/json; charset=utf-8';
  const canonical = [
    'POST',
    '/',
    '',
    `content-type:${ct}\nhost:${p.host}\n`,
    'content-type;host',
    createHash('sha256').update(p.body).digest('hex'),
  ].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const sts = `TC3-HMAC-SHA256\n${ts}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const h = (k: Buffer | string, m: string) => createHmac('sha256', k).update(m).digest();
  const key = h(h(h(`TC3${p.secretKey}`, date), service), 'tc3_request');
  const sig = createHmac('sha256', key).update(sts).digest('hex');
  return {
    authorization: `TC3-HMAC-SHA256 Credential=${p.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${sig}`,
    'content-type': ct,
    host: p.host,
    'x-tc-action': p.action,
    'x-tc-timestamp': String(ts),
    'x-tc-version': '2018-08-13',
    'x-tc-region': REGION,
  };
}

export interface FederationToken {
  Credentials: { TmpSecretId: string; TmpSecretKey: string; Token: string };
  ExpiredTime: number;
  Expiration: string;
  RequestId: string;
}

/** GetFederationToken through the gateway's STS (host sts.tencentcloudapi.com). */
export async function getFederationToken(
  gw: CosGateway,
  secretId: string,
  secretKey: string,
  params: { Name: string; Policy?: unknown; DurationSeconds?: number },
  tamper?: (headers: Record<string, string>) => void,
): Promise<{ Response: FederationToken & { Error?: { Code: string; Message: string } } }> {
  const body = JSON.stringify({
    ...params,
    Policy: params.Policy === undefined ? undefined : encodeURIComponent(JSON.stringify(params.Policy)),
  });
  const headers = tc3Headers({
    secretId,
    secretKey,
    host: 'sts.tencentcloudapi.com',
    action: 'GetFederationToken',
    body,
  });
  tamper?.(headers);
  const r = await request(`http://127.0.0.1:${gw.port}/`, { method: 'POST', headers, body });
  return (await r.body.json()) as {
    Response: FederationToken & { Error?: { Code: string; Message: string } };
  };
}
