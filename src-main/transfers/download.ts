import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { VERIFICATIONS, type Verification } from '../../src-shared/contract';
import { Crc64, crc64CombineAll } from '../storage/crc64';
import { StorageError } from '../storage/errors';
import { releaseRead } from '../storage/read-slabs';
import type { HttpResponse } from '../storage/http';
import { etagIsOpaque, getObject, headObjectDetail, propertiesFromHeaders } from '../storage/ops/objects';
import type { BucketLoc } from '../storage/ops/types';
import {
  guessLayouts,
  hashRange,
  IntegrityError,
  layoutEtagsOfFile,
  md5AndCrc,
  multipartEtag,
  multipartEtagParts,
  PartHasher,
  uniformLayout,
} from './hash';
import { ConflictPending, isRetryable, Skipped, withRetries, type Job, type RunContext } from './job';
import { choosePartSize } from './multipart';
import { localWriteError } from './local-file';
import { md5OfFileRange } from './range-md5';
import { hashPool, type Algos, type Digests, type StreamHash } from './workers/pool';
import { keepBothName } from './safe-path';

export const PART_SUFFIX = '.cosdesk-part';
/** A `.cosdesk-part` file holds the user's data before it is checked: only the user reads it. */
const PART_MODE = 0o600;

interface Remote {
  size: number;
  /** Lower case, unquoted; '' when the server sent none. */
  etag: string;
  crc64?: string;
  /** Stored with SSE-KMS / SSE-C: the ETag says nothing about the bytes. */
  opaque: boolean;
}

export async function runDownload(ctx: RunContext, job: Job): Promise<'done' | 'skipped'> {
  try {
    return await download(ctx, job);
  } catch (e) {
    // A full disk, a quota, a read-only or forbidden folder: say so, and leave no partial file.
    const local = localWriteError(job.rec.localPath, e);
    if (!local) throw e;
    await rm(partPath(job), { force: true }).catch(() => undefined);
    job.chunks.clear();
    throw local;
  }
}

async function download(ctx: RunContext, job: Job): Promise<'done' | 'skipped'> {
  job.verified = undefined;
  const loc: DownloadLoc = { bucket: job.rec.bucket, region: job.rec.region, versionId: job.rec.versionId };
  // A small object not started before: one GET, no HEAD (anything unusual takes the path below).
  if (job.chunks.size === 0 && job.rec.size > 0 && job.rec.size <= QUICK_MAX) {
    const fh = await createPart(job);
    if (fh && (await quick(ctx, job, loc, fh))) return 'done';
  }
  await mkdir(dirname(job.rec.localPath), { recursive: true });
  const fresh = job.chunks.size === 0 && !(await exists(partPath(job)));
  if (fresh && ctx.policy !== 'overwrite' && (await exists(job.rec.localPath))) {
    if (ctx.policy === 'ask') throw new ConflictPending();
    if (ctx.policy === 'skip') throw new Skipped();
    const dir = dirname(job.rec.localPath);
    const name = await keepBothName(basename(job.rec.localPath), (n) => exists(join(dir, n)));
    job.rec = { ...job.rec, localPath: join(dir, name) };
    await ctx.journal.append({
      t: 'retarget',
      id: job.rec.id,
      key: job.rec.key,
      localPath: job.rec.localPath,
    });
  }
  let verified: Verification;
  for (let restart = 0; ; restart++) {
    try {
      verified = await attempt(ctx, job, loc);
      break;
    } catch (e) {
      if (!(e instanceof ObjectChanged)) throw e;
      // What arrived belongs to another version of the object (or the server contradicts
      // itself): nothing of it is kept. Start over from a fresh HEAD, a bounded number of times.
      await startOver(ctx, job);
      if (restart >= RESTARTS || ctx.signal.aborted) throw e;
    }
  }
  // Private (0600) while it fills; a finished file gets the mode any new file of the user gets.
  await chmod(partPath(job), 0o666 & ~process.umask());
  await rename(partPath(job), job.rec.localPath);
  job.verified = verified;
  return 'done';
}

/**
 * Objects listed at up to this size take `quick` (one GET; over plain http on a connection of
 * its own); the answer's body is dumped, and the full path taken, when the object turns out
 * larger.
 */
const QUICK_MAX = 1 << 20;

/**
 * The `.part` file, made new (private): undefined when one is already there (a download to
 * resume). The folder is made only when it is missing: one call per file, not two.
 */
async function createPart(job: Job): Promise<FileHandle | undefined> {
  const path = partPath(job);
  for (let made = false; ; made = true) {
    try {
      return await open(path, 'wx', PART_MODE);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return undefined;
      // A missing folder is made; a file in the way fails as the mkdir of the full path does.
      if (made || (code !== 'ENOENT' && code !== 'ENOTDIR')) throw e;
      await mkdir(dirname(path), { recursive: true });
    }
  }
}

/**
 * A small object in one GET, with no HEAD first: what the HEAD would say (size, ETag, CRC-64,
 * encryption) comes with the GET's answer, and the bytes are checked against it as the full
 * path checks them. False (the `.part` file removed, nothing counted) when the full path has
 * to take over: the destination exists and the policy is not overwrite, the object is large
 * or a multipart one whose layout needs HEADs, the check failed (the full path reads it again
 * and tells a bad transfer from a bad object), or a failure worth another go. A part file
 * made here is resumed only once its ETag is in the journal (see attempt).
 */
