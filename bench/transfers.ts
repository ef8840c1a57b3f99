// Transfer throughput side by side on one RGW: cosdesk's engine (the built CLI, `cosdesk cp`)
// against `rclone copy` and `aws s3 cp`, for one big file and for many small ones, up and
// down; the engine's peak memory (VmHWM of the CLI process); CRC64 throughput over 1 GiB.
// Not a test: it prints a markdown table.
//
//   npm run build && npm run bench:transfers
//   BENCH_SCALE=0.05 npm run bench:transfers      (51 MiB and 500 files: a quick look)
//
// The 1 GiB run needs a backend with room for it: `set -a; . /tmp/rgw-transfers/env; set +a`.
// Settings: cosdesk defaults (8 requests in flight, 8 MiB parts above 16 MiB); rclone
// defaults (--transfers 4, --s3-upload-concurrency 4, --s3-chunk-size 5 MiB, --checkers 8);
// aws s3 defaults (max_concurrent_requests 10, multipart_chunksize 8 MiB).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireEnv } from '../test/support/main';
import { createSeeder, rgwAccount } from '../test/support/seed';
import { randomFile, sha256File } from '../test/integration/transfers/harness';
import { Crc64 } from '../src-main/storage/crc64';
import { awsEnv, rcloneEnv, type Backend } from './peers';

const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const MiB = 1024 * 1024;
const BIG = Math.max(MiB, Math.round(1024 * MiB * SCALE));
const SMALL_COUNT = Math.max(10, Math.round(10_000 * SCALE));
const SMALL_SIZE = 4096;
const backend: Backend = { endpoint: S3_ENDPOINT, accessKey: AK, secretKey: SK };
const BUCKET = `bench-xfer-${Date.now().toString(36)}`;
const AWS = '/usr/bin/aws';
const CLI = resolve('bin/cosdesk.js');

interface Run {
  seconds: number;
  /** Peak resident memory of the process, bytes (Linux VmHWM). */
  peak: number;
}

/** Runs a command to its end, sampling its peak RSS from /proc just before it exits. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let peak = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // Gone already: the last sample stands.
      }
    };
    const timer = setInterval(sample, 50);
    child.stderr.on('data', (c) => (err += c));
    child.on('error', fail);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 0) done({ seconds, peak });
      else fail(new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code}: ${err.slice(-800)}`));
    });
  });
}

function cosdesk(home: string, args: string[]): Promise<Run> {
  return timed(process.execPath, [CLI, ...args, '--endpoint', S3_ENDPOINT, '--path-style'], {
    ...process.env,
    COSDESK_HOME: home,
    COSDESK_SECRET_ID: AK,
    COSDESK_SECRET_KEY: SK,
  });
}

const rclone = (args: string[]) => timed('rclone', ['copy', ...args], rcloneEnv(backend));
const aws = (args: string[]) =>
  timed(AWS, ['s3', 'cp', ...args, '--endpoint-url', S3_ENDPOINT, '--only-show-errors'], awsEnv(backend));

const NO_TIMEOUT = ['--endpoint-url', S3_ENDPOINT, '--only-show-errors', '--cli-read-timeout', '0'];

/** Keeps a result and shows it at once, so a later failure loses nothing. */
function note(rows: Row[], r: Row): void {
  rows.push(r);
  console.error(`  ${r.what}: ${r.run.seconds.toFixed(2)} s, peak ${(r.run.peak / MiB).toFixed(0)} MiB`);
}

interface Row {
  what: string;
  tool: string;
  bytes: number;
  run: Run;
}

