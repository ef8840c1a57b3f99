import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ClientFrame, ServerFrame } from '../../src-shared/contract/wire';
import type { EventHub } from '../ipc/events';
import type { Router } from '../ipc/router';
import type { Logger } from '../log';
import { pageCsp, withCspMeta } from '../security/csp';
import { readStatic } from './static';

export interface WebServerOptions {
  router: Router;
  hub: EventHub;
  /** The built renderer (out/renderer). */
  staticDir: string;
  port?: number;
  log: Logger;
  /** Takes the bytes of a file the page announced with `transfers.webUpload`. */
  receiveUpload?(uploadToken: string, index: number, body: Readable): Promise<void>;
  /** CSP sources the previews load from (the accounts' storage endpoints), asked per page load. */
  previewSources?(): Promise<string[]>;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
/** The largest websocket frame the server takes (ws `maxPayload`). */
export const MAX_FRAME_BYTES = 1 << 20;

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/**
 * Loopback web mode: serves the renderer and carries contract calls over a websocket.
 * The socket needs the token printed at start and an Origin of this very server, so
 * neither another local user without the URL nor a web page in the browser can drive it.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = randomBytes(24).toString('base64url');
  const server = createServer();
  // One frame is at most 1 MiB: bigger calls are split by the page (the bridge chunks them).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const sockets = new Set<WebSocket>();
  wss.on('error', (e) => opts.log.warn(`websocket server: ${e.message}`));
  // A broken HTTP request gets its 400 and is dropped; it never takes the process down.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOOPBACK, () => resolve());
  });
  // Once listening, a failure to accept (too many open files, …) is logged, never fatal.
  server.on('error', (e) => opts.log.warn(`web server: ${e.message}`));
  const port = (server.address() as AddressInfo).port;
  const origins = new Set([`http://${LOOPBACK}:${port}`, `http://localhost:${port}`]);
  const hosts = new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      // A foreign Host means DNS rebinding or a proxy: refuse before serving anything.
      if (!hosts.has(req.headers.host ?? '')) return end(res, 421, 'Misdirected request');
      if (req.url?.startsWith('/upload/')) return upload(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') return end(res, 405, 'Method not allowed');
      const file = await readStatic(opts.staticDir, req.url ?? '/');
      if (!file) return end(res, 404, 'Not found');
      // Previews stream from the accounts' endpoints: the page may load media from those only.
      const sources = (await opts.previewSources?.().catch(() => [])) ?? [];
      const csp = pageCsp(port, sources);
      if (file.type.startsWith('text/html'))
        file.body = Buffer.from(withCspMeta(file.body.toString('utf8'), csp));
      res.writeHead(200, {
        'Content-Type': file.type,
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cache-Control': file.type.startsWith('text/html') ? 'no-store' : 'max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    })();
  });

  // Dropped files stream here: same token (in a header, never the address) and Origin as the socket.
  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/upload\/([\w-]{1,64})\/(\d{1,6})$/.exec(req.url ?? '');
    if (req.method !== 'PUT') return end(res, 405, 'Method not allowed');
    if (!origins.has(req.headers.origin ?? '')) return end(res, 403, 'Forbidden Origin');
    const given = req.headers['x-cosdesk-token'];
    if (typeof given !== 'string' || !sameToken(given, token)) return end(res, 401, 'Unauthorized');
    if (!m || !opts.receiveUpload) return end(res, 404, 'Not found');
    try {
      await opts.receiveUpload(m[1], Number(m[2]), req);
      end(res, 204, '');
    } catch (e) {
      opts.log.warn(`upload refused: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) end(res, 404, 'No such upload');
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // Until ws owns it, a reset of this socket must not become an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    const refuse = (status: number, text: string) => {
      opts.log.warn(`websocket refused: ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!hosts.has(req.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    if (!origins.has(req.headers.origin ?? '')) return refuse(403, 'Forbidden Origin');
    if (!sameToken(url.searchParams.get('token') ?? '', token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // A frame over the cap (1009), invalid UTF-8 (1007) or a broken frame (1002): ws has
      // already closed this socket with that code; the server and its other sockets live on.
      ws.on('error', (e) => opts.log.warn(`websocket closed: ${e.message}`));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return ws.close(1003, 'text frames only');
        onMessage(ws, rawText(data)).catch((e: unknown) => {
          opts.log.warn(`websocket call failed: ${e instanceof Error ? e.message : String(e)}`);
          ws.close(1011, 'internal error');
        });
      });
    });
  });

  const send = (ws: WebSocket, frame: ServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };

  async function onMessage(ws: WebSocket, raw: string): Promise<void> {
    let frame: Partial<ClientFrame>;
    try {
      frame = JSON.parse(raw) as Partial<ClientFrame>;
    } catch {
      return ws.close(1007, 'not JSON');
    }
    if (frame?.t !== 'call' || typeof frame.id !== 'number' || typeof frame.method !== 'string') {
      return ws.close(1008, 'not a call frame');
    }
    const result = await opts.router.call(frame.method, frame.params);
    send(ws, { t: 'result', id: frame.id, result });
  }

  const unsubscribe = opts.hub.subscribe((name, payload) => {
    for (const ws of sockets) send(ws, { t: 'event', name, payload });
  });

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function end(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