async function quick(ctx: RunContext, job: Job, loc: DownloadLoc, fh: FileHandle): Promise<boolean> {
  let verified: Verification | undefined;
  try {
    if (ctx.policy === 'overwrite' || !(await exists(job.rec.localPath)))
      verified = await ctx.limiter.run(() => quickFetch(ctx, job, loc, fh));
  } catch (e) {
    if (ctx.signal.aborted || !isRetryable(e)) {
      await fh.close().catch(() => undefined);
      await rm(partPath(job), { force: true });
      throw e;
    }
  }
  await fh.close();
  if (verified === undefined) {
    await rm(partPath(job), { force: true });
    return false;
  }
  await chmod(partPath(job), 0o666 & ~process.umask());
  await rename(partPath(job), job.rec.localPath);
  job.verified = verified;
  return true;
}

async function quickFetch(
  ctx: RunContext,
  job: Job,
  loc: DownloadLoc,
  fh: FileHandle,
): Promise<Verification | undefined> {
  const key = job.rec.key;
  const res = await getObject(ctx.client, loc, key, {
    versionId: loc.versionId,
    signal: ctx.signal,
    // Over plain http a new connection for each: on a kept one RGW's answer waits for a
    // delayed ACK. Over https the kept connections (see StorageRequest.closeAfter).
    closeAfter: QUICK_MAX,
  });
  const h = res.headers;
  // What head() makes of a HEAD, from the same headers.
  const props = propertiesFromHeaders(key, h, ctx.client.dialect.headerPrefix);
  const size = h['content-length'] !== undefined ? props.size : NaN;
  const remote: Remote = {
    size,
    etag: (props.etag ?? '').toLowerCase(),
    crc64: props.crc64,
    opaque: etagIsOpaque(h),
  };
  const plan =
    res.status === 200 && Number.isSafeInteger(size) && size >= 0 && size <= QUICK_MAX
      ? planWithoutRequests(ctx, remote)
      : undefined;
  if (!plan) {
    await res.body.dump().catch(() => undefined);
    return undefined;
  }
  if (job.rec.etag !== remote.etag || job.rec.size !== remote.size) {
    job.rec = { ...job.rec, etag: remote.etag, size: remote.size };
    // Not awaited: until it is on disk the part file is not resumed, only made again.
    void ctx.journal.appendSoon({ t: 'job', job: job.rec }).catch(() => undefined);
  }
  const digest = new Digest(plan, size);
  const got = { bytes: 0 };
  try {
    await intoFile(ctx, fh, 0, digest, got, (sink) => readBody(ctx, key, res.body, size, sink));
  } catch (e) {
    digest.drop();
    ctx.progress(-got.bytes);
    throw e;
  }
  if (digest.matches(remote)) return plan.method;
  ctx.progress(-got.bytes);
  return undefined;
}

/**
 * One GET's body (`fetch` streams it to the sink it is given) written into `fh` from `at`, in
 * 1 MiB batches, through `digest` and the progress (`got` counts what was counted, for the
 * caller to take back on an error); then the file synced and the digest finished. Without
 * `fetch` (nothing left to fetch) only the last two.
 */
async function intoFile(
  ctx: RunContext,
  fh: FileHandle,
  at: number,
  digest: Digest,
  got: { bytes: number },
  fetch: ((sink: (c: Buffer) => Promise<void> | undefined) => Promise<unknown>) | undefined,
): Promise<void> {
  if (fetch) {
    const out = new BatchedWriter(fh, at);
    await fetch((c) => {
      got.bytes += c.length;
      digest.update(c);
      ctx.progress(c.length);
      return out.add(c);
    });
    await out.flush();
  }
  await Promise.all([fh.sync(), digest.finish()]);
}

/** Fresh starts after the object changed under a download, before the job fails. */
const RESTARTS = 2;
/** Reads of one object whose check failed, before the job fails (each re-fetches only what differed). */
const ROUNDS = 3;

/**
 * The object changed while it was downloading, or the server contradicts itself about it
 * (a HEAD and a GET disagree on its size): the bytes so far cannot be trusted.
 */
export class ObjectChanged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectChanged';
  }
}

/** How the bytes of this object can be checked, decided from its HEAD. */
type Plan =
  | { method: 'crc64' | 'md5' | 'size-only' }
  | {
      method: 'multipart-etag';
      /** Part sizes the object may have been uploaded with, most likely first; ranges follow the first. */
      layouts: number[][];
      /** The layout came from the server, part by part (not a guess). */
      exact: boolean;
      /** The exact layout, part by part (HEAD ?partNumber=k), when the server answers those. */
      refine?: () => Promise<number[] | undefined>;
    };

async function attempt(ctx: RunContext, job: Job, loc: BucketLoc): Promise<Verification> {
  const remote = await head(ctx, loc, job.rec.key);
  if (job.rec.etag !== remote.etag) {
    // The object changed since the first bytes arrived: they belong to another version. Or
    // its ETag was never journaled (a crash right after `quick` began): not resumed either.
    await rm(partPath(job), { force: true });
    job.chunks.clear();
  }
  if (job.rec.etag !== remote.etag || job.rec.size !== remote.size) {
    job.rec = { ...job.rec, etag: remote.etag, size: remote.size };
    await ctx.journal.append({ t: 'job', job: job.rec });
    job.chunks.clear();
  }
  const plan = await planFor(ctx, loc, job.rec.key, remote);
  if (remote.size < ctx.threshold || remote.size === 0) return sequential(ctx, job, loc, remote, plan);
  return ranged(ctx, job, loc, remote, plan);
}

