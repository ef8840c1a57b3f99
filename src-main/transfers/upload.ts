import { createHash } from 'node:crypto';
import type { Verification } from '../../src-shared/contract';
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { contentTypeFor } from '../storage/content-type';
import { crc64CombineAll } from '../storage/crc64';
import { StorageError } from '../storage/errors';
import { etagIsOpaque, headObject, headObjectDetail } from '../storage/ops/objects';
import type { BucketLoc } from '../storage/ops/types';
import { hashRange, IntegrityError, multipartEtag } from './hash';
import { hashPool, type Digests } from './workers/pool';
import { ConflictPending, isRetryable, Skipped, sleep, withRetries, type Job, type RunContext } from './job';
import {
  abortUpload,
  choosePartSize,
  completeUpload,
  initiateSafely,
  listParts,
  settleInitiate,
  uploadPart,
} from './multipart';
import {
  changedError,
  checkUnchanged,
  LocalFileError,
  localReadFailure,
  readExactly,
  snapshotOf,
  uploadable,
  type Snapshot,
} from './local-file';
import { keepBothName } from './safe-path';
import { meter } from './throttle';

// Small files are read once into memory: cheaper than two passes over the disk.
const IN_MEMORY = 1024 * 1024;

export async function runUpload(ctx: RunContext, job: Job): Promise<'done' | 'skipped'> {
  job.verified = undefined;
  const loc: BucketLoc = { bucket: job.rec.bucket, region: job.rec.region };
  // Only regular files: a link, a FIFO, a device is reported as skipped, never read.
  const { why, stats: st } = await uploadable(job.rec.localPath);
  if (why) throw new Skipped(why);
  if (st.size !== job.rec.size || (job.rec.mtimeMs !== undefined && st.mtimeMs !== job.rec.mtimeMs)) {
    // The file changed since it was queued: what was sent so far belongs to another file.
    if (job.uploadId) await abortUpload(ctx.client, loc, job.rec.key, job.uploadId).catch(() => undefined);
    job.rec = { ...job.rec, size: st.size, mtimeMs: st.mtimeMs };
    job.uploadId = undefined;
    job.parts.clear();
    await ctx.journal.append({ t: 'job', job: job.rec });
  }
  if (!job.uploadId && ctx.policy !== 'overwrite') {
    const exists = await objectExists(ctx, loc, job.rec.key);
    if (exists) {
      if (ctx.policy === 'ask') throw new ConflictPending();
      if (ctx.policy === 'skip') throw new Skipped();
      const key = await keepBothName(job.rec.key, (k) => objectExists(ctx, loc, k));
      job.rec = { ...job.rec, key };
      await ctx.journal.append({ t: 'retarget', id: job.rec.id, key, localPath: job.rec.localPath });
    }
  }
  // Every part is read against this: a file that changes on the way fails, never tears.
  const snap = snapshotOf(st);
  if (job.rec.size < ctx.threshold && !job.uploadId) job.verified = await singlePut(ctx, job, loc, snap);
  else job.verified = await multipart(ctx, job, loc, snap);
  return 'done';
}

async function objectExists(ctx: RunContext, loc: BucketLoc, key: string): Promise<boolean> {
  try {
    await headObject(ctx.client, loc, key, { signal: ctx.signal });
    return true;
  } catch (e) {
    if (e instanceof StorageError && e.status === 404) return false;
    throw e;
  }
}

