// `npm run bench`: every scenario of issue 13, cosdesk's CLI side by side with its peers in one
// run, over several rounds with the tools alternating, written to bench/RESULTS.md.
//
//   npm run build && npm run bench                     full run: starts its own RGW (memstore)
//   BENCH_ONLY=a,b,h npm run bench                     some scenarios
//   BENCH_SMOKE=1 npm run bench                        a few seconds per scenario, one round
//
// Env: BENCH_ROUNDS (default 3), BENCH_SCALE (1 = the sizes of the issue), BENCH_ONLY (a..i),
// BENCH_TOOLS (substring filter on tool names), BENCH_OUT (results file), BENCH_KEEP_RGW=1.
// With S3_ENDPOINT/AK/SK already set (the test env) it reuses that RGW instead of starting one.
//
// Settings: cosdesk at its defaults (8 requests in flight, 8 MiB parts above 16 MiB). Every peer
// runs twice: at its own defaults, and "tuned" to cosdesk's settings where it has them (8 in
// flight, 8 MiB parts). The ceiling is the same bytes moved by 8 parallel curl requests of
// pre-signed part URLs (32 MiB parts for one big file, one URL per file for the mixed folder).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpus, totalmem, tmpdir, release } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ResolvedAccount } from '../src-main/accounts/types';
import { createStorageClient, type StorageClient } from '../src-main/storage/client';
import { Crc64 } from '../src-main/storage/crc64';
import { deleteObjects } from '../src-main/storage/ops/delete';
import { listAllKeys } from '../src-main/storage/ops/list';
import { PartHasher } from '../src-main/transfers/hash';
import { createInProcessBridge } from '../src-main/ipc/in-process';
import { TransfersHost } from '../src-main/transfers/host/host';
import { silentLogger } from '../src-main/log';
import { createMain } from '../src-main/services';
import { createPresigner } from '../src-main/sharing/presign';
import { startCosGateway, type CosGateway } from '../test/cos-gateway/server';
import { uiScale } from './ui-scale';
import {
  GiB,
  MiB,
  median,
  output,
  presignS3,
  sha256File,
  spreadPct,
  timed,
  type Run,
  type S3Target,
} from './lib';

const SMOKE = process.env.BENCH_SMOKE === '1';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 3)));
const SCALE = Number(process.env.BENCH_SCALE ?? (SMOKE ? 0.002 : 1));
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const TOOLS = process.env.BENCH_TOOLS ?? '';
const OUT = resolve(
  process.env.BENCH_OUT ?? (SMOKE ? join(tmpdir(), 'cosdesk-bench-smoke.md') : 'bench/RESULTS.md'),
);
const CLI = resolve('bin/cosdesk.js');
const NOTES = resolve('bench/NOTES.md');
const PARTIAL_NOTE =
  '> **Partial run**: the runner was still going (or was stopped) when this was written; scenarios not listed below were not measured yet.';
const SDK_PEER = resolve('bench/cos-sdk-peer.mjs');
const AWS = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const APPID = '1250000000';
const COS_REGION = 'ap-guangzhou';
const PARALLEL = 8;
const PART = 8 * MiB;
const CEILING_PART = 32 * MiB;

const sizes = {
  // At least 1 MiB; in a smoke run exactly 1 MiB, which the SDK at its defaults (1 MiB slices)
  // sends in one PUT: the test env's RGW refuses parts under 5 MiB, COS takes them from 1 MB.
  big: SMOKE ? MiB : Math.max(MiB, Math.round(GiB * SCALE)),
  smallCount: Math.max(20, Math.round(10_000 * SCALE)),
  small: 4096,
  mixedCount: Math.max(20, Math.round(1000 * SCALE)),
  mixedMax: SMOKE ? MiB : Math.max(256 * 1024, Math.round(64 * MiB * Math.min(1, SCALE * 10))),
  listCount: Math.max(50, Math.round(100_000 * SCALE)),
  links: Math.max(200, Math.round(10_000 * Math.min(1, SCALE * 50))),
  hash: Math.max(8 * MiB, Math.round(GiB * SCALE)),
};

const want = (s: string) => ONLY.length === 0 || ONLY.includes(s);
// BENCH_ONLY=i alone: scenario i runs its (a), (b), (c) transfers without the peers' runs.
const ipcAlone = ONLY.includes('i') && !['a', 'b', 'c'].some((s) => ONLY.includes(s));
const wantInput = (s: string) => want(s) || (ipcAlone && ['a', 'b', 'c'].includes(s));
const log = (m: string) => process.stderr.write(`${m}\n`);

// ---------------------------------------------------------------------------------------------
// The backend: an RGW of our own (or the test env's), and the COS gateway in front of it.

interface Backend extends S3Target {
  stop(): void;
}