async function startOver(ctx: RunContext, job: Job): Promise<void> {
  await rm(partPath(job), { force: true });
  job.chunks.clear();
  // A job record resets the journaled chunks: a crash now must not resume the old ones.
  await ctx.journal.append({ t: 'job', job: job.rec });
}

const partPath = (job: Job) => job.rec.localPath + PART_SUFFIX;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A bucket, and the version of the object when the job downloads one (`?versionId=`). */
type DownloadLoc = BucketLoc & { versionId?: string };

async function head(ctx: RunContext, loc: DownloadLoc, key: string): Promise<Remote> {
  const h = await withRetries(ctx.signal, () =>
    headObjectDetail(ctx.client, loc, key, { signal: ctx.signal, versionId: loc.versionId }),
  );
  return {
    size: h.props.size,
    etag: (h.props.etag ?? '').toLowerCase(),
    crc64: h.props.crc64,
    opaque: etagIsOpaque(h.headers),
  };
}

/** The plan when it needs no request; undefined for a multipart ETag of several parts. */
function planWithoutRequests(ctx: RunContext, remote: Remote): Plan | undefined {
  // COS: the CRC-64 the server keeps for every object; an object without one is size-checked only.
  if (ctx.client.dialect.kind === 'cos') return { method: remote.crc64 ? 'crc64' : 'size-only' };
  // SSE-KMS / SSE-C: the ETag is not an MD5 of the bytes.
  if (remote.opaque) return { method: 'size-only' };
  if (/^[0-9a-f]{32}$/.test(remote.etag)) return { method: 'md5' };
  const parts = multipartEtagParts(remote.etag);
  if (parts === undefined) return { method: 'size-only' };
  if (parts === 1) return { method: 'multipart-etag', layouts: [[remote.size]], exact: true };
  return undefined;
}

async function planFor(ctx: RunContext, loc: BucketLoc, key: string, remote: Remote): Promise<Plan> {
  const simple = planWithoutRequests(ctx, remote);
  if (simple) return simple;
  const parts = multipartEtagParts(remote.etag)!;
  const size = remote.size;
  const p1 = await headPart(ctx, loc, key, remote, parts, 1);
  if (p1 === undefined) {
    const preferred = [choosePartSize(size, ctx.partSize), ctx.partSize];
    const layouts = guessLayouts(size, parts, preferred);
    return layouts.length ? { method: 'multipart-etag', layouts, exact: false } : { method: 'size-only' };
  }
  const byPart = () => layoutByParts(ctx, loc, key, remote, parts);
  const uniform = uniformLayout(size, p1);
  if (uniform && uniform.length === parts) {
    return { method: 'multipart-etag', layouts: [uniform], exact: false, refine: byPart };
  }
  const sizes = await byPart();
  return sizes ? { method: 'multipart-etag', layouts: [sizes], exact: true } : { method: 'size-only' };
}

/**
 * A part's length from HEAD ?partNumber=k, when the server answers for the part (S3: 206,
 * Content-Range, x-amz-mp-parts-count); undefined when it answers for the whole object (RGW 16)
 * or refuses.
 */
async function headPart(
  ctx: RunContext,
  loc: DownloadLoc,
  key: string,
  remote: Remote,
  parts: number,
  k: number,
): Promise<number | undefined> {
  let h;
  try {
    h = await withRetries(ctx.signal, () =>
      headObjectDetail(ctx.client, loc, key, { partNumber: k, signal: ctx.signal, versionId: loc.versionId }),
    );
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return undefined;
  }
  const count = h.headers['x-amz-mp-parts-count'];
  const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(h.headers['content-range'] ?? '');
  if (h.status !== 206 && !cr && count === undefined) return undefined;
  if (h.props.etag !== undefined && h.props.etag.toLowerCase() !== remote.etag)
    throw new ObjectChanged(`${key} changed while it was downloading (its ETag is now ${h.props.etag})`);
  if (cr && Number(cr[3]) !== remote.size) throw new ObjectChanged(sizeMessage(key, cr[3], remote.size));
  if (count !== undefined && Number(count) !== parts) return undefined;
  const len = h.props.size;
  return len > 0 && len <= remote.size ? len : undefined;
}

/** Every part's length by its own HEAD; undefined unless they add up to the object. */
async function layoutByParts(
  ctx: RunContext,
  loc: BucketLoc,
  key: string,
  remote: Remote,
  parts: number,
): Promise<number[] | undefined> {
  const sizes = await Promise.all(
    Array.from({ length: parts }, (_, i) =>
      ctx.limiter.run(() => headPart(ctx, loc, key, remote, parts, i + 1)),
    ),
  );
  if (sizes.some((s) => s === undefined)) return undefined;
  const total = (sizes as number[]).reduce((a, b) => a + b, 0);
  return total === remote.size ? (sizes as number[]) : undefined;
}

function sizeMessage(key: string, got: number | string, size: number): string {
  return (
    `${key}: the server now reports ${got} bytes for an object its HEAD said has ${size} bytes. ` +
    'The object changed while it was downloading, or the server (or a proxy) misreports its size; ' +
    'nothing was kept. Try again.'
  );
}

