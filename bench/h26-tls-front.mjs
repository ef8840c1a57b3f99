// h26's probe: an HTTPS front (the test certificate, test/fixtures/tls) for an S3 endpoint,
// forwarding every request unchanged on kept connections, with an optional delay each way
// on the TCP stream between the client and the TLS server (a round trip of 2 × DELAY_MS,
// handshakes included). Prints the TLS connections it accepted when stdin closes or on SIGTERM.
//
//   UPSTREAM=http://127.0.0.1:7480 PORT=7600 DELAY_MS=10 node bench/h26-tls-front.mjs
//   client: NODE_EXTRA_CA_CERTS=test/fixtures/tls/loopback.crt, endpoint https://127.0.0.1:7600
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:https';
import net from 'node:net';

const root = new URL('..', import.meta.url).pathname;
const up = new URL(process.env.UPSTREAM ?? 'http://127.0.0.1:7480');
const port = Number(process.env.PORT ?? 7600);
const delay = Number(process.env.DELAY_MS ?? 0);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
let tls = 0;
let requests = 0;
const server = createServer({
  cert: readFileSync(root + 'test/fixtures/tls/loopback.crt'),
  key: readFileSync(root + 'test/fixtures/tls/loopback.key'),
});
server.on('secureConnection', () => tls++);
server.on('request', (req, res) => {
  requests++;
  const u = request(
    { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent },
    (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    },
  );
  u.on('error', () => res.destroy());
  req.pipe(u);
});

/** Bytes, end and close of `from` reach `to` `delay` ms later, in order. */
function delayed(from, to) {
  let last = 0;
  const later = (f) => {
    const at = Math.max(performance.now() + delay, last);
    last = at;
    setTimeout(f, at - performance.now());
  };
  from.on('data', (d) => later(() => to.writable && to.write(d)));
  from.on('end', () => later(() => to.end()));
  from.on('close', () => later(() => to.destroySoon?.() ?? to.end()));
  from.on('error', () => undefined);
}

if (delay > 0) {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const inner = server.address().port;
  const front = net.createServer((c) => {
    c.setNoDelay(true);
    const s = net.connect(inner, '127.0.0.1');
    s.setNoDelay(true);
    delayed(c, s);
    delayed(s, c);
  });
  await new Promise((r) => front.listen(port, '127.0.0.1', r));
} else {
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
}
process.stderr.write(`https://127.0.0.1:${port} -> ${up.origin}, delay ${delay} ms each way\n`);
const report = () => {
  process.stdout.write(`tls connections ${tls}, requests ${requests}\n`);
  tls = 0;
  requests = 0;
};
process.on('SIGUSR2', report);
process.on('SIGTERM', () => {
  report();
  process.exit(0);
});
