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

export function uniqueBucket(): string {
  return `it-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
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
