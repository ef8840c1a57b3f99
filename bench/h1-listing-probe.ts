// Dev probe (h1): main's share of listing a big folder: the listing service over the in-process
// bridge (no WebSocket, no renderer) against the loopback listing server, page after page.
// N=200000 npx tsx bench/h1-listing-probe.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInProcessBridge } from '../src-main/ipc/in-process';
import { silentLogger } from '../src-main/log';
import { createMain } from '../src-main/services';
import { startListingServer } from '../test/support/listing-server';

async function main(): Promise<void> {
  const n = Number(process.env.N ?? 200_000);
  const work = await mkdtemp(join(tmpdir(), 'h1-probe-'));
  const listing = await startListingServer(n, 'probe', 'm/');
  const app = await createMain({ mode: 'test', log: silentLogger, dataDir: join(work, 'data') });
  const bridge = createInProcessBridge(app.router, app.hub);
  const accountId = app.accounts.registerEphemeral({
    kind: 's3',
    name: 'probe',
    endpoint: listing.endpoint,
    region: 'us-east-1',
    accessKeyId: 'probe',
    pathStyle: true,
    secret: { secretKey: 'probe-secret' },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let marker: string | undefined;
  let rows = 0;
  let pages = 0;
  for (;;) {
    const page = await bridge.storage.listObjects({
      accountId,
      bucket: 'probe',
      prefix: 'm/',
      delimiter: '/',
      maxKeys: 1000,
      ...(marker !== undefined ? { marker } : {}),
    });
    rows += page.objects.length;
    pages++;
    if (!page.isTruncated || !page.nextMarker) break;
    marker = page.nextMarker;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${rows} rows, ${pages} pages: ${(ms / 1000).toFixed(1)} s wall, ${(ms / pages).toFixed(1)} ms/page, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (user+sys, this process incl. the listing server)`,
  );
  listing.server.close();
  await app.close();
  await rm(work, { recursive: true, force: true });
  process.exit(0);
}
void main();