function startRgw(): Backend {
  if (process.env.S3_ENDPOINT && process.env.AK && process.env.SK) {
    return {
      endpoint: process.env.S3_ENDPOINT,
      accessKey: process.env.AK,
      secretKey: process.env.SK,
      stop() {},
    };
  }
  const base = join(tmpdir(), 'cosdesk-bench-rgw');
  const env = {
    ...process.env,
    CEPH_BASE: base,
    RGW_PORT: process.env.BENCH_RGW_PORT ?? '7580',
    MON_PORT: process.env.BENCH_MON_PORT ?? '6796',
    MEMSTORE_BYTES: String(Math.max(2 * GiB, sizes.big * 3 + 2 * GiB)),
    // COS takes parts from 1 MB (the SDK's default part size); RGW's default minimum is 5 MiB.
    RGW_EXTRA_CONF: 'rgw multipart min part size = 1048576',
  };
  log(`starting RGW in ${base} (port ${env.RGW_PORT})`);
  const r = spawnSync('bash', ['test/backend/rgw.sh', 'start'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error('could not start RGW (see above)');
  const vars = Object.fromEntries(
    readFileSync(join(base, 'env'), 'utf8')
      .split('\n')
      .map((l) => /^(?:export )?(\w+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => [m[1], m[2].replace(/^['"]|['"]$/g, '')]),
  );
  return {
    endpoint: vars.S3_ENDPOINT,
    accessKey: vars.AK,
    secretKey: vars.SK,
    stop() {
      if (process.env.BENCH_KEEP_RGW === '1') return;
      spawnSync('bash', ['test/backend/rgw.sh', 'stop'], { env, stdio: 'ignore' });
    },
  };
}

function s3Account(b: S3Target): ResolvedAccount {
  return {
    kind: 's3',
    name: 'bench',
    endpoint: b.endpoint,
    region: 'us-east-1',
    accessKeyId: b.accessKey,
    pathStyle: true,
    secret: { secretKey: b.secretKey },
  };
}

function cosAccount(port: number, b: S3Target): ResolvedAccount {
  return {
    kind: 'cos',
    name: 'bench-cos',
    secretId: b.accessKey,
    appId: APPID,
    region: COS_REGION,
    endpointTemplate: `http://{bucket}.cos.{region}.localhost:${port}`,
    serviceEndpoint: `http://service.cos.localhost:${port}`,
    secret: { secretKey: b.secretKey },
  };
}

// ---------------------------------------------------------------------------------------------
// Tools. Each job names a local path and a remote prefix; every tool moves the same bytes.

type Dialect = 's3' | 'cos';
interface Ctx {
  b: Backend;
  gw: CosGateway;
  bucket: string;
  cosBucket: string;
  work: string;
}
/** One job: `up` local file or folder to `remote` (a key, or a prefix ending in /); `down` back. */
interface Job {
  dir: 'up' | 'down';
  folder: boolean;
  local: string;
  remote: string;
  /** The input this job's data came from (for an upload, the same as `local`). */
  source: string;
}
interface Tool {
  name: string;
  dialect: Dialect;
  ours?: boolean;
  ceiling?: boolean;
  /** Scenarios it takes part in; default all transfer scenarios. */
  only?: string[];
  run(ctx: Ctx, job: Job): Promise<Run>;
}

let homeSeq = 0;
async function cosdeskRun(ctx: Ctx, dialect: Dialect, args: string[]): Promise<Run> {
  const home = join(ctx.work, `home-${homeSeq++}`);
  await mkdir(home, { recursive: true });
  const conn =
    dialect === 's3'
      ? ['--endpoint', ctx.b.endpoint, '--path-style']
      : [
          '--endpoint',
          `http://{bucket}.cos.{region}.localhost:${ctx.gw.port}`,
          '--service-endpoint',
          `http://service.cos.localhost:${ctx.gw.port}`,
          '--region',
          COS_REGION,
          '--app-id',
          APPID,
        ];
  const r = await timed(process.execPath, [CLI, ...args, ...conn], {
    ...process.env,
    COSDESK_HOME: home,
    COSDESK_SECRET_ID: ctx.b.accessKey,
    COSDESK_SECRET_KEY: ctx.b.secretKey,
  });
  await rm(home, { recursive: true, force: true });
  return r;
}

function cosdesk(dialect: Dialect): Tool {
  return {
    name: dialect === 's3' ? 'cosdesk' : 'cosdesk (COS)',
    dialect,
    ours: true,
    async run(ctx, j) {
      const scheme = dialect === 's3' ? `s3://${ctx.bucket}` : `cos://${ctx.cosBucket}`;
      if (!j.folder) {
        const remote = `${scheme}/${j.remote}`;
        return cosdeskRun(ctx, dialect, j.dir === 'up' ? ['cp', j.local, remote] : ['cp', remote, j.local]);
      }
      // Like `cp -r` into a folder, cosdesk keeps the folder's own name on both ways: the files
      // of inputs/<name> go to <prefix><name>/…, and come back as out/<name>/…
      const name = basename(j.source);
      if (j.dir === 'up') return cosdeskRun(ctx, dialect, ['cp', '-r', j.local, `${scheme}/${j.remote}`]);
      await mkdir(j.local, { recursive: true });
      const run = await cosdeskRun(ctx, dialect, ['cp', '-r', `${scheme}/${j.remote}${name}/`, j.local]);
      // Not timed: lift out/<name>/… to out/… so every tool's result is checked the same way.
      await rename(join(j.local, name), `${j.local}.lift`);
      await rm(j.local, { recursive: true });
      await rename(`${j.local}.lift`, j.local);
      return run;
    },
  };
}

function rcloneEnv(b: S3Target): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
    RCLONE_CONFIG_BENCH_ENDPOINT: b.endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: b.accessKey,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: b.secretKey,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
  };
  delete env.AWS_CA_BUNDLE; // rclone fails on the CA bundle some machines set
  return env;
}

function rclone(tuned: boolean): Tool {
  const opts = tuned
    ? [
        `--transfers=${PARALLEL}`,
        `--checkers=${PARALLEL}`,
        `--s3-upload-concurrency=${PARALLEL}`,
        `--s3-chunk-size=${PART / MiB}M`,
        `--multi-thread-streams=${PARALLEL}`,
      ]
    : [];
  return {
    name: tuned ? 'rclone (tuned)' : 'rclone',
    dialect: 's3',
    run(ctx, j) {
      const remote = `bench:${ctx.bucket}/${j.remote}`;
      // `copyto` names the destination exactly, for files and folders alike.
      const args =
        j.dir === 'up'
          ? ['copyto', j.local, remote.replace(/\/$/, '')]
          : ['copyto', remote.replace(/\/$/, ''), j.local];
      return timed('rclone', [...args, ...opts], rcloneEnv(ctx.b));
    },
  };
}

let awsConfig: string | undefined;
function aws(tuned: boolean): Tool {
  return {
    name: tuned ? 'aws-cli (tuned)' : 'aws-cli',
    dialect: 's3',
    async run(ctx, j) {
      if (tuned && !awsConfig) {
        awsConfig = join(ctx.work, 'aws-tuned.conf');
        await writeFile(
          awsConfig,
          `[default]\ns3 =\n  max_concurrent_requests = ${PARALLEL}\n  multipart_chunksize = ${PART / MiB}MB\n  multipart_threshold = ${(2 * PART) / MiB}MB\n`,
        );
      }
      const remote = `s3://${ctx.bucket}/${j.remote}`;
      const args = j.dir === 'up' ? [j.local, remote] : [remote, j.local];
      return timed(
        AWS,
        [
          's3',
          'cp',
          ...(j.folder ? ['--recursive'] : []),
          ...args,
          '--endpoint-url',
          ctx.b.endpoint,
          '--only-show-errors',
          '--cli-read-timeout',
          '0',
        ],
        {
          ...process.env,
          AWS_ACCESS_KEY_ID: ctx.b.accessKey,
          AWS_SECRET_ACCESS_KEY: ctx.b.secretKey,
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
          AWS_CONFIG_FILE: tuned ? awsConfig : join(ctx.work, 'aws-none.conf'),
        },
      );
    },
  };
}

/** An empty s3cmd config (it insists on one); every setting is on the command line. */
function s3cmdConfig(ctx: Ctx): string {
  const p = join(ctx.work, 's3cfg');
  if (!existsSync(p)) writeFileSync(p, '[default]\n');
  return p;
}

/** s3cmd takes the keys from the environment: they stay out of its command line. */
function s3cmdEnv(b: S3Target): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: b.accessKey, AWS_SECRET_ACCESS_KEY: b.secretKey };
}

function s3cmd(tuned: boolean): Tool {
  return {
    name: tuned ? 's3cmd (tuned)' : 's3cmd',
    dialect: 's3',
    // s3cmd moves one file at a time and has no concurrency to tune: "tuned" is the part size.
    only: tuned ? ['a', 'b', 'e'] : undefined,
    async run(ctx, j) {
      const host = new URL(ctx.b.endpoint).host;
      const conn = [
        `--config=${s3cmdConfig(ctx)}`,
        `--host=${host}`,
        `--host-bucket=${host}`,
        '--no-ssl',
        '--no-check-certificate',
        '--region=us-east-1',
        '--no-progress',
        '--quiet',
        ...(tuned ? [`--multipart-chunk-size-mb=${PART / MiB}`] : []),
      ];
      const remote = `s3://${ctx.bucket}/${j.remote}`;
      const args = j.dir === 'up' ? ['put', j.local, remote] : ['get', remote, j.local];
      // A folder: put -r uploads the folder's contents under the prefix; get -r fetches them.
      const rec = j.folder ? ['--recursive'] : [];
      if (j.folder && j.dir === 'up') args[1] = j.local.replace(/\/?$/, '/');
      if (j.folder && j.dir === 'down') {
        args[2] = j.local.replace(/\/?$/, '/');
        await mkdir(j.local, { recursive: true });
      }
      return timed('s3cmd', [...conn, ...args, ...rec, '--force'], s3cmdEnv(ctx.b));
    },
  };
}

function cosSdk(tuned: boolean): Tool {
  return {
    name: tuned ? 'cos-nodejs-sdk-v5 (tuned)' : 'cos-nodejs-sdk-v5',
    dialect: 'cos',
    run(ctx, j) {
      const op = j.folder ? (j.dir === 'up' ? 'up-dir' : 'down-dir') : j.dir;
      const arg = {
        port: ctx.gw.port,
        bucket: ctx.cosBucket,
        region: COS_REGION,
        op,
        local: j.local,
        prefix: j.remote,
        key: j.remote,
        tuned: tuned ? { chunkSize: PART, parallel: PARALLEL } : null,
      };
      return timed(process.execPath, [SDK_PEER, JSON.stringify(arg)], {
        ...process.env,
        COS_SECRET_ID: ctx.b.accessKey,
        COS_SECRET_KEY: ctx.b.secretKey,
      });
    },
  };
}

/** 8 parallel `curl` requests of pre-signed URLs: the bytes over HTTP with nothing else. */
function curlCeiling(): Tool {
  return {
    name: `ceiling (curl ×${PARALLEL}, pre-signed)`,
    dialect: 's3',
    ceiling: true,
    only: ['a', 'b', 'e'],
    async run(ctx, j) {
      const client = createStorageClient(s3Account(ctx.b), { timeoutMs: 120_000 });
      try {
        return j.folder ? await curlFolder(ctx, client, j) : await curlBig(ctx, client, j);
      } finally {
        await client.close();
      }
    },
  };
}

/**
 * Runs curl over a config of transfers, each starting with its `url = ` line. curl 7.88 keeps
 * options such as range, dump-header and fail for every URL of one option set, so each
 * transfer gets its own set (`next`), with `perTransfer` lines (fail, write-out) in each.
 */
async function curlConfig(
  ctx: Ctx,
  lines: string[],
  perTransfer: string[] = [],
  stdout?: (chunk: Buffer) => void,
): Promise<Run> {
  const sets: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('url = ') || sets.length === 0) sets.push(['fail', ...perTransfer]);
    sets[sets.length - 1].push(l);
  }
  const cfg = join(ctx.work, `curl-${homeSeq++}.conf`);
  await writeFile(cfg, sets.map((t) => t.join('\n')).join('\nnext\n') + '\n');
  try {
    return await timed(
      'curl',
      ['--parallel', '--parallel-max', String(PARALLEL), '-sS', '--config', cfg],
      process.env,
      stdout ? { stdout } : {},
    );
  } finally {
    await rm(cfg, { force: true });
  }
}

/** One big object: a multipart upload of pre-cut parts, or ranged GETs of 32 MiB each. */
async function curlBig(ctx: Ctx, client: StorageClient, j: Job): Promise<Run> {
  if (j.dir === 'down') {
    const size = (await stat(join(ctx.work, 'inputs', 'big.bin'))).size;
    const url = await presignS3(ctx.b, 'GET', ctx.bucket, j.remote);
    const parts: string[] = [];
    const lines: string[] = [];
    for (let off = 0, n = 0; off < size; off += CEILING_PART, n++) {
      const p = `${j.local}.part${n}`;
      parts.push(p);
      lines.push(
        `url = "${url}"`,
        `range = ${off}-${Math.min(size, off + CEILING_PART) - 1}`,
        `output = "${p}"`,
      );
    }
    const r = await curlConfig(ctx, lines);
    // Not timed: joining the parts is local work a real tool would avoid with positioned writes.
    const out = await open(j.local, 'w');
    for (const p of parts) {
      await out.write(readFileSync(p));
      await rm(p);
    }
    await out.close();
    return r;
  }
  // Upload: the parts are cut before the clock starts; initiate and complete are timed.
  const size = (await stat(j.local)).size;
  const cut: string[] = [];
  const src = await open(j.local, 'r');
  for (let off = 0, n = 1; off < size; off += CEILING_PART, n++) {
    const len = Math.min(CEILING_PART, size - off);
    const buf = Buffer.alloc(len);
    await src.read(buf, 0, len, off);
    const p = join(ctx.work, `cut-${n}`);
    await writeFile(p, buf);
    cut.push(p);
  }
  await src.close();
  const t0 = process.hrtime.bigint();
  const init = await client.requestXml({
    method: 'POST',
    bucket: ctx.bucket,
    key: j.remote,
    query: { uploads: '' },
  });
  const uploadId = findUploadId(init.doc);
  // Each transfer prints its number and ETag (%{urlnum} counts from 0 in config order).
  const lines: string[] = [];
  for (let n = 1; n <= cut.length; n++) {
    const url = await presignS3(ctx.b, 'PUT', ctx.bucket, j.remote, { partNumber: String(n), uploadId });
    lines.push(`url = "${url}"`, `upload-file = "${cut[n - 1]}"`, 'output = "/dev/null"');
  }
  let printed = '';
  const r = await curlConfig(ctx, lines, ['write-out = "%{urlnum} %header{etag}\\n"'], (c) => {
    printed += String(c);
  });
  const etags = new Map<number, string>();
  for (const line of printed.split('\n')) {
    const m = /^(\d+) (\S+)/.exec(line.trim());
    if (m) etags.set(Number(m[1]), m[2]);
  }
  const parts = cut.map((_p, i) => {
    const etag = etags.get(i);
    if (!etag) throw new Error(`curl ceiling: part ${i + 1} has no ETag`);
    return `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`;
  });
  const body = `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`;
  const res = await client.request({
    method: 'POST',
    bucket: ctx.bucket,
    key: j.remote,
    query: { uploadId },
    body,
    headers: { 'content-md5': createHash('md5').update(body).digest('base64') },
  });
  await res.body.dump();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const p of cut) await rm(p, { force: true });
  return { seconds, peak: r.peak };
}

