/**
 * What the reliability suites share: one dialect's stack with the fault proxy in front of RGW
 * (S3) or the in-process COS gateway (COS), a CLI data folder whose saved account talks through
 * the proxy, the built CLI run as a child process, and checks made straight on RGW, past the
 * proxy and past the code under test (sha256 of every object and file, leftover multipart
 * uploads, leftover temporary files).
 *
 * Every run is recorded as one JSON line in $RELIABILITY_OUT when set; scripts/reliability.mjs
 * turns those lines into test/RELIABILITY.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { ResolvedAccount } from '../../src-main/accounts/types';
import { StorageClient } from '../../src-main/storage/client';
import { list, text } from '../../src-main/storage/xml';
import { TransferEngine } from '../../src-main/transfers/engine';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy';
import {
  APPID,
  COS_REGION,
  cosAccount,
  rgwBucketName,
  rgwEnv,
  s3Account,
  uniqueBucket,
  type DialectName,
} from '../integration/storage/helpers';
import { dropBucket, startGateway } from '../integration/storage/stack';
import { randomFile, sha256File } from '../integration/transfers/harness';

export const MiB = 1024 * 1024;
/** The full reliability run (npm run test:reliability) rather than the CI subset. */
export const FULL = process.env.RELIABILITY_FULL === '1';
/** The base seed; every run's own seed is derived from it. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20261201);
const CLI = resolve('bin/cosdesk.js');
const CHILD = join(import.meta.dirname, 'queue-child.ts');

export interface RunRecord {
  suite: 'kill' | 'fault' | 'many';
  dialect: DialectName;
  name: string;
  seed: number;
  faults: Partial<Record<FaultKind, number>>;
  kills: number;
  bytesVerified: number;
  bytesLost: number;
  /** Runs whose exit code said something other than what happened. */
  wrongExit: boolean;
  /** Jobs that failed and were reported as failed: honest, not lost. */
  failedReported: number;
  exitCodes: number[];
  problems: string[];
}

export function record(r: RunRecord): void {
  const out = process.env.RELIABILITY_OUT;
  if (out) appendFileSync(out, JSON.stringify(r) + '\n');
}

/** A small seeded PRNG for sizes and kill points (the proxy's schedules use their own). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json?: Record<string, unknown>;
}

/** The built CLI as a child (never spawnSync: the proxy and the gateway live in this process). */
export function cli(
  home: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 180_000,
  onSpawn?: (child: ChildProcess) => void,
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, COSDESK_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  return collect(child, timeoutMs);
}

function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolvePromise) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolvePromise({ code, signal, stdout, stderr, json });
    }),
  );
}

/** The mixed queue in a child process of its own, to be killed: see queue-child.ts. */
export function queueChild(
  home: string,
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, COSDESK_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, done: collect(child, 300_000) };
}

