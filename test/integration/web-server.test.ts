import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../src-main/log';
import { startWebServer, type WebServer } from '../../src-main/web/server';
import { startMain } from '../support/main';

let server: WebServer;
let stop: () => void;
const received: string[] = [];

beforeAll(async () => {
  const { main } = await startMain();
  const staticDir = mkdtempSync(join(tmpdir(), 'cosdesk-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>cosdesk</title>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  server = await startWebServer({
    router: main.router,
    hub: main.hub,
    staticDir,
    port: 0,
    log: silentLogger,
    receiveUpload: (t, i, body) => {
      received.push(`${t}/${i}`);
      return main.transfers.receive(t, i, body);
    },
  });
  stop = () => main.close();
});
afterAll(async () => {
  await server.close();
  stop();
});

const origin = () => `http://127.0.0.1:${server.port}`;

function connect(token: string | undefined, headers: Record<string, string>): Promise<WebSocket> {
  const q = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${q}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
    ws.once('error', reject);
  });
}

function call(
  ws: WebSocket,
  method: string,
  params: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  const id = Math.floor(Math.random() * 1e9);
  return new Promise((resolve) => {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.t === 'result' && f.id === id) resolve(f.result);
    });
    ws.send(JSON.stringify({ t: 'call', id, method, params }));
  });
}

function get(
  path: string,
  host?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, headers: host ? { host } : {} },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('web mode server', () => {
  it('listens on loopback only and prints a URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses a websocket without the token', async () => {
    await expect(connect(undefined, { Origin: origin() })).rejects.toThrow('401');
  });

  it('refuses a websocket with a wrong token', async () => {
    const wrong = server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A');
    await expect(connect(wrong, { Origin: origin() })).rejects.toThrow('401');
  });

  it('refuses a foreign or missing Origin even with the right token', async () => {
    await expect(connect(server.token, { Origin: 'https://evil.example' })).rejects.toThrow('403');
    await expect(connect(server.token, { Origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow(
      '403',
    );
    await expect(connect(server.token, {})).rejects.toThrow('403');
  });

  it('serves calls to the right token and origin, with validation', async () => {
    const ws = await connect(server.token, { Origin: origin() });
    const info = await call(ws, 'app.info', {});
    expect(info.ok).toBe(true);
    expect(info.value).toMatchObject({ mode: 'test' });
    const bad = await call(ws, 'accounts.get', { id: 7 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    ws.close();
  });

  it('closes a socket that sends something other than a call frame, and keeps serving', async () => {
    const ws = await connect(server.token, { Origin: origin() });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('not json at all');
    expect(await closed).toBe(1007);
    const again = await connect(server.token, { Origin: origin() });
    expect((await call(again, 'accounts.list', {})).ok).toBe(true);
    again.close();
  });

  it('serves the renderer with a CSP and nothing outside its folder', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(String(index.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await get('/assets/app.js')).status).toBe(200);
    for (const p of ['/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/..%2fpackage.json']) {
      expect((await get(p)).status).toBe(404);
    }
  });

  it('takes dropped-file uploads only with the token header and this origin', async () => {
    const put = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path, method: 'PUT', headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end('hello');
      });
    const o = { origin: origin() };
    expect(await put('/upload/abc/0', o)).toBe(401);
    expect(await put(`/upload/abc/0?token=${server.token}`, o)).toBe(401);
    expect(await put('/upload/abc/0', { ...o, 'x-cosdesk-token': 'wrong' })).toBe(401);
    expect(await put('/upload/abc/0', { 'x-cosdesk-token': server.token })).toBe(403);
    expect(
      await put('/upload/abc/0', { origin: 'http://evil.example', 'x-cosdesk-token': server.token }),
    ).toBe(403);
    expect(received).toEqual([]);
    // Past the checks, a slot nobody announced with transfers.webUpload is still refused.
    expect(await put('/upload/abc/0', { ...o, 'x-cosdesk-token': server.token })).toBe(404);
    expect(received).toEqual(['abc/0']);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get('/', 'evil.example')).status).toBe(421);
  });

  // Issue 10, Deliver 7: a bad frame closes that one socket with a proper code; the process
  // (here: the test runner itself) lives on and serves the next client.
  async function stillServes(): Promise<void> {
    const other = await connect(server.token, { Origin: origin() });
    expect((await call(other, 'app.info', {})).ok).toBe(true);
    other.close();
  }

  function closeCode(ws: WebSocket): Promise<number> {
    // The server's close frame is the answer; the client's own error (if any) is expected.
    ws.on('error', () => undefined);
    return new Promise((r) => ws.once('close', (code) => r(code)));
  }

  it('closes a socket that sends a 2 MiB frame with 1009 (too big), and keeps serving', async () => {
    const ws = await connect(server.token, { Origin: origin() });
    const closed = closeCode(ws);
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'app.info', params: { pad: 'x'.repeat(2 << 20) } }));
    expect(await closed).toBe(1009);
    await stillServes();
  });

  it('closes a socket that sends invalid UTF-8 with 1007, and keeps serving', async () => {
    const ws = await connect(server.token, { Origin: origin() });
    const closed = closeCode(ws);
    ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), { binary: false });
    expect(await closed).toBe(1007);
    await stillServes();
  });

  it('survives garbage: a broken frame after the handshake, and raw bytes instead of HTTP', async () => {
    const raw = connectRaw();
    raw.write(
      `GET /ws?token=${encodeURIComponent(server.token)} HTTP/1.1\r\n` +
        `Host: 127.0.0.1:${server.port}\r\nOrigin: ${origin()}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await raw.until((t) => t.includes('\r\n\r\n'));
    expect(raw.text()).toMatch(/^HTTP\/1\.1 101/);
    // Reserved bits set, a made-up opcode, no mask: nothing a client may send.
    raw.write(Buffer.from([0xff, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05]));
    await raw.closed;
    await stillServes();

    const junk = connectRaw();
    junk.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a]));
    junk.write('\r\n\r\nGARBAGE / HTTP/9\r\n\r\n');
    await junk.closed;
    await stillServes();
  });
});

/** A plain TCP connection to the server, collecting what it answers. */
function connectRaw() {
  const sock = netConnect(server.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  const waiters: Array<() => void> = [];
  sock.on('data', (c: Buffer) => {
    chunks.push(c);
    for (const w of waiters.splice(0)) w();
  });
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  const text = () => Buffer.concat(chunks).toString('latin1');
  return {
    write: (d: string | Buffer) => sock.write(d),
    text,
    closed,
    async until(ok: (t: string) => boolean): Promise<void> {
      for (let i = 0; i < 100 && !ok(text()); i++) {
        await Promise.race([new Promise<void>((r) => waiters.push(r)), closed]);
      }
    },
  };
}
