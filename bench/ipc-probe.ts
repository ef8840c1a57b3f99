// Dev probe (h4): scenario i's transfers alone, for profiling with --cpu-prof.
// PROBE=a,b,c PROBE_MB=256 PROBE_FILES=2500 npx tsx bench/ipc-probe.ts
// From the built code (the worker then is out/main/transfers-worker.js, as in the app; from
// sources tsx loads it again in the worker, +12-55 % CPU, bench/CHANGES-h2.md), after npm run build:
//   npx esbuild bench/ipc-probe.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=out/main/ipc-probe.mjs && node out/main/ipc-probe.mjs
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorageClient } from '../src-main/storage/client';
import { createInProcessBridge } from '../src-main/ipc/in-process';
import { silentLogger } from '../src-main/log';
import { createMain } from '../src-main/services';
import type { ResolvedAccount } from '../src-main/accounts/types';

const MiB = 1024 * 1024;
const acct: ResolvedAccount = {
  kind: 's3',
  name: 'probe',
  endpoint: process.env.S3_ENDPOINT!,
  region: 'us-east-1',
  accessKeyId: process.env.AK!,
  pathStyle: true,
  secret: { secretKey: process.env.SK! },
};
const which = (process.env.PROBE ?? 'a,b,c').split(',');
const mb = Number(process.env.PROBE_MB ?? 256);
const files = Number(process.env.PROBE_FILES ?? 2500);

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'h4-probe-'));
  const bucket = `h4probe-${Date.now().toString(36)}`;
  const s3 = createStorageClient(acct, {});
  await (await s3.request({ method: 'PUT', bucket })).body.dump();
  const big = join(work, 'big.bin');
  const fh = await import('node:fs/promises').then((m) => m.open(big, 'w'));
  for (let i = 0; i < mb; i++) await fh.write(randomBytes(MiB));
  await fh.close();
  const small = join(work, 'small');
  for (let d = 0; d < 10; d++) await mkdir(join(small, `d${d}`), { recursive: true });
  const body = Buffer.alloc(4096, 'x');
  if (which.includes('c'))
    for (let i = 0; i < files; i++) await writeFile(join(small, `d${i % 10}`, `f${i}`), body);
  const main = await createMain({
    mode: 'test',
    log: silentLogger,
    // As in the app and web mode: the engine in its worker thread (COSDESK_TRANSFERS_THREAD=main: on this one).
    transfersThread: process.env.COSDESK_TRANSFERS_THREAD === 'main' ? 'main' : 'worker',
    dataDir: join(work, 'data'),
  });
  const bridge = createInProcessBridge(main.router, main.hub);
  const accountId = main.accounts.registerEphemeral(acct);
  await main.transfers.start();
  const runs: Record<string, () => Promise<unknown>> = {
    a: () =>
      bridge.transfers.upload({ accountId, bucket, paths: [big], prefix: 'ipc/', onConflict: 'overwrite' }),
    b: () =>
      bridge.transfers.download({
        accountId,
        bucket,
        keys: ['ipc/big.bin'],
        prefix: 'ipc/',
        localDir: join(work, 'out'),
        onConflict: 'overwrite',
      }),
    c: () =>
      bridge.transfers.upload({ accountId, bucket, paths: [small], prefix: 'ipc/', onConflict: 'overwrite' }),
  };
  for (const s of ['a', 'b', 'c']) {
    if (!which.includes(s) && !(s === 'a' && which.includes('b'))) continue;
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const t0 = Date.now();
    const elu0 = performance.eventLoopUtilization();
    await runs[s]();
    await main.transfers.idle();
    h.disable();
    const elu = performance.eventLoopUtilization(elu0);
    const bad = (await bridge.transfers.list({})).jobs.filter((j) => j.state !== 'done');
    console.log(
      `${s}: ${((Date.now() - t0) / 1000).toFixed(2)} s p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms max ${(h.max / 1e6).toFixed(0)} ms busy ${(elu.active / 1000).toFixed(2)} s failed ${bad.length} ${bad[0]?.error ?? ''}`,
    );
    await bridge.transfers.clear({});
  }
  await new Promise((r) => setTimeout(r, 500));
  await main.close();
  const keys = await import('../src-main/storage/ops/list').then((m) => m.listAllKeys(s3, { bucket }, ''));
  const { deleteObjects } = await import('../src-main/storage/ops/delete');
  if (keys.length)
    await deleteObjects(
      s3,
      { bucket },
      keys.map((k) => k.key),
    );
  await (await s3.request({ method: 'DELETE', bucket })).body.dump();
  await s3.close();
  await rm(work, { recursive: true, force: true });
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