async function main(): Promise<void> {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  const work = await mkdtemp(join(tmpdir(), 'cosdesk-bench-xfer-'));
  const rows: Row[] = [];
  const home = () => mkdtemp(join(work, 'home-'));
  try {
    // Inputs: one big file, and a folder of small ones in 10 subfolders.
    const big = join(work, 'big.bin');
    await randomFile(big, BIG, 7);
    const bigSum = await sha256File(big);
    const small = join(work, 'small');
    for (let d = 0; d < 10; d++) await mkdir(join(small, `d${d}`), { recursive: true });
    const block = Buffer.alloc(SMALL_SIZE, 'x');
    for (let i = 0; i < SMALL_COUNT; i++) await writeFile(join(small, `d${i % 10}`, `f${i}`), block);
    console.error(`inputs: ${BIG / MiB} MiB file, ${SMALL_COUNT} × 4 KiB files; bucket ${BUCKET}`);

    const bigTools: Array<[string, () => Promise<Run>, () => Promise<Run>, string]> = [
      [
        'cosdesk cp',
        async () => cosdesk(await home(), ['cp', big, `s3://${BUCKET}/c/big.bin`]),
        async () => cosdesk(await home(), ['cp', `s3://${BUCKET}/c/big.bin`, join(work, 'c-big.bin')]),
        join(work, 'c-big.bin'),
      ],
      [
        'rclone copy',
        () => rclone([big, `bench:${BUCKET}/r/`]),
        () => rclone([`bench:${BUCKET}/r/big.bin`, join(work, 'r')]),
        join(work, 'r', 'big.bin'),
      ],
      [
        'aws s3 cp',
        () => aws([big, `s3://${BUCKET}/a/big.bin`]),
        () => aws([`s3://${BUCKET}/a/big.bin`, join(work, 'a-big.bin')]),
        join(work, 'a-big.bin'),
      ],
    ];
    for (const [tool, up, down, out] of bigTools) {
      console.error(`${tool}: big file`);
      note(rows, { what: `upload ${fmtSize(BIG)}`, tool, bytes: BIG, run: await up() });
      note(rows, { what: `download ${fmtSize(BIG)}`, tool, bytes: BIG, run: await down() });
      if ((await sha256File(out)) !== bigSum) throw new Error(`${tool}: the downloaded file differs`);
      await rm(out, { force: true });
      // One big object at a time: three fill a 6 GiB memstore, and a full OSD blocks deletes.
      await timed(AWS, ['s3', 'rm', `s3://${BUCKET}/`, '--recursive', ...NO_TIMEOUT], awsEnv(backend));
    }
    await rm(big, { force: true });

    const n = `${SMALL_COUNT} × 4 KiB`;
    const smallBytes = SMALL_COUNT * SMALL_SIZE;
    const smallTools: Array<[string, () => Promise<Run>, () => Promise<Run>]> = [
      [
        'cosdesk cp',
        async () => cosdesk(await home(), ['cp', '-r', small, `s3://${BUCKET}/c/`]),
        async () => cosdesk(await home(), ['cp', '-r', `s3://${BUCKET}/c/small/`, join(work, 'c-small')]),
      ],
      [
        'rclone copy',
        () => rclone([small, `bench:${BUCKET}/r/small`]),
        () => rclone([`bench:${BUCKET}/r/small`, join(work, 'r-small')]),
      ],
      [
        'aws s3 cp',
        () => aws(['--recursive', small, `s3://${BUCKET}/a/small/`]),
        () => aws(['--recursive', `s3://${BUCKET}/a/small/`, join(work, 'a-small')]),
      ],
    ];
    for (const [tool, up, down] of smallTools) {
      console.error(`${tool}: ${n}`);
      note(rows, { what: `upload ${n}`, tool, bytes: smallBytes, run: await up() });
      note(rows, { what: `download ${n}`, tool, bytes: smallBytes, run: await down() });
    }

    const crc = crcThroughput(Math.max(MiB, Math.round(1024 * MiB * Math.min(1, SCALE * 4))));
    print(rows, crc);
  } finally {
    await dropBucket().catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
    await seeder.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function dropBucket(): Promise<void> {
  await timed(
    AWS,
    ['s3', 'rb', `s3://${BUCKET}`, '--force', '--endpoint-url', S3_ENDPOINT, '--cli-read-timeout', '0'],
    awsEnv(backend),
  );
}

/** CRC-64/XZ over `bytes` in 4 MiB blocks, best of 3 runs; bytes per second. */
function crcThroughput(bytes: number): { bytes: number; bps: number } {
  const block = Buffer.alloc(4 * MiB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 0xff;
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const c = new Crc64();
    const t0 = process.hrtime.bigint();
    for (let done = 0; done < bytes; done += block.length)
      c.update(block.subarray(0, Math.min(block.length, bytes - done)));
    c.digestDecimal();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { bytes, bps: bytes / best };
}

function fmtSize(b: number): string {
  return b >= 1024 * MiB
    ? `${(b / 1024 / MiB).toFixed(b % (1024 * MiB) ? 2 : 0)} GiB`
    : `${(b / MiB).toFixed(0)} MiB`;
}

function print(rows: Row[], crc: { bytes: number; bps: number }): void {
  const out = [
    '| transfer | tool | seconds | MiB/s | files/s | peak RSS | cosdesk ÷ tool (speed) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ours = rows.find((x) => x.what === r.what && x.tool === 'cosdesk cp');
    const files = r.what.includes('×') ? SMALL_COUNT / r.run.seconds : 1 / r.run.seconds;
    const ratio = ours ? (r.run.seconds / ours.run.seconds).toFixed(2) : '';
    out.push(
      `| ${r.what} | ${r.tool} | ${r.run.seconds.toFixed(2)} | ${(r.bytes / MiB / r.run.seconds).toFixed(1)} | ${files.toFixed(1)} | ${(r.run.peak / MiB).toFixed(0)} MiB | ${r.tool === 'cosdesk cp' ? '1.00' : ratio} |`,
    );
  }
  console.log(out.join('\n'));
  console.log(
    `\nCRC64 (src-main/storage/crc64.ts) over ${fmtSize(crc.bytes)}: ${(crc.bps / 1e6).toFixed(0)} MB/s (best of 3)`,
  );
  console.log(
    `ratio column: the tool's time ÷ cosdesk's time (above 1: cosdesk is faster). Peak RSS: VmHWM of the process.`,
  );
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