/** One dialect through the fault proxy, with a bucket and a CLI data folder whose account "rel" uses the proxy. */
export async function reliabilityStack(dialect: DialectName) {
  const env = rgwEnv();
  const gateway = dialect === 'cos' ? await startGateway(env) : undefined;
  const upstream = gateway ? `http://127.0.0.1:${gateway.port}` : env.endpoint;
  const proxy: FaultProxy = await startFaultProxy(upstream, { dialect });
  const bucket = uniqueBucket(dialect);
  const rgwBucket = rgwBucketName(bucket);
  /** Straight to RGW: the checks do not go through the proxy or the gateway. */
  // Generous: a busy shared RGW must not fail a check (the checks are not what is tested).
  const direct = new StorageClient(s3Account(env.endpoint, env.ak, env.sk), {
    maxAttempts: 5,
    timeoutMs: 120_000,
  });
  await (await direct.request({ method: 'PUT', bucket: rgwBucket })).body.dump();
  /** This dialect's account past the proxy (the gateway for COS), for seeding objects. */
  const seedAccount: ResolvedAccount = gateway
    ? cosAccount(gateway.port, env.ak, env.sk)
    : s3Account(env.endpoint, env.ak, env.sk);
  const seedClient = new StorageClient(seedAccount, { maxAttempts: 5, timeoutMs: 120_000 });
  const dir = await mkdtemp(join(tmpdir(), `cosdesk-rel-${dialect}-`));
  const template = join(dir, 'home-template');
  await mkdir(template, { recursive: true });
  const addArgs =
    dialect === 'cos'
      ? [
          '--endpoint',
          `http://{bucket}.cos.{region}.localhost:${proxy.port}`,
          '--service-endpoint',
          `http://service.cos.localhost:${proxy.port}`,
          '--region',
          COS_REGION,
          'accounts',
          'add',
          '--kind',
          'cos',
          '--name',
          'rel',
          '--app-id',
          APPID,
          '--secret-id',
          env.ak,
        ]
      : [
          '--endpoint',
          proxy.url,
          '--region',
          'us-east-1',
          '--path-style',
          'accounts',
          'add',
          '--kind',
          's3',
          '--name',
          'rel',
          '--secret-id',
          env.ak,
        ];
  const added = await cli(template, addArgs, { COSDESK_SECRET_KEY: env.sk });
  if (added.code !== 0) throw new Error(`cosdesk accounts add failed: ${added.stderr}`);
  const scheme = dialect === 'cos' ? 'cos' : 's3';
  let homes = 0;

  const stack = {
    dialect,
    env,
    proxy,
    gateway,
    bucket,
    rgwBucket,
    direct,
    dir,
    /** `s3://bucket/key` or `cos://bucket/key`. */
    uri: (key: string) => `${scheme}://${bucket}/${key}`,
    /** A fresh data folder with the saved account and no transfers. */
    async newHome(): Promise<string> {
      const home = join(dir, `home-${++homes}`);
      await cp(template, home, { recursive: true });
      return home;
    },
    /** Uploads local files (relative names under `root`) to `prefix` with the product's engine, straight (no proxy). */
    async seed(root: string, prefix: string): Promise<void> {
      const engine = await TransferEngine.open({
        dir: join(dir, `seed-journal-${prefix.replace(/\W/g, '')}`),
        clientFor: async () => seedClient,
        threshold: 5 * MiB,
        partSize: 5 * MiB,
      });
      const files = await walk(root);
      await engine.add(
        await Promise.all(
          files.map(async (f) => {
            const st = await stat(join(root, f));
            return {
              kind: 'upload' as const,
              accountId: 'seed',
              bucket,
              key: prefix + f,
              localPath: join(root, f),
              size: st.size,
              mtimeMs: st.mtimeMs,
              onConflict: 'overwrite' as const,
            };
          }),
        ),
      );
      await engine.idle();
      const s = engine.summary();
      await engine.close();
      if (s.done !== files.length)
        throw new Error(`seeding ${prefix}: ${s.done} of ${files.length} uploaded`);
      for (const f of files) {
        if ((await objectSha(direct, rgwBucket, prefix + f)) !== (await sha256File(join(root, f))))
          throw new Error(`seeding ${prefix}${f}: the object differs from its file`);
      }
    },
    /** Multipart uploads left open in the bucket (by key). */
    async openUploads(): Promise<string[]> {
      const { doc } = await direct.requestXml({ method: 'GET', bucket: rgwBucket, query: { uploads: '' } });
      return list(doc['ListMultipartUploadsResult'], 'Upload').map((u) => text(u, 'Key') ?? '?');
    },
    /** Aborts every open multipart upload (after a run counted them). */
    async abortUploads(): Promise<void> {
      const { doc } = await direct.requestXml({ method: 'GET', bucket: rgwBucket, query: { uploads: '' } });
      for (const u of list(doc['ListMultipartUploadsResult'], 'Upload')) {
        await (
          await direct
            .request({
              method: 'DELETE',
              bucket: rgwBucket,
              key: text(u, 'Key') ?? '',
              query: { uploadId: text(u, 'UploadId') ?? '' },
            })
            .catch(() => undefined)
        )?.body.dump();
      }
    },
    /** Every key under `prefix`. */
    keys: (prefix: string) => listKeys(direct, rgwBucket, prefix),
    /** Deletes every object under `prefix` (RGW memory is finite). */
    async removePrefix(prefix: string): Promise<void> {
      for (const key of await listKeys(direct, rgwBucket, prefix))
        await (await direct.request({ method: 'DELETE', bucket: rgwBucket, key })).body.dump();
    },
    async close() {
      await dropBucket(env.endpoint, env.ak, env.sk, rgwBucket);
      // Bounded: the COS gateway's close() waits for every request it forwards to RGW, and one
      // whose client was reset mid-body can stay pending for good.
      await bounded(direct.close());
      await bounded(seedClient.close());
      await bounded(proxy.close());
      await bounded(gateway?.close());
      await rm(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
export type ReliabilityStack = Awaited<ReturnType<typeof reliabilityStack>>;

function bounded(p: Promise<unknown> | undefined, ms = 10_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p?.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]).finally(
    () => clearTimeout(timer),
  );
}

/** Files under `root`, as relative paths with `/`. */
export async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else out.push(relative(root, p).split('\\').join('/'));
    }
  };
  await visit(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  return out.sort();
}

export async function listKeys(client: StorageClient, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const { doc } = await client.requestXml({
      method: 'GET',
      bucket,
      query: { prefix, 'encoding-type': 'url', ...(marker ? { marker } : {}) },
    });
    const r = doc['ListBucketResult'];
    const page = list(r, 'Contents').map((c) => decodeURIComponent(text(c, 'Key') ?? ''));
    keys.push(...page);
    if (text(r, 'IsTruncated') !== 'true' || page.length === 0) return keys;
    marker = page.at(-1);
  }
}

/** sha256 of an object's bytes read straight from RGW; undefined when it does not exist. */
export async function objectSha(
  client: StorageClient,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  const res = await client.request({ method: 'GET', bucket, key }).catch(() => undefined);
  if (!res) return undefined;
  const h = createHash('sha256');
  for await (const c of res.body) h.update(c as Buffer);
  return h.digest('hex');
}