function findUploadId(doc: unknown): string {
  const s = JSON.stringify(doc);
  const m = /"UploadId":"([^"]+)"/.exec(s);
  if (!m) throw new Error('curl ceiling: no UploadId in the answer');
  return m[1];
}

/** A folder: one pre-signed PUT or GET per file, 8 at a time. */
async function curlFolder(ctx: Ctx, _client: StorageClient, j: Job): Promise<Run> {
  const files = await listLocal(join(ctx.work, 'inputs', 'mixed'));
  const lines: string[] = [];
  for (const rel of files) {
    const key = `${j.remote}${rel}`;
    if (j.dir === 'up') {
      lines.push(
        `url = "${await presignS3(ctx.b, 'PUT', ctx.bucket, key)}"`,
        `upload-file = "${join(j.local, rel)}"`,
        'output = "/dev/null"',
      );
    } else {
      lines.push(
        `url = "${await presignS3(ctx.b, 'GET', ctx.bucket, key)}"`,
        `output = "${join(j.local, rel)}"`,
        'create-dirs',
      );
    }
  }
  return curlConfig(ctx, lines);
}

async function listLocal(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listLocal(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Inputs and checks.

/** Pseudo-random bytes (xorshift32): incompressible, and the same on every run. */
function block(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}

const BASE = block(4 * MiB, 0x9e3779b9);

/** A file of `size` bytes from the shared random block, stamped so that no two chunks are equal. */
async function randomFile(path: string, size: number, seed: number): Promise<void> {
  const f = await open(path, 'w');
  const chunk = Buffer.from(BASE);
  for (let done = 0, n = 0; done < size; done += chunk.length, n++) {
    const len = Math.min(chunk.length, size - done);
    if (len >= 8) {
      chunk.writeUInt32LE(seed >>> 0, 0);
      chunk.writeUInt32LE(n, 4);
    }
    await f.write(chunk, 0, len);
  }
  await f.close();
}

/** Sizes of the mixed folder: 1 KiB to the cap, most files small (a skewed log scale). */
function mixedSizes(): number[] {
  const n = sizes.mixedCount;
  return Array.from({ length: n }, (_, i) => {
    const u = (i + 0.5) / n;
    return Math.min(sizes.mixedMax, Math.round(1024 * 2 ** (Math.log2(sizes.mixedMax / 1024) * u ** 5)));
  });
}

interface Inputs {
  big: string;
  bigSum: string;
  small: string;
  mixed: string;
  mixedBytes: number;
  mixedSums: Map<string, string>;
}

async function makeInputs(work: string): Promise<Inputs> {
  const dir = join(work, 'inputs');
  await mkdir(dir, { recursive: true });
  const big = join(dir, 'big.bin');
  if (wantInput('a') || wantInput('b')) await randomFile(big, sizes.big, 7);
  const small = join(dir, 'small');
  if (wantInput('c') || want('d')) {
    const body = Buffer.alloc(sizes.small, 'x');
    for (let d = 0; d < 10; d++) await mkdir(join(small, `d${d}`), { recursive: true });
    for (let i = 0; i < sizes.smallCount; i++) await writeFile(join(small, `d${i % 10}`, `f${i}`), body);
  }
  const mixed = join(dir, 'mixed');
  const mixedSums = new Map<string, string>();
  let mixedBytes = 0;
  if (want('e')) {
    const list = mixedSizes();
    for (let d = 0; d < 5; d++) await mkdir(join(mixed, `g${d}`), { recursive: true });
    for (let i = 0; i < list.length; i++) {
      const rel = `g${i % 5}/m${String(i).padStart(4, '0')}.bin`;
      await randomFile(join(mixed, rel), list[i], 1000 + i);
      mixedSums.set(rel, await sha256File(join(mixed, rel)));
      mixedBytes += list[i];
    }
  }
  return {
    big,
    bigSum: wantInput('a') || wantInput('b') ? await sha256File(big) : '',
    small,
    mixed,
    mixedBytes,
    mixedSums,
  };
}

/** A downloaded folder must hold exactly what was uploaded: same names, same bytes. */
async function checkFolder(
  got: string,
  expected: Map<string, string> | { count: number; size: number },
): Promise<void> {
  const files = existsSync(got) ? await listLocal(got) : [];
  if (expected instanceof Map) {
    if (files.length !== expected.size)
      throw new Error(`${got}: ${files.length} files, expected ${expected.size}`);
    for (const f of files) {
      if ((await sha256File(join(got, f))) !== expected.get(f)) throw new Error(`${got}/${f} differs`);
    }
    return;
  }
  if (files.length !== expected.count)
    throw new Error(`${got}: ${files.length} files, expected ${expected.count}`);
  for (const f of files.slice(0, 50)) {
    if ((await stat(join(got, f))).size !== expected.size) throw new Error(`${got}/${f} has the wrong size`);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

interface Result {
  scenario: string;
  title: string;
  group: string;
  tool: string;
  ours: boolean;
  ceiling: boolean;
  runs: Run[];
  /** Bytes (or items, with `unit`) moved per run. */
  amount: number;
  unit: 'MiB/s' | 'files/s' | 'keys/s' | 'links/s' | 'GB/s';
  note?: string;
}
const results: Result[] = [];

function record(r: Omit<Result, 'runs'>, run: Run): void {
  let row = results.find((x) => x.scenario === r.scenario && x.group === r.group && x.tool === r.tool);
  if (!row) results.push((row = { ...r, runs: [] }));
  row.runs.push(run);
  log(
    `  ${r.scenario} ${r.tool}: ${run.seconds.toFixed(2)} s${run.peak ? `, peak ${(run.peak / MiB).toFixed(0)} MiB` : ''}`,
  );
}

function toolsFor(scenario: string, dialect: Dialect): Tool[] {
  const all =
    dialect === 's3'
      ? [
          cosdesk('s3'),
          rclone(false),
          rclone(true),
          aws(false),
          aws(true),
          s3cmd(false),
          s3cmd(true),
          curlCeiling(),
        ]
      : [cosdesk('cos'), cosSdk(false), cosSdk(true)];
  return all.filter(
    (t) => (!t.only || t.only.includes(scenario)) && (!TOOLS || t.name.includes(TOOLS) || t.ours),
  );
}

/** Rotates the order each round, so no tool always runs first (cold) or last. */
function rotate<T>(xs: T[], by: number): T[] {
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/** Deletes every object under `prefix` ('' = the whole bucket; deleteObjects takes '' as a key). */
async function clearPrefix(client: StorageClient, bucket: string, prefix: string): Promise<void> {
  const keys = (await listAllKeys(client, { bucket }, prefix)).map((o) => o.key);
  const r = await deleteObjects(client, { bucket }, keys);
  if (r.errors.length) throw new Error(`cleanup of ${prefix}: ${r.errors[0].message}`);
}

async function transferScenarios(
  ctx: Ctx,
  inputs: Inputs,
  s3: StorageClient,
  cos: StorageClient,
  saved: () => Promise<void> = async () => undefined,
): Promise<void> {
  const defs = [
    {
      up: 'a',
      down: 'b',
      title: `one ${fmtSize(sizes.big)} file`,
      folder: false,
      local: inputs.big,
      unit: 'MiB/s' as const,
      amount: sizes.big,
    },
    {
      up: 'c',
      down: 'd',
      title: `${sizes.smallCount.toLocaleString('en')} × 4 KiB`,
      folder: true,
      local: inputs.small,
      unit: 'files/s' as const,
      amount: sizes.smallCount,
    },
    {
      up: 'e',
      down: 'e',
      title: `mixed folder (${sizes.mixedCount} files, 1 KiB–${fmtSize(sizes.mixedMax)}, ${fmtSize(inputs.mixedBytes)})`,
      folder: true,
      local: inputs.mixed,
      unit: 'MiB/s' as const,
      amount: inputs.mixedBytes,
    },
  ];
  for (const d of defs) {
    if (!want(d.up) && !want(d.down)) continue;
    for (const dialect of ['s3', 'cos'] as const) {
      const client = dialect === 's3' ? s3 : cos;
      const bucket = dialect === 's3' ? ctx.bucket : ctx.cosBucket;
      const group = dialect === 's3' ? 'S3 dialect, RGW' : 'COS dialect, COS gateway in front of RGW';
      const tools = toolsFor(d.up, dialect);
      for (let round = 0; round < ROUNDS; round++) {
        for (const tool of rotate(tools, round)) {
          const remote = `r${round}/${tool.name.replace(/\W+/g, '-')}/${d.folder ? '' : 'big.bin'}`;
          const label = (s: string) => ({
            scenario: s,
            title: '',
            group,
            tool: tool.name,
            ours: !!tool.ours,
            ceiling: !!tool.ceiling,
            amount: d.amount,
            unit: d.unit,
          });
          log(`${d.up}${d.down !== d.up ? `/${d.down}` : ''} round ${round + 1}: ${tool.name}`);
          const up = await tool.run(ctx, {
            dir: 'up',
            folder: d.folder,
            local: d.local,
            remote,
            source: d.local,
          });
          record({ ...label(d.up === d.down ? `${d.up} up` : d.up), title: `${d.title} up` }, up);
          const out = join(ctx.work, 'out', `${round}-${tool.name.replace(/\W+/g, '-')}`);
          await mkdir(dirname(out), { recursive: true });
          const down = await tool.run(ctx, {
            dir: 'down',
            folder: d.folder,
            local: out,
            remote,
            source: d.local,
          });
          // (e) is one letter for both directions: its rows are "e up" and "e down".
          record({ ...label(d.up === d.down ? `${d.down} down` : d.down), title: `${d.title} down` }, down);
          if (!d.folder) {
            if ((await sha256File(out)) !== inputs.bigSum)
              throw new Error(`${tool.name}: the downloaded file differs`);
          } else if (d.local === inputs.mixed) await checkFolder(out, inputs.mixedSums);
          else await checkFolder(out, { count: sizes.smallCount, size: sizes.small });
          await rm(out, { recursive: true, force: true });
          await clearPrefix(
            client,
            bucket,
            remote.endsWith('/') ? remote : remote.slice(0, remote.lastIndexOf('/') + 1),
          );
        }
      }
      await saved();
    }
  }
}

async function listScenario(ctx: Ctx, s3: StorageClient): Promise<void> {
  if (!want('f')) return;
  const prefix = 'list/';
  const n = sizes.listCount;
  log(`f: seeding ${n} keys`);
  const keys = Array.from({ length: n }, (_, i) => `${prefix}d${i % 100}/k${String(i).padStart(6, '0')}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= keys.length) return;
        const res = await s3.request({ method: 'PUT', bucket: ctx.bucket, key: keys[i], body: '' });
        await res.body.dump();
      }
    }),
  );
  const host = new URL(ctx.b.endpoint).host;
  const lister: Array<[string, string, string[], NodeJS.ProcessEnv]> = [
    [
      'cosdesk',
      process.execPath,
      [CLI, 'ls', '-r', `s3://${ctx.bucket}/${prefix}`, '--endpoint', ctx.b.endpoint, '--path-style'],
      {
        ...process.env,
        COSDESK_SECRET_ID: ctx.b.accessKey,
        COSDESK_SECRET_KEY: ctx.b.secretKey,
        COSDESK_HOME: join(ctx.work, 'home-ls'),
      },
    ],
    ['rclone', 'rclone', ['lsf', '-R', '--files-only', `bench:${ctx.bucket}/${prefix}`], rcloneEnv(ctx.b)],
    [
      'aws-cli',
      AWS,
      ['s3', 'ls', '--recursive', `s3://${ctx.bucket}/${prefix}`, '--endpoint-url', ctx.b.endpoint],
      {
        ...process.env,
        AWS_ACCESS_KEY_ID: ctx.b.accessKey,
        AWS_SECRET_ACCESS_KEY: ctx.b.secretKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
    ],
    [
      's3cmd',
      's3cmd',
      [
        `--config=${s3cmdConfig(ctx)}`,
        `--host=${host}`,
        `--host-bucket=${host}`,
        '--no-ssl',
        '--region=us-east-1',
        'ls',
        '--recursive',
        `s3://${ctx.bucket}/${prefix}`,
      ],
      s3cmdEnv(ctx.b),
    ],
  ];
  await mkdir(join(ctx.work, 'home-ls'), { recursive: true });
  for (let round = 0; round < ROUNDS; round++) {
    for (const [tool, cmd, args, env] of rotate(lister, round)) {
      if (TOOLS && tool !== 'cosdesk' && !tool.includes(TOOLS)) continue;
      let lines = 0;
      let tail = '';
      const run = await timed(cmd, args, env, {
        stdout: (c) => {
          const s = tail + c.toString('utf8');
          const parts = s.split('\n');
          tail = parts.pop() ?? '';
          lines += parts.filter((l) => l.includes('k')).length;
        },
      });
      if (tail.includes('k')) lines++;
      if (lines < n) throw new Error(`f: ${tool} listed ${lines} keys, expected ${n}`);
      record(
        {
          scenario: 'f',
          title: `list ${n.toLocaleString('en')} keys`,
          group: 'S3 dialect, RGW',
          tool,
          ours: tool === 'cosdesk',
          ceiling: false,
          amount: n,
          unit: 'keys/s',
        },
        run,
      );
    }
  }
  await clearPrefix(s3, ctx.bucket, prefix);
}

/**
 * Event-loop delay of the thread that serves IPC, while it runs (a), (b) and (c): the services
 * as the desktop app composes them (createMain, the router, the in-process transport) in this
 * process, with nothing else on its loop (S3 dialect: the COS gateway is not involved).
 */
async function ipcScenario(ctx: Ctx, inputs: Inputs, s3: StorageClient): Promise<void> {
  if (!want('i')) return;
  const dataDir = await mkdtemp(join(ctx.work, 'ipc-data-'));
  const main = await createMain({
    mode: 'test',
    log: silentLogger,
    // As in the app and web mode: the engine in its worker thread (COSDESK_TRANSFERS_THREAD=main: on this one).
    transfersThread: process.env.COSDESK_TRANSFERS_THREAD === 'main' ? 'main' : 'worker',
    dataDir,
  });
  const bridge = createInProcessBridge(main.router, main.hub);
  const accountId = main.accounts.registerEphemeral(s3Account(ctx.b));
  await main.transfers.start();
  const jobs: Array<[string, string, () => Promise<void>]> = [
    [
      'a',
      `one ${fmtSize(sizes.big)} file up`,
      async () => {
        await bridge.transfers.upload({
          accountId,
          bucket: ctx.bucket,
          paths: [inputs.big],
          prefix: 'ipc/',
          onConflict: 'overwrite',
        });
      },
    ],
    [
      'b',
      `one ${fmtSize(sizes.big)} file down`,
      async () => {
        await bridge.transfers.download({
          accountId,
          bucket: ctx.bucket,
          keys: ['ipc/big.bin'],
          prefix: 'ipc/',
          localDir: join(ctx.work, 'ipc-out'),
          onConflict: 'overwrite',
        });
      },
    ],
    [
      'c',
      `${sizes.smallCount.toLocaleString('en')} × 4 KiB up`,
      async () => {
        await bridge.transfers.upload({
          accountId,
          bucket: ctx.bucket,
          paths: [inputs.small],
          prefix: 'ipc/',
          onConflict: 'overwrite',
        });
      },
    ],
  ];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [s, title, start] of jobs) {
        if (!wantInput(s) && !(s === 'b' && want('a'))) continue;
        if ((s === 'a' || s === 'b') && !inputs.bigSum) continue;
        if (s === 'c' && !existsSync(inputs.small)) continue;
        const h = monitorEventLoopDelay({ resolution: 5 });
        h.enable();
        // The engine's memory: this process's peak RSS and heap while the transfer runs (the
        // heap of this thread plus the engine worker's, when the engine runs in one).
        const mem = { rss: 0, heap: 0 };
        const host = main.transfers instanceof TransfersHost ? main.transfers : undefined;
        let workerHeap = 0;
        const sample = () => {
          const m = process.memoryUsage();
          mem.rss = Math.max(mem.rss, m.rss);
          mem.heap = Math.max(mem.heap, m.heapUsed + workerHeap);
          void host
            ?.diagnostics()
            .then((d) => (workerHeap = d.heapUsed))
            .catch(() => undefined);
        };
        const sampler = setInterval(sample, 100);
        const elu0 = performance.eventLoopUtilization();
        const workerBusy0 = (await host?.diagnostics())?.busyMs ?? 0;
        const t0 = process.hrtime.bigint();
        await start();
        await main.transfers.idle();
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        clearInterval(sampler);
        sample();
        // Time the IPC thread's loop spent running code (not waiting): less load-sensitive than delay.
        const busy = performance.eventLoopUtilization(elu0).active / 1000;
        // Where the work went: the engine worker's loop, when it runs in one.
        const workerBusy = host ? ((await host.diagnostics()).busyMs - workerBusy0) / 1000 : undefined;
        h.disable();
        const failed = (await bridge.transfers.list({})).jobs.filter((j) => j.state !== 'done');
        if (failed.length) throw new Error(`i: ${failed.length} jobs did not finish: ${failed[0].state}`);
        if (s === 'b' && (await sha256File(join(ctx.work, 'ipc-out', 'big.bin'))) !== inputs.bigSum)
          throw new Error('i: the downloaded file differs');
        await bridge.transfers.clear({});
        ipcDelays.push({
          scenario: s,
          title,
          seconds,
          p99: h.percentile(99) / 1e6,
          max: h.max / 1e6,
          rss: mem.rss / MiB,
          heap: mem.heap / MiB,
          busy,
        });
        log(
          `  i ${s}: ${seconds.toFixed(2)} s, event-loop delay p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(0)} ms, peak RSS ${(mem.rss / MiB).toFixed(0)} MiB, heap ${(mem.heap / MiB).toFixed(0)} MiB, loop busy ${busy.toFixed(2)} s${workerBusy === undefined ? '' : `, engine worker busy ${workerBusy.toFixed(2)} s`}`,
        );
        if (s === 'c') await clearPrefix(s3, ctx.bucket, 'ipc/');
      }
    }
  } finally {
    await main.close();
    await clearPrefix(s3, ctx.bucket, 'ipc/').catch(() => undefined);
  }
}

const uiLines: string[] = [];
const ipcDelays: Array<{
  scenario: string;
  title: string;
  seconds: number;
  p99: number;
  max: number;
  rss: number;
  heap: number;
  busy: number;
}> = [];

async function linkScenario(ctx: Ctx): Promise<void> {
  if (!want('g')) return;
  const n = sizes.links;
  const keys = Array.from({ length: n }, (_, i) => `photos/2024/IMG_${String(i).padStart(5, '0')} (é).jpg`);
  const signers: Array<[string, boolean, () => Promise<number>]> = [
    [
      'cosdesk (S3 SigV4)',
      true,
      async () => {
        const p = createPresigner(s3Account(ctx.b));
        const now = Math.floor(Date.now() / 1000);
        for (const key of keys)
          await p.sign({ bucket: ctx.bucket, key, method: 'GET', startSec: now, seconds: 3600 });
        return n;
      },
    ],
    [
      'cosdesk (COS)',
      true,
      async () => {
        const p = createPresigner(cosAccount(ctx.gw.port, ctx.b));
        const now = Math.floor(Date.now() / 1000);
        for (const key of keys)
          await p.sign({ bucket: ctx.cosBucket, key, method: 'GET', startSec: now, seconds: 3600 });
        return n;
      },
    ],
    [
      '@smithy/signature-v4 (AWS SDK signer)',
      false,
      async () => {
        for (const key of keys) await presignS3(ctx.b, 'GET', ctx.bucket, key);
        return n;
      },
    ],
    [
      'cos-nodejs-sdk-v5 getObjectUrl',
      false,
      async () => {
        const { default: COS } = await import('cos-nodejs-sdk-v5');
        const cos = new COS({
          SecretId: ctx.b.accessKey,
          SecretKey: ctx.b.secretKey,
          Domain: `{Bucket}.cos.{Region}.localhost:${ctx.gw.port}`,
          Protocol: 'http:',
        });
        for (const key of keys)
          cos.getObjectUrl(
            { Bucket: ctx.cosBucket, Region: COS_REGION, Key: key, Sign: true, Expires: 3600 },
            () => undefined,
          );
        return n;
      },
    ],
  ];
  // Warm-up, as for (h): the JIT, not the first tool of round 1, pays for compiling the signers.
  for (const [, , fn] of signers) await fn();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [tool, ours, fn] of rotate(signers, round)) {
      const t0 = process.hrtime.bigint();
      await fn();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      record(
        {
          scenario: 'g',
          title: `${n.toLocaleString('en')} pre-signed links (in process)`,
          group: 'signing',
          tool,
          ours,
          ceiling: false,
          amount: n,
          unit: 'links/s',
        },
        { seconds, peak: 0 },
      );
    }
  }
}