/** One PUT, checked by the MD5 ETag (S3) or the CRC-64 the server computed (COS). */
async function singlePut(ctx: RunContext, job: Job, loc: BucketLoc, snap: Snapshot): Promise<Verification> {
  const { localPath, size, key } = job.rec;
  const cos = ctx.client.dialect.kind === 'cos';
  let small: Buffer | undefined;
  if (size <= IN_MEMORY) {
    small = await readExactly(localPath, size, IN_MEMORY);
    await checkUnchanged(localPath, snap);
  }
  return withRetries(ctx.signal, () =>
    ctx.limiter.run(async () => {
      await checkUnchanged(localPath, snap);
      const guard = new ChangeGuard(localPath, snap, size);
      const md5 = cos ? undefined : small ? md5Hex(small) : await hashRange(localPath, 0, size, 'md5');
      // COS: the CRC-64 of the file (the guard makes sure it is what was sent), from a worker.
      const localCrc = cos ? await hashRange(localPath, 0, size, 'crc64') : undefined;
      let sent = 0;
      // A small file with no speed limit goes as its buffer: no stream, meter and pipeline (an
      // AbortController and a DOMException each) per 4 KiB file (issue 13 (c)).
      const direct = small !== undefined && ctx.throttle.bytesPerSecond === 0 ? small : undefined;
      if (direct) {
        ctx.progress(size);
        sent = size;
      }
      const headers: Record<string, string> = {
        'content-length': String(size),
        'content-type': contentTypeFor(key, job.rec.contentType),
      };
      if (md5) headers['content-md5'] = Buffer.from(md5, 'hex').toString('base64');
      try {
        const res = await ctx.client.request({
          method: 'PUT',
          bucket: loc.bucket,
          region: loc.region,
          key,
          headers,
          signal: ctx.signal,
          body:
            direct ??
            (() => {
              ctx.progress(-sent);
              sent = 0;
              return fileStream(ctx, localPath, 0, size, small, guard, (chunk) => {
                sent += chunk.length;
              });
            }),
        });
        await res.body.dump();
        const etag = (res.headers['etag'] ?? '').replace(/"/g, '').toLowerCase();
        const serverCrc = res.headers['x-cos-hash-crc64ecma'];
        if (cos) {
          // No CRC-64 in the answer: nothing to check the stored bytes against.
          if (!serverCrc) return 'size-only';
          if (serverCrc !== localCrc) {
            throw new IntegrityError(`${key}: CRC64 mismatch (server ${serverCrc}, local ${localCrc})`);
          }
          return 'crc64';
        }
        // SSE-KMS / SSE-C: the ETag is not the MD5 of the bytes; an ETag of another shape neither.
        if (etagIsOpaque(res.headers) || !/^[0-9a-f]{32}$/.test(etag)) return 'size-only';
        if (etag !== md5)
          throw new IntegrityError(`${key}: the server stored other bytes (ETag ${etag}, expected ${md5})`);
        return 'md5';
      } catch (e) {
        ctx.progress(-sent);
        // The file changed under the request: that, not what the network made of it, is the reason.
        throw guard.error ?? e;
      }
    }),
  );
}

async function multipart(ctx: RunContext, job: Job, loc: BucketLoc, snap: Snapshot): Promise<Verification> {
  const { size, key, localPath } = job.rec;
  const cos = ctx.client.dialect.kind === 'cos';
  const partSize = job.partSize ?? choosePartSize(size, ctx.partSize);
  const count = Math.max(1, Math.ceil(size / partSize));
  if (job.uploadId) {
    // The journal says what was sent; the server says what it kept. Only parts both agree on count.
    const held = await listParts(ctx.client, loc, key, job.uploadId);
    if (held === undefined) {
      const before = await finishedBefore(ctx, loc, job, count);
      if (before) return before;
      job.uploadId = undefined;
      job.parts.clear();
    } else {
      const server = new Map(held.map((p) => [p.partNumber, p]));
      for (const [n, p] of job.parts) {
        const s = server.get(n);
        if (!s || s.etag !== p.etag || s.size !== p.size) job.parts.delete(n);
      }
    }
  }
  if (!job.uploadId) {
    job.uploadId = await startUpload(ctx, job, loc);
    job.partSize = partSize;
    job.initiating = undefined;
    await ctx.journal.append({ t: 'upload', id: job.rec.id, uploadId: job.uploadId, partSize });
  }
  const uploadId = job.uploadId;
  for (const p of job.parts.values()) ctx.progress(p.size);

  const todo: number[] = [];
  for (let n = 1; n <= count; n++) if (!job.parts.has(n)) todo.push(n);
  let firstError: unknown;
  // A part answered with an ETag that is not its MD5 by design (SSE-KMS / SSE-C).
  let opaque = false;
  // Parts up to PART_IN_MEMORY are read once, by the worker that hashes them, and sent from
  // that buffer: one read of each byte instead of two (the hash's and the body's).
  const bufs = partSize <= PART_IN_MEMORY ? new PartBuffers(partSize) : undefined;
  const digestOf = partDigests(todo, async (n): Promise<PartRead> => {
    const start = (n - 1) * partSize;
    const len = Math.min(partSize, size - start);
    const algos = cos ? { crc64: true } : { md5: true };
    if (!bufs) return { digests: await hashPool().hashFile(localPath, start, len, algos) };
    const r = await hashPool().readInto(localPath, start, len, algos, bufs.take());
    return { digests: r.digests, buf: Buffer.from(r.buf, 0, r.len), held: r.buf };
  });
  await Promise.all(
    todo.map((n) =>
      withRetries(ctx.signal, () =>
        ctx.limiter.run(async () => {
          if (firstError !== undefined || ctx.signal.aborted) return;
          const start = (n - 1) * partSize;
          const len = Math.min(partSize, size - start);
          await checkUnchanged(localPath, snap);
          const guard = new ChangeGuard(localPath, snap, len);
          // The part's MD5 (S3) or CRC-64 (COS), read and computed in a worker ahead of its
          // request. In memory: the bytes hashed are the bytes sent, and they were read after
          // the snapshot and before this stat, so the file unchanged now means they are its
          // own. Otherwise the part is streamed from the file, and the guard makes sure those
          // are the bytes hashed.
          const { digests, buf, held } = await digestOf(n);
          if (buf) {
            if (buf.length !== len) throw changedError(localPath);
            await checkUnchanged(localPath, snap);
          }
          const md5 = digests.md5;
          let sent = 0;
          try {
            const r = await uploadPart(ctx.client, loc, key, {
              uploadId,
              partNumber: n,
              size: len,
              contentMd5: md5 ? Buffer.from(md5, 'hex').toString('base64') : undefined,
              signal: ctx.signal,
              body: () => {
                ctx.progress(-sent);
                sent = 0;
                // A resend (the HTTP layer's retry) goes from the same buffer.
                return fileStream(ctx, localPath, start, len, buf, guard, (chunk) => {
                  sent += chunk.length;
                });
              },
            });
            // After the part as before it: only parts of one version of the file are kept.
            await checkUnchanged(localPath, snap);
            const local = digests.crc64;
            if (r.opaque) opaque = true;
            else if (md5 && r.etag.toLowerCase() !== md5)
              throw new IntegrityError(`${key} part ${n}: ETag ${r.etag}, expected ${md5}`);
            if (cos && r.crc64 && r.crc64 !== local) {
              throw new IntegrityError(
                `${key} part ${n}: CRC64 mismatch (server ${r.crc64}, local ${local})`,
              );
            }
            job.parts.set(n, { etag: r.etag, crc: cos ? local : undefined, size: len });
            await ctx.journal.append({
              t: 'part',
              id: job.rec.id,
              n,
              etag: r.etag,
              crc: cos ? local : undefined,
              size: len,
              uploadId,
            });
          } catch (e) {
            // A failed request's buffer is not reused: nothing may still be sending from it.
            ctx.progress(-sent);
            throw guard.error ?? e;
          }
          // Answered: the whole body went out, nothing reads the buffer any more.
          if (held) bufs?.give(held);
        }),
      ).catch((e: unknown) => {
        firstError ??= e;
      }),
    ),
  );
  if (firstError instanceof LocalFileError) await dropUpload(ctx, job, loc);
  if (firstError !== undefined) throw firstError;
  if (ctx.signal.aborted) throw ctx.signal.reason;
  // Parts journaled by an earlier run were read from this same file (same size, mtime, inode).
  await checkUnchanged(localPath, snap).catch(async (e: unknown) => {
    await dropUpload(ctx, job, loc);
    throw e;
  });

  const parts = [...job.parts.entries()].sort((a, b) => a[0] - b[0]);
  let done: { etag: string; crc64?: string };
  try {
    done = await withRetries(ctx.signal, () =>
      completeUpload(
        ctx.client,
        loc,
        key,
        uploadId,
        parts.map(([partNumber, p]) => ({ partNumber, etag: p.etag })),
      ),
    );
  } catch (e) {
    // A Complete whose answer was lost or garbled may have done its work: the retry then finds
    // no upload, or the answer cannot be read. The object tells: whole and matching the parts
    // journaled, the job is done; otherwise the error stands.
    if (ctx.signal.aborted || !mayHaveCompleted(e)) throw e;
    const before = await finishedBefore(ctx, loc, job, count);
    if (!before) throw e;
    return before;
  }
  return verifyWhole(ctx, job, loc, parts, done, opaque);
}

/**
 * A new multipart upload for the job, or the one an earlier run started and never recorded
 * (killed between Initiate's answer and its journal record): found by ListMultipartUploads.
 */
async function startUpload(ctx: RunContext, job: Job, loc: BucketLoc): Promise<string> {
  const key = job.rec.key;
  if (job.initiating) {
    const memo = job.initiating;
    // The key may have changed since (keep-both renaming): that upload is then of no use.
    const found = await settleInitiate(ctx.client, loc, memo, memo.key === key);
    job.initiating = undefined;
    if (found) return found;
  }
  return initiateSafely(ctx.client, loc, key, {
    signal: ctx.signal,
    headers: { 'content-type': contentTypeFor(key, job.rec.contentType) },
    retryable: isRetryable,
    sleep: (attempt) => sleep(Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2), ctx.signal),
    record: async (memo) => {
      job.initiating = memo;
      await ctx.journal.append({ t: 'initiating', id: job.rec.id, ...memo });
    },
  });
}

