import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedAccount } from '../../../src-main/accounts/types';

/** The RGW backend's coordinates; a missing one is a broken test setup, not a reason to skip. */
export function rgwEnv(): { endpoint: string; ak: string; sk: string; ak2: string; sk2: string } {
  const names = ['S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2'] as const;
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length > 0) {
    throw new Error(
      `storage integration tests need ${missing.join(', ')} in the environment: start the RGW backend and source its env file (e.g. \`. /tmp/rgw-dev/env\`).`,
    );
  }
  const e = process.env as Record<(typeof names)[number], string>;
  return { endpoint: e.S3_ENDPOINT, ak: e.AK, sk: e.SK, ak2: e.AK2, sk2: e.SK2 };
}

export function s3Account(
  endpoint: string,
  accessKeyId: string,
  secretKey: string,
): Extract<ResolvedAccount, { kind: 's3' }> {
  return {
    kind: 's3',
    name: 'it',
    endpoint,
    region: 'us-east-1',
    accessKeyId,
    pathStyle: true,
    secret: { secretKey },
  };
}

/** The dialects every operation test runs in: S3 straight to RGW, COS through the COS gateway. */
export const DIALECTS = ['s3', 'cos'] as const;
export type DialectName = (typeof DIALECTS)[number];

/** The gateway's APPID and the region the COS accounts use; `<name>-<APPID>` is RGW bucket `<name>`. */
export const APPID = '1250000000';
export const COS_REGION = 'ap-guangzhou';
export const UIN1 = '100000000001';
export const UIN2 = '100000000002';

/** A COS account that reaches an in-process gateway on `port` (virtual-hosted `.localhost` names). */
export function cosAccount(
  port: number,
  secretId: string,
  secretKey: string,
): Extract<ResolvedAccount, { kind: 'cos' }> {
  return {
    kind: 'cos',
    name: 'it-cos',
    secretId,
    appId: APPID,
    region: COS_REGION,
    endpointTemplate: `http://{bucket}.cos.{region}.localhost:${port}`,
    serviceEndpoint: `http://service.cos.localhost:${port}`,
    secret: { secretKey },
  };
}

/** A fresh bucket name; COS names carry the `-<APPID>` suffix. */
export function uniqueBucket(dialect: DialectName = 's3'): string {
  const name = `it-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return dialect === 'cos' ? `${name}-${APPID}` : name;
}

/** The RGW bucket behind a bucket name of either dialect. */
export function rgwBucketName(bucket: string): string {
  return bucket.endsWith(`-${APPID}`) ? bucket.slice(0, -APPID.length - 1) : bucket;
}

export interface FakeServer {
  url: string;
  port: number;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/** A tiny loopback HTTP server for behaviours RGW will not produce on demand. */
export async function fakeServer(
  handler: (req: IncomingMessage, res: ServerResponse, index: number) => void,
): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res, requests.length - 1);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const LIST_XML = (names: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID><DisplayName></DisplayName></Owner><Buckets>${names
    .map((n) => `<Bucket><Name>${n}</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket>`)
    .join('')}</Buckets></ListAllMyBucketsResult>`;
