import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { Crc64, crc64CombineAll } from '../storage/crc64';
import { StorageError } from '../storage/errors';
import { headObject } from '../storage/ops/objects';
import type { BucketLoc } from '../storage/ops/types';
import { hashRange, IntegrityError, multipartEtag } from './hash';
import { ConflictPending, Skipped, withRetries, type Job, type RunContext } from './job';
import {
  abortUpload,
  choosePartSize,
  completeUpload,
  initiateUpload,
  listParts,
  uploadPart,
} from './multipart';
import {
  changedError,
  checkUnchanged,
  LocalFileError,
  localReadFailure,
  readExactly,
  snapshotOf,
  whyNotUploadable,
  type Snapshot,
} from './local-file';
import { keepBothName } from './safe-path';
import { meter } from './throttle';

// Small files are read once into memory: cheaper than two passes over the disk.
const IN_MEMORY = 1024 * 1024;

export async function runUpload(ctx: RunContext, job: Job): Promise<'done' | 'skipped'> {
  const loc: BucketLoc = { bucket: job.rec.bucket, region: job.rec.region };
  // Only regular files: a link, a FIFO, a device is reported as skipped, never read.
  const why = await whyNotUploadable(job.rec.localPath);
  if (why) throw new Skipped(why);
  const st = await stat(job.rec.localPath);
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
  if (job.rec.size < ctx.threshold && !job.uploadId) await singlePut(ctx, job, loc, snap);
  else await multipart(ctx, job, loc, snap);
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

async function singlePut(ctx: RunContext, job: Job, loc: BucketLoc, snap: Snapshot): Promise<void> {
  const { localPath, size, key } = job.rec;
  const cos = ctx.client.dialect.kind === 'cos';
  let small: Buffer | undefined;
  if (size <= IN_MEMORY) {
    small = await readExactly(localPath, size, IN_MEMORY);
    await checkUnchanged(localPath, snap);
  }
  await withRetries(ctx.signal, () =>
    ctx.limiter.run(async () => {
      await checkUnchanged(localPath, snap);
      const guard = new ChangeGuard(localPath, snap, size);
      const md5 = cos ? undefined : small ? md5Hex(small) : await hashRange(localPath, 0, size, 'md5');
      let sent = 0;
      let crc = new Crc64();
      const headers: Record<string, string> = { 'content-length': String(size) };
      if (md5) headers['content-md5'] = Buffer.from(md5, 'hex').toString('base64');
      try {
        const res = await ctx.client.request({
          method: 'PUT',
          bucket: loc.bucket,
          region: loc.region,
          key,
          headers,
          signal: ctx.signal,
          body: () => {
            crc = new Crc64();
            ctx.progress(-sent);
            sent = 0;
            return fileStream(ctx, localPath, 0, size, small, guard, (chunk) => {
              crc.update(chunk);
              sent += chunk.length;
            });
          },
        });
        await res.body.dump();
        const etag = (res.headers['etag'] ?? '').replace(/"/g, '');
        const serverCrc = res.headers['x-cos-hash-crc64ecma'];
        if (md5 && etag && etag !== md5)
          throw new IntegrityError(`${key}: the server stored other bytes (ETag ${etag}, expected ${md5})`);
        if (cos && serverCrc && serverCrc !== crc.digestDecimal()) {
          throw new IntegrityError(
            `${key}: CRC64 mismatch (server ${serverCrc}, local ${crc.digestDecimal()})`,
          );
        }
      } catch (e) {
        ctx.progress(-sent);
        // The file changed under the request: that, not what the network made of it, is the reason.
        throw guard.error ?? e;
      }
    }),
  );
}

async function multipart(ctx: RunContext, job: Job, loc: BucketLoc, snap: Snapshot): Promise<void> {
  const { size, key, localPath } = job.rec;
  const cos = ctx.client.dialect.kind === 'cos';
  const partSize = job.partSize ?? choosePartSize(size, ctx.partSize);
  const count = Math.max(1, Math.ceil(size / partSize));
  if (job.uploadId) {
    // The journal says what was sent; the server says what it kept. Only parts both agree on count.
    const held = await listParts(ctx.client, loc, key, job.uploadId);
    if (held === undefined) {
      if (await finishedBefore(ctx, loc, job, count)) return;
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
    job.uploadId = await withRetries(ctx.signal, () => initiateUpload(ctx.client, loc, key));
    job.partSize = partSize;
    await ctx.journal.append({ t: 'upload', id: job.rec.id, uploadId: job.uploadId, partSize });
  }
  const uploadId = job.uploadId;
  for (const p of job.parts.values()) ctx.progress(p.size);

  const todo: number[] = [];
  for (let n = 1; n <= count; n++) if (!job.parts.has(n)) todo.push(n);
  let firstError: unknown;
  await Promise.all(
    todo.map((n) =>
      withRetries(ctx.signal, () =>
        ctx.limiter.run(async () => {
          if (firstError !== undefined || ctx.signal.aborted) return;
          const start = (n - 1) * partSize;
          const len = Math.min(partSize, size - start);
          await checkUnchanged(localPath, snap);
          const guard = new ChangeGuard(localPath, snap, len);
          const md5 = cos ? undefined : await hashRange(localPath, start, len, 'md5');
          let sent = 0;
          let crc = new Crc64();
          try {
            const r = await uploadPart(ctx.client, loc, key, {
              uploadId,
              partNumber: n,
              size: len,
              contentMd5: md5 ? Buffer.from(md5, 'hex').toString('base64') : undefined,
              signal: ctx.signal,
              body: () => {
                crc = new Crc64();
                ctx.progress(-sent);
                sent = 0;
                return fileStream(ctx, localPath, start, len, undefined, guard, (chunk) => {
                  crc.update(chunk);
                  sent += chunk.length;
                });
              },
            });
            // After the part as before it: only parts of one version of the file are kept.
            await checkUnchanged(localPath, snap);
            const local = crc.digestDecimal();
            if (md5 && r.etag !== md5)
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
            });
          } catch (e) {
            ctx.progress(-sent);
            throw guard.error ?? e;
          }
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
  const done = await withRetries(ctx.signal, () =>
    completeUpload(
      ctx.client,
      loc,
      key,
      uploadId,
      parts.map(([partNumber, p]) => ({ partNumber, etag: p.etag })),
    ),
  );
  await verifyWhole(ctx, job, loc, parts, done);
}

/** The whole object against what the parts promised: combined CRC64 (COS) or the multipart ETag (S3). */
async function verifyWhole(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  parts: Array<[number, { etag: string; crc?: string; size: number }]>,
  done: { etag: string; crc64?: string },
): Promise<void> {
  const key = job.rec.key;
  let problem: string | undefined;
  if (ctx.client.dialect.kind === 'cos') {
    const crcs = parts.map(([, p]) => p.crc);
    if (crcs.every((c) => c !== undefined)) {
      const expected = crc64CombineAll(parts.map(([, p]) => ({ crc: p.crc!, size: p.size }))).toString(10);
      const server = done.crc64 ?? (await headObject(ctx.client, loc, key)).crc64;
      if (server && server !== expected)
        problem = `CRC64 of the whole object is ${server}, expected ${expected}`;
    }
  } else if (done.etag && /^[0-9a-f]{32}-\d+$/.test(done.etag)) {
    const expected = multipartEtag(parts.map(([, p]) => p.etag));
    if (done.etag !== expected) problem = `ETag ${done.etag}, expected ${expected}`;
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
}

/** Parts of a file that changed on the way are never completed: the upload is aborted. */
async function dropUpload(ctx: RunContext, job: Job, loc: BucketLoc): Promise<void> {
  if (job.uploadId) await abortUpload(ctx.client, loc, job.rec.key, job.uploadId).catch(() => undefined);
  job.uploadId = undefined;
  job.parts.clear();
}

/** After a crash between Complete and its journal record: the object is there and whole. */
async function finishedBefore(ctx: RunContext, loc: BucketLoc, job: Job, count: number): Promise<boolean> {
  try {
    const h = await headObject(ctx.client, loc, job.rec.key);
    return h.size === job.rec.size && (h.etag ?? '').endsWith(`-${count}`);
  } catch {
    return false;
  }
}

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
    try {
      await checkUnchanged(this.path, this.snap);
      let held: Buffer | undefined;
      let seen = 0;
      for await (const chunk of src) {
        seen += chunk.length;
        if (seen > this.len) throw changedError(this.path);
        if (held) yield held;
        held = chunk;
      }
      if (seen !== this.len) throw changedError(this.path);
      await checkUnchanged(this.path, this.snap);
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
      ? [inMemory ?? Buffer.alloc(0)]
      : createReadStream(path, { start, end: start + len - 1, highWaterMark: 256 * 1024 });
  const src = Readable.from(guard.wrap(raw), { objectMode: false });
  const m = meter(ctx.throttle, (chunk) => {
    onChunk(chunk);
    ctx.progress(chunk.length);
  });
  // Errors of either side end the request; undici destroys what it was given on failure.
  return pipeline(src, m, () => undefined);
}

function md5Hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}
