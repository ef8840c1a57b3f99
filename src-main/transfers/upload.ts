import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { Crc64, crc64CombineAll } from '../storage/crc64';
import { StorageError } from '../storage/errors';
import { headObject } from '../storage/ops/objects';
import type { BucketLoc } from '../storage/ops/types';
import { hashRange, IntegrityError, multipartEtag } from './hash';
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
import { keepBothName } from './safe-path';
import { meter } from './throttle';

// Small files are read once into memory: cheaper than two passes over the disk.
const IN_MEMORY = 1024 * 1024;

export async function runUpload(ctx: RunContext, job: Job): Promise<'done' | 'skipped'> {
  const loc: BucketLoc = { bucket: job.rec.bucket, region: job.rec.region };
  const st = await stat(job.rec.localPath);
  if (job.rec.mtimeMs !== undefined && (st.mtimeMs !== job.rec.mtimeMs || st.size !== job.rec.size)) {
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
  if (job.rec.size < ctx.threshold && !job.uploadId) await singlePut(ctx, job, loc);
  else await multipart(ctx, job, loc);
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

async function singlePut(ctx: RunContext, job: Job, loc: BucketLoc): Promise<void> {
  const { localPath, size, key } = job.rec;
  const cos = ctx.client.dialect.kind === 'cos';
  const small = size <= IN_MEMORY ? await readFile(localPath) : undefined;
  await withRetries(ctx.signal, () =>
    ctx.limiter.run(async () => {
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
            return fileStream(ctx, localPath, 0, size, small, (chunk) => {
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
        throw e;
      }
    }),
  );
}

async function multipart(ctx: RunContext, job: Job, loc: BucketLoc): Promise<void> {
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
  await Promise.all(
    todo.map((n) =>
      withRetries(ctx.signal, () =>
        ctx.limiter.run(async () => {
          if (firstError !== undefined || ctx.signal.aborted) return;
          const start = (n - 1) * partSize;
          const len = Math.min(partSize, size - start);
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
                return fileStream(ctx, localPath, start, len, undefined, (chunk) => {
                  crc.update(chunk);
                  sent += chunk.length;
                });
              },
            });
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
            throw e;
          }
        }),
      ).catch((e: unknown) => {
        firstError ??= e;
      }),
    ),
  );
  if (firstError !== undefined) throw firstError;
  if (ctx.signal.aborted) throw ctx.signal.reason;

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
    retryable: isRetryable,
    sleep: (attempt) => sleep(Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2), ctx.signal),
    record: async (memo) => {
      job.initiating = memo;
      await ctx.journal.append({ t: 'initiating', id: job.rec.id, ...memo });
    },
  });
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

/** After a crash between Complete and its journal record: the object is there and whole. */
async function finishedBefore(ctx: RunContext, loc: BucketLoc, job: Job, count: number): Promise<boolean> {
  try {
    const h = await headObject(ctx.client, loc, job.rec.key);
    return h.size === job.rec.size && (h.etag ?? '').endsWith(`-${count}`);
  } catch {
    return false;
  }
}

function fileStream(
  ctx: RunContext,
  path: string,
  start: number,
  len: number,
  inMemory: Buffer | undefined,
  onChunk: (b: Buffer) => void,
): Readable {
  const src =
    inMemory !== undefined || len === 0
      ? Readable.from([inMemory ?? Buffer.alloc(0)], { objectMode: false })
      : createReadStream(path, { start, end: start + len - 1, highWaterMark: 256 * 1024 });
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
