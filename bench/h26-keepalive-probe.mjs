// h26's probe: raw keep-alive GETs on one socket (TCP_NODELAY on), printing when each piece of
// every answer arrives. usage: node bench/h26-keepalive-probe.mjs <port> [count] [path of a public object]
import net from 'node:net';
const [host, port] = ['127.0.0.1', +(process.argv[2] ?? 7480)];
const n = +(process.argv[3] ?? 30);
const path = process.argv[4] ?? '/h26-probe/f4k';
const s = net.connect(port, host);
s.setNoDelay(true);
await new Promise((r) => s.once('connect', r));
let buf = Buffer.alloc(0),
  t0 = 0,
  times = [],
  chunks = [];
let resolve;
s.on('data', (d) => {
  chunks.push([performance.now() - t0, d.length]);
  buf = Buffer.concat([buf, d]);
  const he = buf.indexOf('\r\n\r\n');
  if (he < 0) return;
  const len = +/content-length: *(\d+)/i.exec(buf.subarray(0, he).toString())[1];
  if (buf.length >= he + 4 + len) {
    buf = buf.subarray(he + 4 + len);
    resolve();
  }
});
for (let i = 0; i < n; i++) {
  chunks = [];
  t0 = performance.now();
  const p = new Promise((r) => (resolve = r));
  s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
  await p;
  times.push(performance.now() - t0);
  if (i < 4 || i === n - 1) console.log(i, chunks.map(([t, l]) => `${t.toFixed(2)}ms:${l}B`).join(' '));
}
times.sort((a, b) => a - b);
console.log('median', times[n >> 1].toFixed(2), 'mean', (times.reduce((a, b) => a + b) / n).toFixed(2));
s.end();
