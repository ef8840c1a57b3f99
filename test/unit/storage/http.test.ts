import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { s3Target } from '../../../src-main/storage/endpoints';
import { HttpClient, type PreparedRequest } from '../../../src-main/storage/http';

type Handler = (req: IncomingMessage, res: ServerResponse, i: number) => void;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function serve(handler: Handler): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res, seen.length - 1);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function builder(url: string, method = 'GET', signs: number[] = []) {
  const target = s3Target({ endpoint: url, pathStyle: true }, { bucket: 'b' });
  return async (t: number): Promise<PreparedRequest> => {
    signs.push(t);
    return { method, target, headers: { host: target.host, 'x-signed-at': String(t) } };
  };
}

function client(extra: ConstructorParameters<typeof HttpClient>[0] = {}) {
  const sleeps: number[] = [];
  const c = new HttpClient({ sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, ...extra });
  closers.push(() => c.close());
  return { c, sleeps };
}

describe('HttpClient', () => {
  it('retries a reset connection and 500s with growing backoff, re-signing each attempt', async () => {
    const s = await serve((req, res, i) => {
      if (i === 0) return req.socket.destroy();
      if (i === 1) return void res.writeHead(500).end();
      res.writeHead(200).end('ok');
    });
    const signs: number[] = [];
    const { c, sleeps } = client({ baseDelayMs: 100 });
    const res = await c.send(builder(s.url, 'GET', signs));
    expect(await res.body.text()).toBe('ok');
    expect(signs).toHaveLength(3);
    expect(sleeps).toEqual([75, 150]);
  });

  it('gives up after maxAttempts on repeated 5xx', async () => {
    const s = await serve((_q, res) => void res.writeHead(503).end());
    const { c } = client({ maxAttempts: 3 });
    await expect(c.send(builder(s.url))).rejects.toMatchObject({
      details: { storageCode: 'ServiceUnavailable', status: 503 },
    });
    expect(s.seen).toHaveLength(3);
  });

  it('does not retry 4xx errors', async () => {
    const s = await serve(
      (_q, res) => void res.writeHead(404).end('<Error><Code>NoSuchBucket</Code></Error>'),
    );
    const { c } = client();
    await expect(c.send(builder(s.url))).rejects.toMatchObject({ details: { storageCode: 'NoSuchBucket' } });
    expect(s.seen).toHaveLength(1);
  });

  it('learns the clock offset from Date on "Request has expired" and retries once', async () => {
    const serverNow = Date.UTC(2030, 0, 1, 12, 0, 0);
    const s = await serve((req, res) => {
      const skew = Math.abs(Number(req.headers['x-signed-at']) - serverNow);
      if (skew > 60_000) {
        res.writeHead(403, { date: new Date(serverNow).toUTCString() });
        return void res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      }
      res.writeHead(200).end();
    });
    const { c } = client();
    const res = await c.send(builder(s.url));
    await res.body.dump();
    expect(s.seen).toHaveLength(2);
    expect(Math.abs(c.clockOffsetMs - (serverNow - Date.now()))).toBeLessThan(5_000);
  });

  it('corrects the clock only once per request', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(403, { date: new Date().toUTCString() });
      res.end('<Error><Code>RequestTimeTooSkewed</Code></Error>');
    });
    const { c } = client();
    await expect(c.send(builder(s.url))).rejects.toMatchObject({
      details: { storageCode: 'RequestTimeTooSkewed' },
    });
    expect(s.seen).toHaveLength(2);
  });

  it('keeps the connection alive between requests to one origin', async () => {
    const s = await serve((_q, res) => void res.writeHead(200).end('x'));
    const { c } = client();
    for (let i = 0; i < 3; i++) {
      await (await c.send(builder(s.url))).body.dump();
      // Let undici hand the socket back to the pool before the next request.
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(new Set(s.seen.map((r) => r.socket)).size).toBe(1);
  });
});