function stableMessage(key: string, plan: Plan): string {
  const what = plan.method === 'crc64' ? 'CRC-64' : 'ETag';
  return (
    `${key}: two downloads agree with each other but not with the object's ${what}: the stored ` +
    'object may be damaged. Nothing was kept.'
  );
}

/**
 * Checks one answer to a GET against the HEAD: same version, and exactly the bytes asked for
 * (Content-Range `a-b/total` with total = the size, Content-Length = the range's length).
 */
function checkAnswer(
  res: HttpResponse,
  key: string,
  remote: Remote,
  range?: { start: number; end: number },
): void {
  const h = res.headers;
  const etag = h['etag'] ? h['etag'].replace(/"/g, '').toLowerCase() : undefined;
  if (etag && remote.etag && etag !== remote.etag)
    throw new ObjectChanged(`${key} changed while it was downloading (its ETag is now ${etag})`);
  const crc = h['x-cos-hash-crc64ecma'];
  if (crc && remote.crc64 && crc !== remote.crc64)
    throw new ObjectChanged(`${key} changed while it was downloading (its CRC-64 is now ${crc})`);
  const len = h['content-length'] !== undefined ? Number(h['content-length']) : undefined;
  const whole = !range || (range.start === 0 && range.end === remote.size - 1);
  if (res.status === 200) {
    if (!whole) {
      throw new IntegrityError(
        `${key}: asked for bytes ${range!.start}-${range!.end}, the server sent the whole object`,
      );
    }
    if (len !== undefined && len !== remote.size) throw new ObjectChanged(sizeMessage(key, len, remote.size));
    return;
  }
  if (res.status !== 206 || !range)
    throw new IntegrityError(`${key}: unexpected answer ${res.status} to a download`);
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(h['content-range'] ?? '');
  if (!m) {
    throw new IntegrityError(
      `${key}: the server answered bytes ${range.start}-${range.end} without a valid Content-Range (${h['content-range'] ?? 'none'})`,
    );
  }
  if (m[3] === '*' || Number(m[3]) !== remote.size)
    throw new ObjectChanged(sizeMessage(key, m[3], remote.size));
  if (Number(m[1]) !== range.start || Number(m[2]) !== range.end) {
    throw new IntegrityError(
      `${key}: asked for bytes ${range.start}-${range.end}, the server sent bytes ${m[1]}-${m[2]}`,
    );
  }
  const want = range.end - range.start + 1;
  if (len !== undefined && len !== want)
    throw new IntegrityError(`${key}: bytes ${range.start}-${range.end} announced as ${len} bytes`);
}

/**
 * Streams exactly `expected` bytes of a body to `sink`, through the throttle: a body that
 * ends early or goes on beyond what was promised is an IntegrityError, never silently cut.
 * The body flows chunk by chunk as it arrives ('data'), paused while the sink or the throttle
 * waits: an async iterator's `read()` would join the chunks buffered meanwhile into a new
 * buffer, a copy of those bytes for nothing.
 */
function readBody(
  ctx: RunContext,
  key: string,
  body: Readable,
  expected: number,
  sink: (c: Buffer, offset: number) => Promise<void> | void,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let got = 0;
    let ended = false;
    let settled = false;
    /** The sink's (or the throttle's) wait for the last chunk, while the body is paused. */
    let waiting: Promise<void> | undefined;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      // As leaving a for-await loop does: the rest of the answer is not read.
      body.destroy();
      reject(e);
    };
    const throttled = async (c: Buffer, at: number) => {
      await ctx.throttle.take(c.length);
      await sink(c, at);
    };
    body.on('data', (c: Buffer) => {
      if (settled) return;
      if (got + c.length > expected) {
        fail(new IntegrityError(`${key}: the server sent more than the ${expected} bytes it announced`));
        return;
      }
      const at = got;
      got += c.length;
      let w: Promise<void> | void;
      try {
        w = ctx.throttle.bytesPerSecond > 0 ? throttled(c, at) : sink(c, at);
      } catch (e) {
        fail(e);
        return;
      }
      if (!w) return;
      body.pause();
      const p = w.then(() => {
        if (waiting === p) waiting = undefined;
        if (!settled) body.resume();
      }, fail);
      waiting = p;
    });
    body.on('error', fail);
    body.on('end', () => {
      ended = true;
      // The last chunk's sink may still be writing.
      void Promise.resolve(waiting).then(() => {
        if (settled) return;
        if (got !== expected) {
          fail(new IntegrityError(`${key}: got ${got} of ${expected} bytes`));
          return;
        }
        settled = true;
        resolve(got);
      });
    });
    body.on('close', () => {
      if (!ended) fail(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

/** One GET of `[start, end]`, checked, its body streamed to `sink`. */
async function fetchRange(
  ctx: RunContext,
  loc: DownloadLoc,
  key: string,
  remote: Remote,
  range: { start: number; end: number } | undefined,
  sink: (c: Buffer, offset: number) => Promise<void> | void,
): Promise<number> {
  const res = await getObject(ctx.client, loc, key, {
    range: range ? `bytes=${range.start}-${range.end}` : undefined,
    versionId: loc.versionId,
    signal: ctx.signal,
  });
  try {
    checkAnswer(res, key, remote, range);
  } catch (e) {
    await res.body.dump().catch(() => undefined);
    throw e;
  }
  const from = range?.start ?? 0;
  const to = range?.end ?? remote.size - 1;
  return readBody(ctx, key, res.body, to - from + 1, sink);
}

/**
 * What the bytes of one whole read give, for each way the plan may check them: only the
 * hashes the plan needs (a CRC-64 for COS, MD5s for S3), nothing on a size-only plan. An
 * object of WORKER_DIGEST bytes or more is hashed by the worker pool (the bytes are copied
 * over in 1 MiB pieces): the thread that reads the sockets and serves IPC only copies. A
 * smaller one is hashed here, where it costs less than a round trip to a worker.
 */
class Digest {
  private readonly crc: Crc64 | undefined;
  private readonly md5: Hash | undefined;
  private readonly parts: PartHasher[];
  private readonly stream: StreamHash | undefined;
  private worked: Digests | undefined;
  private md5Hex: string | undefined;

  constructor(
    private readonly plan: Plan,
    size: number,
  ) {
    const inWorker = size >= WORKER_DIGEST && plan.method !== 'size-only';
    this.stream = inWorker ? hashPool().stream(algosFor(plan)) : undefined;
    this.crc = !inWorker && plan.method === 'crc64' ? new Crc64() : undefined;
    this.md5 = !inWorker && plan.method === 'md5' ? createHash('md5') : undefined;
    this.parts =
      !inWorker && plan.method === 'multipart-etag' ? plan.layouts.map((l) => new PartHasher(l)) : [];
  }

  update(c: Buffer): void {
    if (this.stream) {
      this.stream.update(c);
      return;
    }
    this.crc?.update(c);
    this.md5?.update(c);
    for (const p of this.parts) p.update(c);
  }

  /** All bytes went in: the worker's answer (call before fingerprint and matches). */
  async finish(): Promise<void> {
    if (this.stream && !this.worked) this.worked = await this.stream.digest();
  }

  /** Gives up on these bytes (an error path): the worker forgets them. */
  drop(): void {
    if (!this.worked) this.stream?.drop();
  }

  /** Names these bytes, to tell whether two reads gave the same ones (once all went in). */
  fingerprint(): string {
    if (this.worked) {
      const w = this.worked;
      return (
        (this.plan.method === 'crc64' ? w.crc64 : this.plan.method === 'md5' ? w.md5 : w.etags?.join(' ')) ??
        ''
      );
    }
    if (this.crc) return this.crc.digestDecimal();
    if (this.md5) return (this.md5Hex ??= this.md5.digest('hex'));
    return this.parts.map((p) => p.etag() ?? p.md5s.join(',')).join(' ');
  }

  matches(remote: Remote): boolean {
    switch (this.plan.method) {
      case 'crc64':
        return this.fingerprint() === remote.crc64;
      case 'md5':
        return this.fingerprint() === remote.etag;
      case 'multipart-etag':
        return this.worked
          ? (this.worked.etags ?? []).includes(remote.etag)
          : this.parts.some((p) => p.etag() === remote.etag);
      default:
        return true;
    }
  }
}

/** Objects this large are hashed by the worker pool (see Digest). */
const WORKER_DIGEST = 1 << 20;

function algosFor(plan: Plan): Algos {
  if (plan.method === 'crc64') return { crc64: true };
  if (plan.method === 'md5') return { md5: true };
  return plan.method === 'multipart-etag' ? { layouts: plan.layouts } : {};
}

/**
 * The check failed but a second read gave the same bytes: the object itself does not match
 * what its checksum promises. Fine only when the layout was a guess (then: size-checked only)
 * or the exact layout, asked part by part, does match.
 */
async function afterStableMismatch(
  plan: Plan,
  remote: Remote,
  path: string,
): Promise<Verification | undefined> {
  if (plan.method !== 'multipart-etag' || plan.exact) return undefined;
  if (!plan.refine) return 'size-only';
  const sizes = await plan.refine();
  if (!sizes) return 'size-only';
  const [etag] = await layoutEtagsOfFile(path, remote.size, [sizes]);
  return etag === remote.etag ? 'multipart-etag' : undefined;
}

/** Small objects: one GET, resumed by Range from what the `.part` file already holds. */
async function sequential(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  remote: Remote,
  plan: Plan,
): Promise<Verification> {
  const path = partPath(job);
  const key = job.rec.key;
  for (let round = 1; ; round++) {
    const got = await withRetries(ctx.signal, () =>
      ctx.limiter.run(() => fetchWhole(ctx, job, loc, remote, plan)),
    );
    if (got.ok) return plan.method;
    // The transfer or the object? Read it again (hashing only) and compare.
    const again = await withRetries(ctx.signal, () =>
      ctx.limiter.run(async () => {
        const d = new Digest(plan, remote.size);
        try {
          await fetchRange(ctx, loc, key, remote, undefined, (c) => {
            d.update(c);
          });
          await d.finish();
        } catch (e) {
          d.drop();
          throw e;
        }
        return d.fingerprint();
      }),
    );
    if (again === got.crc) {
      const v = await afterStableMismatch(plan, remote, path);
      if (v) return v;
      await rm(path, { force: true });
      throw new IntegrityError(stableMessage(key, plan));
    }
    ctx.progress(-remote.size);
    await rm(path, { force: true });
    if (round >= ROUNDS)
      throw new IntegrityError(
        `${key}: the download did not match the object's checksum after ${round} tries`,
      );
  }
}

async function fetchWhole(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  remote: Remote,
  plan: Plan,
): Promise<{ ok: boolean; crc: string }> {
  const path = partPath(job);
  let have = (await stat(path).catch(() => undefined))?.size ?? 0;
  if (have > remote.size) have = 0;
  const digest = new Digest(plan, remote.size);
  const got = { bytes: 0 };
  let fh: FileHandle | undefined;
  try {
    // Resuming: the digests have to cover the bytes already on disk too.
    if (have > 0) {
      for await (const c of createReadStream(path, { start: 0, end: have - 1, highWaterMark: 1 << 20 }))
        digest.update(c as Buffer);
    }
    fh = await open(path, have > 0 ? 'r+' : 'w', PART_MODE);
    ctx.progress(have);
    const range = have > 0 ? { start: have, end: remote.size - 1 } : undefined;
    const more = have < remote.size || remote.size === 0;
    await intoFile(
      ctx,
      fh,
      have,
      digest,
      got,
      more ? (sink) => fetchRange(ctx, loc, job.rec.key, remote, range, sink) : undefined,
    );
  } catch (e) {
    digest.drop();
    if (fh) ctx.progress(-(have + got.bytes));
    // Whatever was wrong with this answer, the next try starts from the first byte.
    if (e instanceof IntegrityError || e instanceof ObjectChanged) await rm(path, { force: true });
    throw e;
  } finally {
    await fh?.close();
  }
  return { ok: digest.matches(remote), crc: digest.fingerprint() };
}

export interface Range {
  start: number;
  len: number;
}

/** Parts much larger than our chunks are fetched in chunks (in parallel) and hashed from disk. */
const MAX_PART_CHUNKS = 4;

function rangesFor(plan: Plan, size: number, partSize: number): Range[] {
  const chunk = choosePartSize(size, partSize);
  const sizes =
    plan.method === 'multipart-etag' && Math.max(...plan.layouts[0]) <= MAX_PART_CHUNKS * chunk
      ? plan.layouts[0]
      : (uniformLayout(size, chunk) ?? []);
  const out: Range[] = [];
  let start = 0;
  for (const len of sizes) {
    out.push({ start, len });
    start += len;
  }
  return out;
}

/**
 * Large objects: chunks fetched into their places in the `.part` file by a few streams in
 * parallel (fetchChunks). For a multipart S3 object the chunks follow its parts, so each
 * chunk's MD5 is a part's MD5.
 */
async function ranged(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  remote: Remote,
  plan: Plan,
): Promise<Verification> {
  const path = partPath(job);
  const key = job.rec.key;
  const ranges = rangesFor(plan, remote.size, ctx.partSize);
  const md5s = new Map<number, string>();
  if (job.chunks.size > 0 && !(await exists(path))) job.chunks.clear();
  const fh = await open(path, (await exists(path)) ? 'r+' : 'w', PART_MODE);
  let outcome: Verification | string;
  try {
    // Chunks of an earlier run count only if the disk still holds what arrived then.
    for (const [n, c] of [...job.chunks]) {
      const r = ranges[n];
      const md5 = md5Digest(c.crc);
      let ok = false;
      // CRC-64 records (COS; S3 by older versions) hold for any plan, MD5 ones for S3 plans.
      if (r && r.len === c.size && (md5 === undefined || chunkDigest(plan) === 'md5')) {
        if (md5 !== undefined) {
          ok = (await md5OfFileRange(path, r.start, r.len)) === md5;
          if (ok) md5s.set(n, md5);
        } else {
          const disk = await md5AndCrc(path, r.start, r.len);
          ok = disk.crc === c.crc;
          if (ok) md5s.set(n, disk.md5);
        }
      }
      if (ok) ctx.progress(c.size);
      else job.chunks.delete(n);
    }
    outcome = `${key}: the download did not match the object's checksum after ${ROUNDS} tries`;
    for (let round = 1; round <= ROUNDS; round++) {
      await fetchChunks(ctx, job, loc, remote, plan, ranges, fh, path, md5s);
      await fh.truncate(remote.size);
      await fh.sync();
      if (await rangedMatches(plan, remote, path, ranges, job, md5s)) {
        outcome = plan.method;
        break;
      }
      // The transfer or the object? Read every chunk again (hashing only) and compare.
      const differ = await rereadChunks(ctx, job, loc, remote, ranges);
      if (differ.length === 0) {
        outcome = (await afterStableMismatch(plan, remote, path)) ?? stableMessage(key, plan);
        break;
      }
      for (const n of differ) {
        ctx.progress(-(job.chunks.get(n)?.size ?? 0));
        job.chunks.delete(n);
        md5s.delete(n);
      }
    }
  } finally {
    await fh.close();
  }
  if (VERIFICATIONS.includes(outcome as Verification)) return outcome as Verification;
  ctx.progress(-remote.size);
  await startOver(ctx, job);
  throw new IntegrityError(outcome);
}

/**
 * Streams a big object is fetched with: at most this many, never more than the job's
 * concurrency (requests in flight, shared by every job), nor than its parts left. Each is one
 * GET of a contiguous run of whole parts, holding one request slot for as long as it runs;
 * the other slots stay for the other jobs. Fewer, longer GETs cost the client less CPU than one
 * GET per part (on the dev RGW −14 % for 1 GiB; RGW's CPU unchanged: bench/CHANGES-h16.md).
 */
export const STREAMS = 4;

/**
 * The parts still to fetch (`todo`, ascending), cut into at most `streams` runs of about equal
 * bytes, each run a list of parts in order (contiguous unless parts kept from an earlier run
 * sit between them: those are skipped, and the run takes one GET per contiguous stretch).
 */
export function splitStreams(todo: readonly number[], ranges: readonly Range[], streams: number): number[][] {
  const total = todo.reduce((a, n) => a + ranges[n].len, 0);
  const out: number[][] = [];
  if (todo.length === 0 || total === 0) return todo.length ? [[...todo]] : [];
  const s = Math.max(1, Math.min(streams, todo.length));
  let before = 0;
  let last = -1;
  for (const n of todo) {
    const len = ranges[n].len;
    // The stream whose share holds the middle of this part.
    const i = Math.min(s - 1, Math.floor(((before + len / 2) * s) / total));
    if (i !== last) out.push([]);
    last = i;
    out[out.length - 1].push(n);
    before += len;
  }
  return out;
}

/** A stream stops at a part boundary: another stream failed, or the job was cancelled. */
class StreamStopped extends Error {}

async function fetchChunks(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  remote: Remote,
  plan: Plan,
  ranges: Range[],
  fh: FileHandle,
  path: string,
  md5s: Map<number, string>,
): Promise<void> {
  const byMd5 = chunkDigest(plan) === 'md5';
  const syncer = new Syncer(fh);
  let firstError: unknown;
  const stop = () => firstError !== undefined || ctx.signal.aborted;
  const todo: number[] = [];
  for (let n = 0; n < ranges.length; n++) if (!job.chunks.has(n)) todo.push(n);
  /** Each part's digest and journal record, taken as soon as its bytes are all written. */
  const digests: Promise<void>[] = [];
  const complete = (n: number) => {
    const { start, len } = ranges[n];
    digests.push(
      (async () => {
        // Read back from the file by a worker thread: S3, the part's MD5 (its part of the
        // multipart ETag); COS, its CRC-64, combined at the end.
        const [, digest] = await Promise.all([
          syncer.sync(),
          hashRange(path, start, len, byMd5 ? 'md5' : 'crc64'),
        ]);
        const rec = { crc: byMd5 ? `${MD5_TAG}${digest}` : digest, size: len };
        job.chunks.set(n, rec);
        if (byMd5) md5s.set(n, digest);
        await ctx.journal.append({ t: 'chunk', id: job.rec.id, n, ...rec });
      })().catch((e: unknown) => {
        firstError ??= e;
      }),
    );
  };
  // One GET per stretch of contiguous parts of a stream; a GET that fails is asked again from
  // its first part not yet complete, the parts before it kept.
  const runStream = async (parts: number[]) => {
    let next = 0;
    while (next < parts.length && !stop()) {
      let end = next;
      while (end + 1 < parts.length && parts[end + 1] === parts[end] + 1) end++;
      await withRetries(ctx.signal, async () => {
        if (stop()) return;
        const from = ranges[parts[next]].start;
        const to = ranges[parts[end]].start + ranges[parts[end]].len;
        // Counted in the progress by this GET, and of that kept (in whole parts).
        let counted = 0;
        let kept = 0;
        try {
          // The request slot is held for the GET only: the parts' syncs and digests run
          // while it goes on.
          await ctx.limiter.run(async () => {
            if (stop()) return;
            const out = new BatchedWriter(fh, from);
            let partEnd = ranges[parts[next]].start + ranges[parts[next]].len;
            const completeWritten = () => {
              while (next <= end && from + counted >= partEnd) {
                const n = parts[next];
                kept += ranges[n].len;
                complete(n);
                next++;
                if (next <= end) partEnd = ranges[parts[next]].start + ranges[parts[next]].len;
              }
            };
            const boundary = async (w: Promise<void> | undefined) => {
              await w;
              await out.flush();
              completeWritten();
              if (next <= end && stop()) throw new StreamStopped();
            };
            await fetchRange(ctx, loc, job.rec.key, remote, { start: from, end: to - 1 }, (c) => {
              counted += c.length;
              ctx.progress(c.length);
              const w = out.add(c);
              // The last part is complete once the answer ended where it should (readBody):
              // bytes beyond it make the GET fail, and that part is asked again.
              return from + counted >= partEnd && from + counted < to ? boundary(w) : w;
            });
            await out.flush();
            completeWritten();
          });
        } catch (e) {
          ctx.progress(-(counted - kept));
          if (e instanceof StreamStopped) return;
          throw e;
        }
      });
      if (next <= end) return;
    }
  };
  const streams = splitStreams(todo, ranges, Math.min(STREAMS, ctx.limiter.size));
  await Promise.all(
    streams.map((parts) =>
      runStream(parts).catch((e: unknown) => {
        firstError ??= e;
      }),
    ),
  );
  await Promise.all(digests);
  if (firstError !== undefined) throw firstError;
  if (ctx.signal.aborted) throw ctx.signal.reason;
}

/**
 * How a chunk's bytes are remembered (journal `chunk` records, the second read of a failed
 * check): COS objects by CRC-64 (the chunks' CRCs combine into the object's), everything else
 * by MD5, written `md5:<hex>` in the record's `crc` field (a CRC is a decimal number).
 */
function chunkDigest(plan: Plan): 'crc64' | 'md5' {
  return plan.method === 'crc64' ? 'crc64' : 'md5';
}

const MD5_TAG = 'md5:';

function md5Digest(recorded: string): string | undefined {
  return recorded.startsWith(MD5_TAG) ? recorded.slice(MD5_TAG.length) : undefined;
}

/**
 * `fdatasync` of one file, one call at a time. The call asked for while one runs waits for the
 * next one, which covers everything written before it started: several chunks share it.
 * Eight chunks' syncs at once would hold libuv's four threads, and the writes of the chunks
 * still arriving would queue behind them. The syncs spread the write-back over the download,
 * so the last sync before the rename is short. Resuming does not depend on them, because it
 * re-hashes kept chunks from the disk.
 */
class Syncer {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly fh: FileHandle) {}

  sync(): Promise<void> {
    if (!this.running) {
      const p = this.fh.datasync();
      this.running = p;
      const clear = () => {
        if (this.running === p) this.running = undefined;
      };
      p.then(clear, clear);
      return p;
    }
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.sync();
      });
    return this.next;
  }
}

/** The body's chunks, written in batches of about 1 MiB (one writev each) at their places. */
class BatchedWriter {
  private pending: Buffer[] = [];
  private bytes = 0;
  private at: number;

  constructor(
    private readonly fh: FileHandle,
    start: number,
  ) {
    this.at = start;
  }

  add(c: Buffer): Promise<void> | undefined {
    this.pending.push(c);
    this.bytes += c.length;
    return this.bytes >= WRITE_BATCH ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.bytes === 0) return;
    const bufs = this.pending;
    let left = this.bytes;
    let at = this.at;
    this.pending = [];
    this.at += this.bytes;
    this.bytes = 0;
    const chunks = bufs.slice();
    while (left > 0) {
      const { bytesWritten } = await this.fh.writev(bufs, at);
      left -= bytesWritten;
      at += bytesWritten;
      if (left > 0) dropWritten(bufs, bytesWritten);
    }
    // In the file now: their read slabs may take new reads (see read-slabs.ts).
    for (const c of chunks) releaseRead(c);
  }
}