/**
 * The whole object against what the parts promised: combined CRC64 (COS) or the multipart ETag
 * (S3). What the server does not let us check is reported as size-only, never as verified.
 */
async function verifyWhole(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  parts: Array<[number, { etag: string; crc?: string; size: number }]>,
  done: { etag: string; crc64?: string },
  opaque = false,
): Promise<Verification> {
  const key = job.rec.key;
  let problem: string | undefined;
  let verified: Verification = 'size-only';
  const total = parts.reduce((a, [, p]) => a + p.size, 0);
  if (total !== job.rec.size) problem = `the parts hold ${total} bytes, the file has ${job.rec.size}`;
  else if (ctx.client.dialect.kind === 'cos') {
    const crcs = parts.map(([, p]) => p.crc);
    if (crcs.every((c) => c !== undefined)) {
      const expected = crc64CombineAll(parts.map(([, p]) => ({ crc: p.crc!, size: p.size }))).toString(10);
      const h = done.crc64 ? undefined : await headAfterComplete(ctx, loc, key);
      if (h && h.props.size !== job.rec.size)
        problem = `the object has ${h.props.size} bytes, the file ${job.rec.size}`;
      const server = done.crc64 ?? h?.props.crc64;
      if (!problem && server) {
        if (server !== expected) problem = `CRC64 of the whole object is ${server}, expected ${expected}`;
        else verified = 'crc64';
      }
    }
  } else if (!opaque) {
    // RGW 16 answers Complete with an empty ETag: then the object's HEAD says it.
    let etag = done.etag.toLowerCase();
    if (!etag) {
      const h = await headAfterComplete(ctx, loc, key);
      if (h.props.size !== job.rec.size)
        problem = `the object has ${h.props.size} bytes, the file ${job.rec.size}`;
      etag = etagIsOpaque(h.headers) ? '' : (h.props.etag ?? '').toLowerCase();
    }
    if (!problem && /^[0-9a-f]{32}-\d+$/.test(etag)) {
      const expected = multipartEtag(parts.map(([, p]) => p.etag));
      if (etag !== expected) problem = `ETag ${etag}, expected ${expected}`;
      else verified = 'multipart-etag';
    }
  }
  if (problem) {
    // A wrong object must not stay behind under the user's name.
    await ctx.client.request({ method: 'DELETE', bucket: loc.bucket, region: loc.region, key }).then(
      (r) => r.body.dump(),
      () => undefined,
    );
    job.uploadId = undefined;
    job.parts.clear();
    throw new IntegrityError(`${key}: ${problem}`);
  }
  return verified;
}

