import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../src-main/log';
import { startWebServer, type WebServer } from '../../src-main/web/server';
import { onChunkProgress } from '../../src-renderer/src/bridge/chunk';
import { createWebSocketBridge, type SocketLike } from '../../src-renderer/src/bridge/socket';
import type { Bridge } from '../../src-shared/contract';
import { allKeys, putAll, storageStack, type Stack } from './storage/stack';

// Issue 10, Deliver 7: a delete of 50,000 keys from the page, over the real websocket transport
// (the renderer's bridge, the web server, the router, the storage service, RGW). One frame of
// 50,000 keys is over the 1 MiB cap: the bridge sends it in pieces and merges the answers.
describe('big batch calls in web mode', () => {
  let s: Stack;
  let server: WebServer;
  let bridge: Bridge;
  let bucket: string;
  const frames: number[] = [];

  beforeAll(async () => {
    s = await storageStack('s3');
    bucket = s.bucketName();
    await s.bridge.storage.createBucket({ accountId: s.id, bucket });
    const staticDir = mkdtempSync(join(tmpdir(), 'cosdesk-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>cosdesk</title>');
    server = await startWebServer({
      router: s.main.router,
      hub: s.main.hub,
      staticDir,
      port: 0,
      log: silentLogger,
    });
    const origin = `http://127.0.0.1:${server.port}`;
    bridge = createWebSocketBridge(() => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, {
        headers: { Origin: origin },
      });
      const send = ws.send.bind(ws);
      ws.send = ((data: string) => {
        frames.push(Buffer.byteLength(data));
        send(data);
      }) as typeof ws.send;
      return ws as unknown as SocketLike;
    });
  });
  afterAll(async () => {
    await server?.close();
    await s.drop(bucket);
    await s.close();
  });

  it('deletes 50,000 keys (most of them missing) in pieces under the frame cap, with progress', async () => {
    const real = Array.from({ length: 40 }, (_, i) => `batch/real-${String(i).padStart(3, '0')}.txt`);
    await putAll(s, bucket, real);
    const missing = Array.from(
      { length: 50_000 - real.length },
      (_, i) => `batch/never-uploaded/${String(i).padStart(6, '0')}.bin`,
    );
    // Real keys spread through the list, so pieces in the middle and at the end delete something.
    const keys = [...missing];
    real.forEach((k, i) => keys.splice(i * 1200, 0, k));
    expect(Buffer.byteLength(JSON.stringify(keys))).toBeGreaterThan(1 << 20);

    const progress: number[] = [];
    const stop = onChunkProgress((p) => {
      if (p.method === 'storage.deleteObjects') progress.push(p.done);
    });
    frames.length = 0;
    let result;
    try {
      result = await bridge.storage.deleteObjects({ accountId: s.id, bucket, keys });
    } finally {
      stop();
    }
    expect(result.errors).toEqual([]);
    expect(result.done).toHaveLength(50_000);
    expect(new Set(result.done)).toEqual(new Set(keys));
    expect(await allKeys(s.bridge, s.id, bucket, 'batch/')).toEqual([]);
    // In pieces, each well under the 1 MiB cap, reported as they went.
    expect(frames.length).toBeGreaterThanOrEqual(50);
    expect(Math.max(...frames)).toBeLessThan(512 * 1024);
    expect(progress.at(-1)).toBe(50_000);
    expect(progress.length).toBe(frames.length);
    // The socket is still open and serving.
    expect((await bridge.app.info({})).mode).toBe('test');
  });

  it('a call too big to send fails by itself, and the socket keeps serving', async () => {
    const err = await bridge.sharing
      .checkLink({ url: `https://example.com/${'x'.repeat(1100 * 1024)}` })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION' });
    expect(String((err as Error).message)).toMatch(/too big to send/);
    expect((await bridge.app.info({})).mode).toBe('test');
  });
});
