/**
 * Run by tls-close.test.ts in a process of its own with NODE_EXTRA_CA_CERTS set to the test
 * certificate: small GETs (`closeAfter`) over https from a server that closes the connection
 * after each answer, read slowly. undici 7 asserts (an uncaught exception) when that close
 * meets a paused parser; this process must instead print every body's length and exit 0.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { s3Target } from '../../../src-main/storage/endpoints';
import { HttpClient } from '../../../src-main/storage/http';

const cert = readFileSync(process.env.TLS_CERT!);
const key = readFileSync(process.env.TLS_KEY!);
const body = Buffer.alloc(900 * 1024, 7);
let connections = 0;
const server = createServer({ cert, key }, (_req, res) => {
  res.writeHead(200, { 'content-length': body.length, connection: 'close' });
  res.end(body);
});
server.on('secureConnection', () => connections++);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
const target = s3Target({ endpoint: url, pathStyle: true }, { bucket: 'b' });
const client = new HttpClient({ maxAttempts: 1 });
for (let i = 0; i < 5; i++) {
  const res = await client.send(async () => ({ method: 'GET', target, headers: { host: target.host } }), {
    closeAfter: 1 << 20,
  });
  let n = 0;
  for await (const chunk of res.body) {
    n += (chunk as Buffer).length;
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(`${n}\n`);
}
process.stdout.write(`connections ${connections}\n`);
await client.close();
server.close();
process.exit(0);