/** Parts of a file that changed on the way are never completed: the upload is aborted. */
async function dropUpload(ctx: RunContext, job: Job, loc: BucketLoc): Promise<void> {
  if (job.uploadId) await abortUpload(ctx.client, loc, job.rec.key, job.uploadId).catch(() => undefined);
  job.uploadId = undefined;
  job.parts.clear();
}

function headAfterComplete(ctx: RunContext, loc: BucketLoc, key: string) {
  return withRetries(ctx.signal, () => headObjectDetail(ctx.client, loc, key, { signal: ctx.signal }));
}

function mayHaveCompleted(e: unknown): boolean {
  return (
    e instanceof StorageError &&
    (e.storageCode === 'NoSuchUpload' || e.storageCode === 'MalformedResponse' || e.status === 404)
  );
}

/**
 * After a crash between Complete and its journal record: the object is there and whole.
 * Returns how that was checked (the parts journaled against the object), or undefined.
 */
async function finishedBefore(
  ctx: RunContext,
  loc: BucketLoc,
  job: Job,
  count: number,
): Promise<Verification | undefined> {
  let h;
  try {
    h = await headObjectDetail(ctx.client, loc, job.rec.key);
  } catch {
    return undefined;
  }
  const etag = (h.props.etag ?? '').toLowerCase();
  if (h.props.size !== job.rec.size || !etag.endsWith(`-${count}`)) return undefined;
  const parts = [...job.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
  const all = parts.length === count;
  if (ctx.client.dialect.kind === 'cos') {
    if (!all || !h.props.crc64 || parts.some((p) => p.crc === undefined)) return 'size-only';
    const expected = crc64CombineAll(parts.map((p) => ({ crc: p.crc!, size: p.size }))).toString(10);
    return expected === h.props.crc64 ? 'crc64' : undefined;
  }
  if (!all || etagIsOpaque(h.headers)) return 'size-only';
  return multipartEtag(parts.map((p) => p.etag)) === etag ? 'multipart-etag' : undefined;
}

/**
 * Part digests worked out ahead: asking for part n starts the hashing of the next HASH_AHEAD
 * parts of `todo` too, so a request slot that frees up finds its next part's MD5 ready
 * instead of queueing behind the other parts' hashing. Each digest is handed out once: a
 * retry of the part hashes it again.
 */
function partDigests<T>(todo: number[], hash: (n: number) => Promise<T>): (n: number) => Promise<T> {
  const started = new Map<number, Promise<T>>();
  const index = new Map(todo.map((n, i) => [n, i]));
  let next = 0;
  const start = (n: number) => {
    const p = hash(n);
    // Awaited when the part's turn comes; a job that ends first leaves it unread.
    p.catch(() => undefined);
    started.set(n, p);
  };
  return (n) => {
    const upTo = (index.get(n) ?? -1) + HASH_AHEAD;
    for (; next < todo.length && next <= upTo; next++) if (!started.has(todo[next])) start(todo[next]);
    const p = started.get(n) ?? hash(n);
    started.delete(n);
    return p;
  };
}

/** Parts hashed ahead of the one whose request starts. */
const HASH_AHEAD = 4;

/**
 * The largest part read into memory to be sent (8 in flight and HASH_AHEAD ready: about
 * 12 parts held, 96 MiB at the default 8 MiB); larger parts are streamed from the file.
 */
const PART_IN_MEMORY = 16 * 1024 * 1024;

/** A part's digests and, when it is sent from memory, its bytes (a view of `held`). */
interface PartRead {
  digests: Digests;
  buf?: Buffer;
  held?: ArrayBuffer;
}

/**
 * The part-sized buffers of one upload, reused part after part: a 1 GiB file allocates about
 * as many as are held at once (~12) instead of one per part (128), with their zeroing and GC.
 * A buffer is lent to the worker that reads and hashes into it (transferred, not copied).
 */
class PartBuffers {
  private readonly free: ArrayBuffer[] = [];
  constructor(private readonly size: number) {}

  take(): ArrayBuffer {
    return this.free.pop() ?? new ArrayBuffer(this.size);
  }

  give(b: ArrayBuffer): void {
    if (b.byteLength === this.size) this.free.push(b);
  }
}

/** Slices of an in-memory body: the meter and the progress see it in steps, not all at once. */
const BODY_SLICE = 1024 * 1024;

/**
 * Reads of one request body, checked against the snapshot: at the start, and again after the
 * last byte was read but before it is sent, so a body whose file changed while it was read is
 * broken off (the server keeps nothing of it) instead of completed. Never more than `len`
 * bytes are read, whatever the file has become.
 */
class ChangeGuard {
  error: LocalFileError | undefined;
  constructor(
    private readonly path: string,
    private readonly snap: Snapshot,
    private readonly len: number,
  ) {}

  async *wrap(src: Iterable<Buffer> | AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    // A body already in memory (a small file, read and checked by singlePut) cannot tear: its
    // two stats here would only double the syscalls of a 4 KiB upload (issue 13 (c)).
    const inMemory = Array.isArray(src);
    try {
      if (!inMemory) await checkUnchanged(this.path, this.snap);
      let held: Buffer | undefined;
      let seen = 0;
      for await (const chunk of src) {
        seen += chunk.length;
        if (seen > this.len) throw changedError(this.path);
        if (held) yield held;
        held = chunk;
      }
      if (seen !== this.len) throw changedError(this.path);
      if (!inMemory) await checkUnchanged(this.path, this.snap);
      if (held) yield held;
    } catch (e) {
      const local = e instanceof LocalFileError ? e : localReadFailure(this.path, e);
      if (local) this.error = local;
      throw local ?? e;
    }
  }
}

function fileStream(
  ctx: RunContext,
  path: string,
  start: number,
  len: number,
  inMemory: Buffer | undefined,
  guard: ChangeGuard,
  onChunk: (b: Buffer) => void,
): Readable {
  const raw: Iterable<Buffer> | AsyncIterable<Buffer> =
    inMemory !== undefined || len === 0
      ? slices(inMemory ?? Buffer.alloc(0))
      : createReadStream(path, { start, end: start + len - 1, highWaterMark: 256 * 1024 });
  const src = Readable.from(guard.wrap(raw), { objectMode: false });
  const m = meter(ctx.throttle, (chunk) => {
    onChunk(chunk);
    ctx.progress(chunk.length);
  });
  // Errors of either side end the request; undici destroys what it was given on failure.
  return pipeline(src, m, () => undefined);
}

/** `b` as views of at most BODY_SLICE bytes (no copy); an array, so ChangeGuard knows it is in memory. */
function slices(b: Buffer): Buffer[] {
  if (b.length <= BODY_SLICE) return [b];
  const out: Buffer[] = [];
  for (let off = 0; off < b.length; off += BODY_SLICE) out.push(b.subarray(off, off + BODY_SLICE));
  return out;
}

function md5Hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}