const WRITE_BATCH = 1 << 20;

/** A short writev: what is left of `bufs` after its first `n` bytes. */
function dropWritten(bufs: Buffer[], n: number): void {
  while (n > 0 && bufs.length > 0) {
    if (bufs[0].length <= n) {
      n -= bufs[0].length;
      bufs.shift();
    } else {
      bufs[0] = bufs[0].subarray(n);
      n = 0;
    }
  }
}

/** Every chunk read once more, hashing only: the ones whose CRC differs from the first read. */
async function rereadChunks(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  remote: Remote,
  ranges: Range[],
): Promise<number[]> {
  const differ: number[] = [];
  let firstError: unknown;
  await Promise.all(
    ranges.map(({ start, len }, n) =>
      withRetries(ctx.signal, () =>
        ctx.limiter.run(async () => {
          if (firstError !== undefined || ctx.signal.aborted) return;
          const first = job.chunks.get(n)?.crc ?? '';
          const crc = md5Digest(first) === undefined ? new Crc64() : undefined;
          const md5 = crc ? undefined : createHash('md5');
          await fetchRange(ctx, loc, job.rec.key, remote, { start, end: start + len - 1 }, (c) => {
            crc?.update(c);
            md5?.update(c);
          });
          const again = crc ? crc.digestDecimal() : `${MD5_TAG}${md5!.digest('hex')}`;
          if (again !== first) differ.push(n);
        }),
      ).catch((e: unknown) => {
        firstError ??= e;
      }),
    ),
  );
  if (firstError !== undefined) throw firstError;
  if (ctx.signal.aborted) throw ctx.signal.reason;
  return differ.sort((a, b) => a - b);
}