export interface Source {
  rel: string;
  size: number;
  sha: string;
}

/**
 * A local tree of mixed sizes for one run: a multipart file (over the engine's 16 MiB
 * threshold), a few MiB file, small files, an empty file and a folder of many small files.
 */
export async function mixedTree(
  root: string,
  seed: number,
  o: { multipart?: boolean; smallFiles?: number } = {},
): Promise<Source[]> {
  const r = rng(seed);
  await mkdir(join(root, 'small'), { recursive: true });
  const files: Array<[string, number]> = [
    ['mid.bin', 2 * MiB + Math.floor(r() * MiB)],
    ['tiny.txt', 1 + Math.floor(r() * 4096)],
    ['empty.txt', 0],
  ];
  if (o.multipart !== false) files.push(['big.bin', 16 * MiB + 1 + Math.floor(r() * 2 * MiB)]);
  for (let i = 0; i < (o.smallFiles ?? 24); i++) files.push([`small/f${i}.txt`, 1 + Math.floor(r() * 3000)]);
  const out: Source[] = [];
  for (const [rel, size] of files) {
    const p = join(root, rel);
    if (size > 64 * 1024) await randomFile(p, size, seed * 31 + size);
    else await writeFile(p, Buffer.from(Array.from({ length: size }, () => 32 + Math.floor(r() * 90))));
    out.push({ rel, size, sha: await sha256File(p) });
  }
  return out;
}

export interface Verdict {
  bytesVerified: number;
  /** Destinations the tool did not report failed, yet missing or different from their source. */
  bytesLost: number;
  /** Destinations missing or different whose job was reported failed. */
  failedReported: number;
  problems: string[];
}

/** Does `text` name this destination (by key or file path)? */
function names(textOut: string, ...ids: string[]): boolean {
  return ids.some((id) => textOut.includes(id));
}

/** Uploaded objects under `prefix` against their sources; `reported` is the CLI's output (failed jobs are named there). */
export async function verifyUploads(
  s: ReliabilityStack,
  sources: Source[],
  prefix: string,
  reported: string,
): Promise<Verdict> {
  const v: Verdict = { bytesVerified: 0, bytesLost: 0, failedReported: 0, problems: [] };
  for (const f of sources) {
    const key = prefix + f.rel;
    const got = await objectSha(s.direct, s.rgwBucket, key);
    if (got === f.sha) v.bytesVerified += f.size;
    else if (names(reported, key)) {
      v.failedReported++;
      if (got !== undefined) v.problems.push(`${key}: a failed upload left a wrong object at the final key`);
    } else {
      v.bytesLost += Math.max(1, f.size);
      v.problems.push(`${key}: ${got === undefined ? 'missing' : 'different bytes'} and not reported failed`);
    }
  }
  const expected = new Set(sources.map((f) => prefix + f.rel));
  for (const k of await s.keys(prefix))
    if (!expected.has(k)) v.problems.push(`${k}: an object nobody uploaded`);
  return v;
}

/** Downloaded files in `localDir` (relative names) against the sources they came from. */
export async function verifyDownloads(
  localDir: string,
  sources: Source[],
  reported: string,
): Promise<Verdict> {
  const v: Verdict = { bytesVerified: 0, bytesLost: 0, failedReported: 0, problems: [] };
  for (const f of sources) {
    const p = join(localDir, f.rel);
    const got = await sha256File(p).catch(() => undefined);
    if (got === f.sha) v.bytesVerified += f.size;
    else if (names(reported, f.rel, p)) {
      v.failedReported++;
      if (got !== undefined) v.problems.push(`${p}: a failed download left a partial file at the final name`);
    } else {
      v.bytesLost += Math.max(1, f.size);
      const size = await stat(p).then(
        (st) => st.size,
        () => undefined,
      );
      v.problems.push(
        `${p}: ${got === undefined ? 'missing' : `different bytes (${size} bytes, source ${f.size})`} and not reported failed`,
      );
    }
  }
  const expected = new Set(sources.map((f) => f.rel));
  for (const rel of await walk(localDir))
    if (!expected.has(rel)) v.problems.push(`${join(localDir, rel)}: a leftover file (temporary or partial)`);
  return v;
}

export function merge(...vs: Verdict[]): Verdict {
  return {
    bytesVerified: vs.reduce((a, v) => a + v.bytesVerified, 0),
    bytesLost: vs.reduce((a, v) => a + v.bytesLost, 0),
    failedReported: vs.reduce((a, v) => a + v.failedReported, 0),
    problems: vs.flatMap((v) => v.problems),
  };
}

/**
 * The exit code tells the truth: 0 exactly when every destination is verified. (That each
 * failed one is named is checked by the verdict: an unnamed bad destination is a lost one.)
 */
export function exitIsHonest(code: number | null, v: Verdict): boolean {
  const allGood = v.bytesLost === 0 && v.failedReported === 0;
  return (code === 0) === allGood;
}
