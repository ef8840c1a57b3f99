import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  Agent,
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';

// How many connections a folder of small files costs on the way down, counted by a proxy in
// front of RGW: over https the small GETs share kept connections (a TLS handshake each would
// cost more than anything it saves); over plain http each small GET has a connection of its
// own (RGW's answer on a kept one waits ~40 ms for a delayed ACK: bench/CHANGES-h26.md).
// The built CLI (npm run build), trusting the test certificate through NODE_EXTRA_CA_CERTS.
const BIN = resolve('bin/cosdesk.js');
const CERT = resolve('test/fixtures/tls/loopback.crt');
const KEY = resolve('test/fixtures/tls/loopback.key');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const FILES = 40;
const CONCURRENCY = 4;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cosdesk(args: string[], home: string): Promise<Result> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      COSDESK_HOME: home,
      COSDESK_ACCOUNT: undefined,
      COSDESK_SECRET_ID: AK,
      COSDESK_SECRET_KEY: SK,
      COSDESK_TOKEN: undefined,
      NODE_EXTRA_CA_CERTS: CERT,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((r) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      r({ code, stdout, stderr });
    }),
  );
}

/** Forwards every request to RGW unchanged (Host included, so signatures hold), on kept connections. */
function forwarder(): (req: IncomingMessage, res: ServerResponse) => void {
  const target = new URL(S3_ENDPOINT);
  const agent = new Agent({ keepAlive: true });
  return (req, res) => {
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
}

interface CountingProxy {
  url: string;
  /** Connections accepted (TLS: handshakes completed). */
  connections: number;
  requests: number;
  close(): Promise<void>;
}

async function startProxy(tls: boolean): Promise<CountingProxy> {
  const forward = forwarder();
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(CERT), key: readFileSync(KEY) })
    : createHttpServer();
  const p: CountingProxy = {
    url: '',
    connections: 0,
    requests: 0,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  server.on(tls ? 'secureConnection' : 'connection', () => p.connections++);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    p.requests++;
    forward(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return p;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('connections for small downloads', () => {
  const bucket = `cosdesk-conn-${randomBytes(4).toString('hex')}`;
  const home = mkdtempSync(join(tmpdir(), 'cosdesk-conn-'));
  const src = join(home, 'src', 'small');
  const want = new Map<string, string>();

  beforeAll(async () => {
    mkdirSync(src, { recursive: true });
    for (let i = 0; i < FILES; i++) {
      const b = randomBytes(4096 + i);
      writeFileSync(join(src, `f${String(i).padStart(2, '0')}.bin`), b);
      want.set(`f${String(i).padStart(2, '0')}.bin`, sha256(b));
    }
    const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];
    const mb = await cosdesk(['mb', `s3://${bucket}`, ...conn], home);
    expect(mb.code, mb.stderr).toBe(0);
    const up = await cosdesk(['cp', '-r', src, `s3://${bucket}/`, ...conn], home);
    expect(up.code, up.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await cosdesk(['rb', '--force', `s3://${bucket}`, '--endpoint', S3_ENDPOINT, '--path-style'], home);
  }, 120_000);

  async function download(proxy: CountingProxy, name: string): Promise<void> {
    const dst = join(home, name);
    mkdirSync(dst);
    const r = await cosdesk(
      [
        'cp',
        '-r',
        `s3://${bucket}/small/`,
        `${dst}/`,
        '--endpoint',
        proxy.url,
        '--path-style',
        '--concurrency',
        String(CONCURRENCY),
      ],
      home,
    );
    expect(r.code, r.stderr).toBe(0);
    const got = readdirSync(join(dst, 'small')).sort();
    expect(got).toEqual([...want.keys()].sort());
    for (const f of got) expect(sha256(readFileSync(join(dst, 'small', f))), f).toBe(want.get(f));
  }

  it('over https, 40 small files come down on kept connections, not one handshake each', async () => {
    const proxy = await startProxy(true);
    try {
      await download(proxy, 'https');
      // One GET a file, plus the listing (and whatever the CLI asks first).
      expect(proxy.requests).toBeGreaterThanOrEqual(FILES + 1);
      // At most the concurrency's worth of connections, and a little for the listing.
      expect(proxy.connections).toBeGreaterThan(0);
      expect(proxy.connections).toBeLessThanOrEqual(CONCURRENCY + 2);
    } finally {
      await proxy.close();
    }
  }, 180_000);

  it('over plain http, each small GET has a connection of its own', async () => {
    const proxy = await startProxy(false);
    try {
      await download(proxy, 'http');
      expect(proxy.requests).toBeGreaterThanOrEqual(FILES + 1);
      expect(proxy.connections).toBeGreaterThanOrEqual(FILES);
    } finally {
      await proxy.close();
    }
  }, 180_000);
});
