import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of a server that moves every answer's `Date` header by
 * `offsetMs`: what a lying gateway (or a proxy with a wrong clock) does. A client that learns
 * the server's clock from `Date` then signs with a time the real server refuses as skewed.
 */
export async function startDateProxy(target: string, offsetMs: number) {
  const t = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const up = request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const headers = { ...answer.headers };
        const date = Date.parse(String(headers['date'] ?? ''));
        headers['date'] = new Date((Number.isFinite(date) ? date : Date.now()) + offsetMs).toUTCString();
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A loopback server that accepts connections and requests and never answers. */
export async function startSilentServer() {
  const server = createServer(() => {
    /* never answer */
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
