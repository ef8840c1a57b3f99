import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, startFaultProxy, type FaultProxy } from '../support/fault-proxy';

// The fault proxy itself, against a tiny loopback server: each kind does what it says,
// is counted, and leaves every other request alone.

const XML = '<?xml version="1.0" encoding="UTF-8"?><Result><Bucket>b</Bucket><Key>k</Key></Result>';
const BLOB = Buffer.alloc(64 * 1024, 7);
let upstream: Server;
let uploads: { url: string; sha: string; size: number }[] = [];
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'PUT') {
        uploads.push({ url: req.url ?? '', sha: sha(body), size: body.length });
        res.writeHead(200, { etag: '"x"', 'content-length': 0 });
        return res.end();
      }
      if (req.url?.startsWith('/xml')) {
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(XML) });
        return res.end(XML);
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BLOB.length });
      res.end(BLOB);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, {
    dialect: 's3',
  });
});
afterAll(async () => {
  await proxy?.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});
afterEach(() => {
  proxy.clear();
  proxy.resetCounts();
  uploads = [];
});

interface Outcome {
  status?: number;
  body?: Buffer;
  error?: string;
  ms: number;
}

function call(method: string, path: string, body?: Buffer): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxy.port,
        method,
        path,
        agent: false,
        headers: body ? { 'content-length': body.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: Date.now() - t0 }),
        );
        res.on('error', (e) =>
          resolve({
            status: res.statusCode,
            error: e.message,
            body: Buffer.concat(chunks),
            ms: Date.now() - t0,
          }),
        );
        res.on('aborted', () =>
          resolve({
            status: res.statusCode,
            error: 'aborted',
            body: Buffer.concat(chunks),
            ms: Date.now() - t0,
          }),
        );
      },
    );
    req.on('error', (e) =>
      resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message, ms: Date.now() - t0 }),
    );
    req.end(body);
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('fault proxy', () => {
  it('forwards untouched when no rule matches, and counts nothing', async () => {
    proxy.add({ kind: 'reset-before', method: 'DELETE' });
    const r = await call('GET', '/blob');
    expect(r.status).toBe(200);
    expect(r.body!.equals(BLOB)).toBe(true);
    expect(proxy.total()).toBe(0);
  });

  it('reset-before: the server never sees the request', async () => {
    proxy.add({ kind: 'reset-before', method: 'PUT' });
    const r = await call('PUT', '/obj', Buffer.from('hello'));
    expect(r.error).toMatch(/ECONNRESET|socket hang up/);
    expect(uploads).toHaveLength(0);
    expect(proxy.counts['reset-before']).toBe(1);
  });

  it('reset-after and lost: the server acted, the client gets no answer', async () => {
    proxy.add({ kind: 'reset-after', method: 'PUT', count: 1 }, { kind: 'lost', method: 'PUT', count: 1 });
    const a = await call('PUT', '/a', Buffer.from('one'));
    const b = await call('PUT', '/b', Buffer.from('two'));
    expect(a.status).toBeUndefined();
    expect(a.error).toMatch(/ECONNRESET|socket hang up/);
    expect(b.status).toBeUndefined();
    expect(b.error).toBeDefined();
    expect(uploads.map((u) => u.url)).toEqual(['/a', '/b']);
    expect(proxy.counts['reset-after']).toBe(1);
    expect(proxy.counts.lost).toBe(1);
    // The rules are used up: the next one goes through.
    expect((await call('PUT', '/c', Buffer.from('three'))).status).toBe(200);
  });

  it('slowdown: a burst of 503s with an S3 error body, not forwarded', async () => {
    proxy.add({ kind: 'slowdown', method: 'PUT', count: 2 });
    const rs = [await call('PUT', '/x', Buffer.from('1')), await call('PUT', '/x', Buffer.from('2'))];
    for (const r of rs) {
      expect(r.status).toBe(503);
      expect(r.body!.toString()).toMatch(/<Code>SlowDown<\/Code>/);
    }
    expect((await call('PUT', '/x', Buffer.from('3'))).status).toBe(200);
    expect(uploads).toHaveLength(1);
    expect(proxy.counts.slowdown).toBe(2);
  });

  it('truncate-xml and malformed-xml break only XML answers', async () => {
    proxy.add({ kind: 'truncate-xml', count: 1 }, { kind: 'malformed-xml', count: 1 });
    const blob = await call('GET', '/blob'); // not XML: passes, rules not used up
    expect(blob.body!.equals(BLOB)).toBe(true);
    const t = await call('GET', '/xml');
    const m = await call('GET', '/xml');
    expect(t.status).toBe(200);
    expect(t.body!.length).toBeLessThan(XML.length);
    expect(XML.startsWith(t.body!.toString())).toBe(true);
    expect(m.body!.toString()).toContain('</Bucketx>');
    expect(proxy.counts['truncate-xml']).toBe(1);
    expect(proxy.counts['malformed-xml']).toBe(1);
  });

  it('flip-response and flip-request change exactly one byte', async () => {
    proxy.add({ kind: 'flip-response', path: '/blob' }, { kind: 'flip-request', method: 'PUT' });
    const r = await call('GET', '/blob');
    expect(r.body!.length).toBe(BLOB.length);
    expect([...r.body!].filter((b, i) => b !== BLOB[i])).toHaveLength(1);
    const sent = Buffer.alloc(10_000, 1);
    expect((await call('PUT', '/up', sent)).status).toBe(200);
    expect(uploads[0].size).toBe(sent.length);
    expect(uploads[0].sha).not.toBe(sha(sent));
    expect(proxy.counts['flip-response']).toBe(1);
    expect(proxy.counts['flip-request']).toBe(1);
  });

  it('short-body: Content-Length promised, half sent, then closed', async () => {
    proxy.add({ kind: 'short-body', path: '/blob' });
    const r = await call('GET', '/blob');
    expect(r.status).toBe(200);
    expect(r.error).toBeDefined();
    expect(r.body!.length).toBeLessThan(BLOB.length);
    expect(proxy.counts['short-body']).toBe(1);
  });

  it('stall and slow delay the bytes but deliver them intact', async () => {
    proxy.add({ kind: 'stall', path: '/blob', seconds: 0.3, afterBytes: 100 });
    const s = await call('GET', '/blob');
    expect(s.body!.equals(BLOB)).toBe(true);
    expect(s.ms).toBeGreaterThanOrEqual(250);
    proxy.add({ kind: 'slow', path: '/blob', bytesPerSecond: 256 * 1024 });
    const slow = await call('GET', '/blob');
    expect(slow.body!.equals(BLOB)).toBe(true);
    // 64 KiB at 256 KiB/s is at least 1/4 s; a lower bound only, never an upper one.
    expect(slow.ms).toBeGreaterThanOrEqual(200);
    expect(proxy.counts.stall).toBe(1);
    expect(proxy.counts.slow).toBe(1);
  });

  it('skip and count pick which matching requests get the fault', async () => {
    proxy.add({ kind: 'reset-before', method: 'GET', path: /^\/blob/, skip: 1, count: 1 });
    expect((await call('GET', '/blob')).status).toBe(200);
    expect((await call('GET', '/blob')).error).toBeDefined();
    expect((await call('GET', '/blob')).status).toBe(200);
    expect(proxy.counts['reset-before']).toBe(1);
  });

  it('a seeded random schedule replays the same faults from the same seed', async () => {
    const runOnce = async () => {
      const before = proxy.events.length;
      proxy.schedule({ seed: 42, rate: 0.5, kinds: ['reset-before', 'slowdown'] });
      for (let i = 0; i < 12; i++) await call('GET', `/blob?i=${i}`);
      proxy.schedule(undefined);
      return proxy.events.slice(before).map((e) => `${e.kind} ${e.url}`);
    };
    const a = await runOnce();
    const b = await runOnce();
    expect(a.length).toBeGreaterThan(0);
    expect(a.length).toBeLessThan(12);
    expect(b).toEqual(a);
  });

  it('waitForRequests resolves once that many requests came through', async () => {
    const n = proxy.requests + 2;
    const waited = proxy.waitForRequests(n, 10_000);
    await call('GET', '/blob');
    await call('GET', '/blob');
    await expect(waited).resolves.toBeUndefined();
    expect(FAULT_KINDS).toHaveLength(11);
  });
});
