import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
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

  it('corrects the clock only once per request, and says by how much it is off', async () => {
    // A server 30 min ahead that refuses every request as skewed: one correction, then the truth.
    const s = await serve((_q, res) => {
      res.writeHead(403, { date: new Date(Date.now() + 30 * 60_000).toUTCString() });
      res.end('<Error><Code>RequestTimeTooSkewed</Code></Error>');
    });
    const { c } = client();
    const err = await c.send(builder(s.url)).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { storageCode: 'RequestTimeTooSkewed' } });
    expect((err as Error).message).toMatch(/clock is 30 minutes behind the server's.*Fix the clock/);
    expect(s.seen).toHaveLength(2);
  });

  it('takes a bodyless 403 (HEAD) whose Date is far off for a skew error: corrects and retries', async () => {
    const serverNow = () => Date.now() + 30 * 60_000;
    const s = await serve((req, res) => {
      const skew = Math.abs(Number(req.headers['x-signed-at']) - serverNow());
      res.writeHead(skew > 60_000 ? 403 : 200, { date: new Date(serverNow()).toUTCString() }).end();
    });
    const signs: number[] = [];
    const { c } = client();
    const res = await c.send(builder(s.url, 'HEAD', signs));
    await res.body.dump();
    expect(res.status).toBe(200);
    expect(s.seen).toHaveLength(2);
    expect(Math.abs(signs[1] - serverNow())).toBeLessThan(5_000);
    // Later requests are signed in server time from the start.
    await (await c.send(builder(s.url, 'GET', signs))).body.dump();
    expect(s.seen).toHaveLength(3);
  });

  it('a HEAD 403 with the clocks in step is a plain refusal, sent once', async () => {
    const s = await serve((_q, res) => void res.writeHead(403, { date: new Date().toUTCString() }).end());
    const { c } = client();
    await expect(c.send(builder(s.url, 'HEAD'))).rejects.toMatchObject({
      details: { storageCode: 'AccessDenied', status: 403 },
    });
    expect(s.seen).toHaveLength(1);
  });

  it('learns the offset from the first answer, and ignores offsets of a second or two', async () => {
    let ahead = 3 * 60_000;
    const s = await serve((_q, res) => {
      res.writeHead(200, { date: new Date(Date.now() + ahead).toUTCString() }).end();
    });
    const { c } = client();
    await (await c.send(builder(s.url))).body.dump();
    expect(Math.abs(c.clockOffsetMs - ahead)).toBeLessThan(2_000);

    ahead = 1_500;
    const other = client().c;
    await (await other.send(builder(s.url))).body.dump();
    expect(other.clockOffsetMs).toBe(0);
  });

  it('shares the learned clock between clients of one server', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(200, { date: new Date(Date.now() - 20 * 60_000).toUTCString() }).end();
    });
    const now = () => Date.now();
    const a = client({ serverKey: `s3 ${s.url}`, now }).c;
    await (await a.send(builder(s.url))).body.dump();
    const b = client({ serverKey: `s3 ${s.url}`, now }).c;
    expect(Math.abs(b.clockOffsetMs + 20 * 60_000)).toBeLessThan(2_000);
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

  it('a slow upload that keeps moving outlives the silence timeout many times over', async () => {
    const s = await serve((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.writeHead(200).end(String(n)));
    });
    const { c } = client({ idleTimeoutMs: 300, connectTimeoutMs: 300, maxAttempts: 1 });
    const target = s3Target({ endpoint: s.url, pathStyle: true }, { bucket: 'b', key: 'k' });
    const res = await c.send(async () => ({
      method: 'PUT',
      target,
      headers: { host: target.host, 'content-length': String(20 * 1024) },
      // 20 chunks, one every 100 ms: about 2 s, nearly seven times the 300 ms silence allowed.
      body: Readable.from(trickle(20, 1024, 100), { objectMode: false }),
    }));
    expect(await res.body.text()).toBe(String(20 * 1024));
  });

  it('waiting on its own slow body (a throttle) is not silence of the server', async () => {
    const s = await serve((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.writeHead(200).end(String(n)));
    });
    const { c } = client({ idleTimeoutMs: 250, connectTimeoutMs: 250, maxAttempts: 1 });
    const target = s3Target({ endpoint: s.url, pathStyle: true }, { bucket: 'b', key: 'k' });
    const res = await c.send(async () => ({
      method: 'PUT',
      target,
      headers: { host: target.host, 'content-length': String(4 * 1024) },
      // Gaps of 600 ms between chunks, each longer than the 250 ms of silence allowed.
      body: Readable.from(trickle(4, 1024, 600), { objectMode: false }),
    }));
    expect(await res.body.text()).toBe(String(4 * 1024));
  });

  it('a big in-memory body is watched as it goes out, not as one lump', async () => {
    const s = await serve((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.writeHead(200).end(String(n)));
    });
    const { c } = client({ idleTimeoutMs: 2_000, maxAttempts: 1 });
    const target = s3Target({ endpoint: s.url, pathStyle: true }, { bucket: 'b', key: 'k' });
    const body = new Uint8Array(1024 * 1024 + 7).fill(7);
    const res = await c.send(async () => ({
      method: 'PUT',
      target,
      headers: { host: target.host, 'content-length': String(body.byteLength) },
      body,
    }));
    expect(await res.body.text()).toBe(String(body.byteLength));
  });

  it('a slow download that keeps moving completes', async () => {
    // 40 pieces 100 ms apart: the whole answer takes twice the idle timeout, while no silence
    // comes near it (a 20-fold margin, so a busy machine's late timers do not trip it).
    const s = await serve((_q, res) => {
      res.writeHead(200, { 'content-length': String(40 * 100) });
      let i = 0;
      const t = setInterval(() => {
        res.write('x'.repeat(100));
        if (++i === 40) {
          clearInterval(t);
          res.end();
        }
      }, 100);
    });
    const { c } = client({ idleTimeoutMs: 2_000, connectTimeoutMs: 2_000, maxAttempts: 1 });
    const res = await c.send(builder(s.url));
    expect((await res.body.text()).length).toBe(4000);
  });

  it('a server that takes the request and says nothing is timed out after the silence', async () => {
    const s = await serve(() => undefined);
    const { c } = client({ idleTimeoutMs: 300, connectTimeoutMs: 300, maxAttempts: 1 });
    await expect(c.send(builder(s.url))).rejects.toMatchObject({
      code: 'NETWORK',
      details: { storageCode: 'ETIMEDOUT', cause: 'COSDESK_IDLE_TIMEOUT' },
    });
  });

  it('a server that stops reading an upload is timed out after the silence', async () => {
    const s = await serve((req) => req.pause());
    const { c } = client({ idleTimeoutMs: 500, connectTimeoutMs: 500, maxAttempts: 1 });
    const target = s3Target({ endpoint: s.url, pathStyle: true }, { bucket: 'b', key: 'k' });
    // Far more than the socket buffers hold; made on demand, so nothing big sits in memory.
    const size = 256 * 1024 * 1024;
    const err = await c
      .send(async () => ({
        method: 'PUT',
        target,
        headers: { host: target.host, 'content-length': String(size) },
        body: Readable.from(trickle(size / 65536, 65536, 0), { objectMode: false }),
      }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { storageCode: 'ETIMEDOUT' } });
  });

  it('a body that stops arriving mid-way is timed out after the silence', async () => {
    const s = await serve((_q, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(10));
    });
    const { c } = client({ idleTimeoutMs: 300, connectTimeoutMs: 300, maxAttempts: 1 });
    const res = await c.send(builder(s.url));
    await expect(res.body.text()).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
  });
});

async function* trickle(count: number, size: number, everyMs: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    if (everyMs > 0) await new Promise((r) => setTimeout(r, everyMs));
    yield Buffer.alloc(size, i % 256);
  }
}
