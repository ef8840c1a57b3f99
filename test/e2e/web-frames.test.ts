import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 10, Deliver 7: the built web mode (`node out/main/web.js`) lives through frames it
// refuses: over 1 MiB, invalid UTF-8, broken framing. Each closes only the socket that sent it.
describe('web mode survives bad websocket frames', () => {
  let web: WebMode;
  let base: URL;

  beforeAll(async () => {
    web = await startWebMode({ COSDESK_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-frames-')) });
    base = new URL(web.url);
  });
  afterAll(async () => {
    await web?.stop();
  });

  function open(): Promise<WebSocket> {
    const token = base.searchParams.get('token') ?? '';
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${base.host}/ws?token=${encodeURIComponent(token)}`, {
        headers: { Origin: base.origin },
      });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }

  async function closedWith(send: (ws: WebSocket) => void): Promise<number> {
    const ws = await open();
    ws.on('error', () => undefined);
    const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    send(ws);
    return code;
  }

  async function answers(): Promise<boolean> {
    const ws = await open();
    const got = new Promise<boolean>((r) =>
      ws.on('message', (d) => {
        const f = JSON.parse(String(d));
        if (f.t === 'result' && f.id === 7) r(f.result.ok === true);
      }),
    );
    ws.send(JSON.stringify({ t: 'call', id: 7, method: 'app.info', params: {} }));
    const ok = await got;
    ws.close();
    return ok;
  }

  it('closes the sender of a 2 MiB frame (1009), of invalid UTF-8 (1007), of a broken frame (1002)', async () => {
    const big = JSON.stringify({
      t: 'call',
      id: 1,
      method: 'app.info',
      params: { pad: 'x'.repeat(2 << 20) },
    });
    expect(await closedWith((ws) => ws.send(big))).toBe(1009);
    expect(web.process.exitCode).toBeNull();
    expect(await answers()).toBe(true);

    expect(await closedWith((ws) => ws.send(Buffer.from([0x22, 0xff, 0xfe, 0x22]), { binary: false }))).toBe(
      1007,
    );
    expect(await answers()).toBe(true);

    // Raw bytes with reserved bits set, straight on the socket under the websocket.
    const code = await closedWith((ws) =>
      (ws as unknown as { _socket: import('node:net').Socket })._socket.write(
        Buffer.from([0xff, 0xff, 0, 1, 2, 3]),
      ),
    );
    expect([1002, 1006]).toContain(code);
    expect(await answers()).toBe(true);
    expect(web.process.exitCode).toBeNull();
  });
});