async function hashScenario(): Promise<void> {
  if (!want('h')) return;
  const bytes = sizes.hash;
  const chunk = block(4 * MiB, 3);
  const over = (update: (b: Buffer) => void) => {
    const t0 = process.hrtime.bigint();
    for (let done = 0; done < bytes; done += chunk.length)
      update(chunk.subarray(0, Math.min(chunk.length, bytes - done)));
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const layout = Array.from({ length: Math.ceil(bytes / PART) }, (_, i) => Math.min(PART, bytes - i * PART));
  const hashes: Array<[string, string, boolean, () => number]> = [
    [
      'CRC-64 (target ≥ 1 GB/s; no peer computes it)',
      'cosdesk CRC64 (src-main/storage/crc64.ts)',
      true,
      () => {
        const c = new Crc64();
        const t = over((b) => c.update(b));
        c.digestDecimal();
        return t;
      },
    ],
    [
      "MD5 (target: the speed of Node's own crypto)",
      'Node crypto MD5 (one hash)',
      false,
      () => {
        const h = createHash('md5');
        const t = over((b) => h.update(b));
        h.digest();
        return t;
      },
    ],
    [
      "MD5 (target: the speed of Node's own crypto)",
      'cosdesk MD5 (PartHasher, 8 MiB parts: the multipart ETag)',
      true,
      () => {
        const h = new PartHasher(layout);
        const t = over((b) => h.update(b));
        if (!h.etag()) throw new Error('h: the part hasher lost bytes');
        return t;
      },
    ],
  ];
  for (const [, , , fn] of hashes) fn(); // warm-up: the JIT, not the first round, pays for it
  for (let round = 0; round < ROUNDS; round++) {
    for (const [group, tool, ours, fn] of rotate(hashes, round)) {
      record(
        {
          scenario: 'h',
          title: `hash ${fmtSize(bytes)} in memory`,
          group,
          tool,
          ours,
          ceiling: false,
          amount: bytes,
          unit: 'GB/s',
        },
        { seconds: fn(), peak: 0 },
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The report.

function fmtSize(b: number): string {
  if (b >= GiB) return `${(b / GiB).toFixed(b % GiB ? 2 : 0)} GiB`;
  if (b >= MiB) return `${(b / MiB).toFixed(b % MiB ? 1 : 0)} MiB`;
  return `${Math.round(b / 1024)} KiB`;
}

function rate(r: Result, seconds: number): number {
  if (r.unit === 'MiB/s') return r.amount / MiB / seconds;
  if (r.unit === 'GB/s') return r.amount / 1e9 / seconds;
  return r.amount / seconds;
}

function fmtRate(r: Result, seconds: number): string {
  const v = rate(r, seconds);
  return r.unit === 'GB/s' ? v.toFixed(2) : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(1);
}

async function versions(): Promise<string[]> {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const sdk = JSON.parse(readFileSync('node_modules/cos-nodejs-sdk-v5/package.json', 'utf8')) as {
    version: string;
  };
  const first = (s: string) => s.split('\n')[0];
  return [
    `cosdesk ${pkg.version} (${first(await output('git', ['rev-parse', '--short', 'HEAD']))})`,
    `Node ${process.version}`,
    first(await output('rclone', ['version'])),
    first(await output(AWS, ['--version'])),
    first(await output('s3cmd', ['--version'])),
    `cos-nodejs-sdk-v5 ${sdk.version}`,
    first(await output('curl', ['--version'])),
    first(await output('radosgw', ['--version'])),
  ].filter(Boolean);
}

async function report(started: Date): Promise<string> {
  const cpu = cpus();
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${SMOKE ? ' — **smoke run: tiny sizes, not a measurement**' : ''}.`,
    '',
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / GiB).toFixed(0)} GiB RAM, Linux ${release()}; RGW (memstore) and the COS gateway on loopback, on the same machine as the tools.`,
    `- Versions: ${(await versions()).join('; ')}.`,
    `- Settings: ${ROUNDS} round(s), tools alternating (the order rotates each round); scale ${SCALE}. cosdesk at its defaults (8 in flight, 8 MiB parts above 16 MiB). Each peer at its defaults and "tuned" to the same ${PARALLEL} in flight and ${PART / MiB} MiB parts where it has such settings (s3cmd has no concurrency). Ceiling: ${PARALLEL} parallel curl requests of pre-signed URLs (${CEILING_PART / MiB} MiB parts for one file, one URL per file for a folder).`,
    '- Every download is checked (SHA-256 of the big file and of every mixed file; count and size of the small files) before its time counts; a tool that fails a run stops the benchmark.',
    '- Median of the rounds, spread = ± half the range in % of the median. "÷ best peer" is cosdesk\'s speed over the fastest peer\'s (above 1: cosdesk is faster); "÷ ceiling" its speed over the curl ceiling.',
    '',
  ];
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  for (const s of scenarios) {
    const rows = results.filter((r) => r.scenario === s);
    lines.push(`## (${s}) ${rows[0].title}`, '');
    for (const group of [...new Set(rows.map((r) => r.group))]) {
      const g = rows.filter((r) => r.group === group);
      const med = (r: Result) => median(r.runs.map((x) => x.seconds));
      const peers = g.filter((r) => !r.ours && !r.ceiling);
      const best = peers.length ? Math.min(...peers.map(med)) : undefined;
      const ceiling = g.find((r) => r.ceiling);
      lines.push(
        `${group}:`,
        '',
        `| tool | median s | spread | ${g[0].unit} | peak RSS | ÷ best peer | ÷ ceiling |`,
        '|---|---:|---:|---:|---:|---:|---:|',
      );
      for (const r of g) {
        const m = med(r);
        const peak = Math.max(...r.runs.map((x) => x.peak));
        lines.push(
          `| ${r.ours ? `**${r.tool}**` : r.tool} | ${m.toFixed(m < 1 ? 3 : 2)} | ±${spreadPct(r.runs.map((x) => x.seconds)).toFixed(0)}% | ${fmtRate(r, m)} | ${peak ? `${(peak / MiB).toFixed(0)} MiB` : '–'} | ${r.ours && best ? (best / m).toFixed(2) : ''} | ${r.ours && ceiling ? (med(ceiling) / m).toFixed(2) : ''} |`,
        );
      }
      lines.push('');
    }
  }
  if (ipcDelays.length) {
    lines.push(
      '## (i) event-loop delay of the IPC thread during transfers',
      '',
      "The services composed as in the desktop app (createMain, router, in-process transport) in the runner's own process, nothing else on its loop; `monitorEventLoopDelay` (5 ms resolution) while the transfer runs. Target: p99 ≤ 20 ms.",
      '',
      '| transfer | median s | p99 delay (median of rounds) | worst p99 | max delay | IPC loop busy | peak RSS | peak heap |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of [...new Set(ipcDelays.map((d) => d.scenario))]) {
      const ds = ipcDelays.filter((d) => d.scenario === s);
      lines.push(
        `| (${s}) ${ds[0].title} | ${median(ds.map((d) => d.seconds)).toFixed(2)} | ${median(ds.map((d) => d.p99)).toFixed(1)} ms | ${Math.max(...ds.map((d) => d.p99)).toFixed(1)} ms | ${Math.max(...ds.map((d) => d.max)).toFixed(0)} ms | ${median(ds.map((d) => d.busy)).toFixed(2)} s | ${Math.max(...ds.map((d) => d.rss)).toFixed(0)} MiB | ${Math.max(...ds.map((d) => d.heap)).toFixed(0)} MiB |`,
      );
    }
    lines.push('');
  }
  lines.push(...uiLines);
  if (!uiLines.length) {
    lines.push(
      '## Not measured in this run',
      '',
      '- UI at scale (100,000 and 1,000,000 rows; 100,000 queued transfers) is scenario (j), bench/ui-scale.ts: `BENCH_ONLY=j` (real Chromium; slow).',
      '',
    );
  }
  // What the numbers mean, the targets where they stand and the changes made for them are kept by
  // hand in bench/NOTES.md; a run writes its tables above them, so neither loses the other.
  if (!SMOKE && existsSync(NOTES)) lines.push(readFileSync(NOTES, 'utf8').trimEnd(), '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const b = startRgw();
  const work = await mkdtemp(join(tmpdir(), 'cosdesk-bench-'));
  const gw = await startCosGateway({
    port: 0,
    s3Endpoint: b.endpoint,
    users: [{ secretId: b.accessKey, secretKey: b.secretKey, uin: '100000000001' }],
  });
  const tag = `bench-${Date.now().toString(36)}`;
  const ctx: Ctx = { b, gw, bucket: tag, cosBucket: `${tag}c-${APPID}`, work };
  const s3 = createStorageClient(s3Account(b), { timeoutMs: 300_000 });
  const cos = createStorageClient(cosAccount(gw.port, b), { timeoutMs: 300_000 });
  try {
    await (await s3.request({ method: 'PUT', bucket: ctx.bucket })).body.dump();
    await (await cos.request({ method: 'PUT', bucket: ctx.cosBucket })).body.dump();
    log(`inputs in ${work}`);
    const inputs = await makeInputs(work);
    // The results file is written again after every stage: a run stopped part-way (a long run
    // on a busy machine) keeps what it measured, marked as partial.
    const save = async (partial: boolean): Promise<void> => {
      const text = await report(started);
      await mkdir(dirname(OUT), { recursive: true });
      writeFileSync(OUT, partial ? `${PARTIAL_NOTE}\n\n${text}` : text);
    };
    await transferScenarios(ctx, inputs, s3, cos, () => save(true));
    await save(true);
    await ipcScenario(ctx, inputs, s3);
    await save(true);
    await listScenario(ctx, s3);
    await linkScenario(ctx);
    await hashScenario();
    await save(true);
    if (want('j')) uiLines.push(...(await uiScale({ account: b, log })));
    await save(false);
    log(`results: ${OUT}`);
  } finally {
    for (const [c, bucket] of [
      [s3, ctx.bucket],
      [cos, ctx.cosBucket],
    ] as const) {
      await clearPrefix(c, bucket, '').catch(() => undefined);
      await c
        .request({ method: 'DELETE', bucket })
        .then((r) => r.body.dump())
        .catch(() => undefined);
      await c.close();
    }
    await gw.close();
    await rm(work, { recursive: true, force: true });
    b.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
