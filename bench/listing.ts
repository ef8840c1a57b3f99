// Listing throughput for a folder of 100,000 keys, side by side with rclone and the AWS CLI
// on the same RGW, and the web UI's time to its first rows. Not a test: it reports numbers.
//
//   npm run bench:listing            (needs S3_ENDPOINT, AK, SK: the RGW of test/backend/rgw.sh)
//   BENCH_KEYS=20000 BENCH_RUNS=5 npm run bench:listing
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { bigKeys, createSeeder, rgwAccount } from '../test/support/seed';
import { startMain, requireEnv } from '../test/support/main';
import { awsLs, median, rcloneLs, timeCommand, type Backend } from './peers';
import { timeToFirstRows } from './ui-first-rows';

const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const N = Number(process.env.BENCH_KEYS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// The 100,000-key folder is the one the e2e suite seeds (test/e2e/web-browse.test.ts), so a run reuses it.
const BUCKET = process.env.BENCH_BUCKET ?? (N === 100_000 ? 'cosdesk-e2e-big' : `bench-list-${N}`);
const PREFIX = 'big/';
const backend: Backend = { endpoint: S3_ENDPOINT, accessKey: AK, secretKey: SK };
const account = rgwAccount(S3_ENDPOINT, AK, SK);

async function seed(): Promise<void> {
  const seeder = createSeeder(account);
  const keys = bigKeys(N, PREFIX);
  if (!(await seeder.exists(BUCKET, keys[keys.length - 1]))) {
    const t0 = Date.now();
    await seeder.createBucket(BUCKET).catch(() => undefined);
    await seeder.putMany(BUCKET, keys, { concurrency: 64 });
    console.log(`seeded ${N} keys into ${BUCKET} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  await seeder.close();
}

/** The app's own path: the storage service, page by page, as the UI and `cosdesk ls -r` use it. */
async function cosdeskList(): Promise<{ seconds: number; lines: number }> {
  const { main, bridge } = await startMain();
  const accountId = main.accounts.registerEphemeral(account);
  const t0 = process.hrtime.bigint();
  let marker: string | undefined;
  let lines = 0;
  for (;;) {
    const page = await bridge.storage.listObjects({ accountId, bucket: BUCKET, prefix: PREFIX, marker });
    lines += page.objects.length;
    if (!page.isTruncated) break;
    marker = page.nextMarker;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await main.close();
  return { seconds, lines };
}

function cosdeskCli() {
  return timeCommand({
    tool: 'cosdesk ls -r (CLI)',
    cmd: process.execPath,
    args: [
      'bin/cosdesk.js',
      'ls',
      '-r',
      `s3://${BUCKET}/${PREFIX}`,
      '--endpoint',
      S3_ENDPOINT,
      '--path-style',
    ],
    env: {
      ...process.env,
      COSDESK_SECRET_ID: AK,
      COSDESK_SECRET_KEY: SK,
      COSDESK_HOME: mkdtempSync(join(tmpdir(), 'b-')),
    },
  });
}

await seed();
if (spawnSync(process.execPath, ['bin/cosdesk.js', '--version']).status !== 0) {
  throw new Error('build first: npm run build');
}
const contenders: [string, () => Promise<{ seconds: number; lines: number }>][] = [
  ['cosdesk (storage service)', cosdeskList],
  ['cosdesk ls -r (CLI)', cosdeskCli],
  ['rclone ls', () => timeCommand(rcloneLs(backend, BUCKET, PREFIX))],
  ['aws s3 ls', () => timeCommand(awsLs(backend, BUCKET, PREFIX))],
];
const only = process.env.BENCH_ONLY; // 'cli' (listing tools only) or 'ui'
const rows: { tool: string; seconds: number; keysPerSec: number; lines: number }[] = [];
for (const [tool, run] of only === 'ui' ? [] : contenders) {
  const times: number[] = [];
  let lines = 0;
  // Runs interleave tool by tool; one warm-up run each is discarded.
  await run();
  for (let i = 0; i < RUNS; i++) {
    const r = await run();
    times.push(r.seconds);
    lines = r.lines;
  }
  const seconds = median(times);
  rows.push({ tool, seconds, keysPerSec: N / seconds, lines });
}
const base = rows[0]?.seconds ?? 1;
console.log(`\nListing ${N} keys (${BUCKET}/${PREFIX}) on RGW ${S3_ENDPOINT}, median of ${RUNS} runs`);
console.log('| tool | seconds | keys/s | lines out | time vs cosdesk |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.tool} | ${r.seconds.toFixed(2)} | ${Math.round(r.keysPerSec)} | ${r.lines} | ${(r.seconds / base).toFixed(2)}× |`,
  );
}

if (only === 'cli') process.exit(0);
const ui = await timeToFirstRows({
  account: { endpoint: S3_ENDPOINT, accessKey: AK, secretKey: SK },
  bucket: BUCKET,
  prefix: PREFIX,
  runs: RUNS,
});
console.log(
  `\nWeb UI, ${N}-object folder: first rows after ${ui.firstRowsMs.map((m) => m.toFixed(0)).join(', ')} ms (median ${median(ui.firstRowsMs).toFixed(0)} ms; goal ≤ 500 ms); whole listing ${median(ui.doneMs).toFixed(0)} ms`,
);