async function rangedMatches(
  plan: Plan,
  remote: Remote,
  path: string,
  ranges: Range[],
  job: Job,
  md5s: Map<number, string>,
): Promise<boolean> {
  switch (plan.method) {
    case 'crc64': {
      const crcs = ranges.map((_, n) => job.chunks.get(n));
      if (crcs.some((c) => c === undefined)) return false;
      return crc64CombineAll(crcs.map((c) => ({ crc: c!.crc, size: c!.size }))).toString(10) === remote.crc64;
    }
    case 'md5':
      return (await md5OfFileRange(path, 0, remote.size)) === remote.etag;
    case 'multipart-etag': {
      // Chunks that are the parts of the first layout: their MD5s came with the bytes.
      const first = plan.layouts[0];
      const aligned = ranges.length === first.length && ranges.every((r, n) => r.len === first[n]);
      const parts = ranges.map((_, n) => md5s.get(n));
      if (aligned && parts.every((p) => p !== undefined) && multipartEtag(parts as string[]) === remote.etag)
        return true;
      const rest = aligned ? plan.layouts.slice(1) : plan.layouts;
      if (rest.length === 0) return false;
      return (await layoutEtagsOfFile(path, remote.size, rest)).includes(remote.etag);
    }
    default:
      return true;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof StorageError && e.status === 404;
}
