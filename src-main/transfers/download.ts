import { createHash, type Hash } from 'node:crypto';
import { chmod, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Crc64, crc64CombineAll } from '../storage/crc64';
import { StorageError } from '../storage/errors';
import { getObject, headObject } from '../storage/ops/objects';
import type { BucketLoc } from '../storage/ops/types';
import { hashRange, IntegrityError } from './hash';
import { ConflictPending, Skipped, withRetries, type Job, type RunContext } from './job';
import { choosePartSize } from './multipart';
import { localWriteError } from './local-file';
import { keepBothName } from './safe-path';

export const PART_SUFFIX = '.cosdesk-part';
/** A `.cosdesk-part` file holds the user's data before it is checked: only the user reads it. */
const PART_MODE = 0o600;

interface Remote {
  size: number;
  etag: string;
  crc64?: string;
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
  const loc: BucketLoc = { bucket: job.rec.bucket, region: job.rec.region };
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
  const remote = await head(ctx, loc, job.rec.key);
  if (job.rec.etag !== undefined && job.rec.etag !== remote.etag) {
    // The object changed since the first bytes arrived: they belong to another version.
    await rm(partPath(job), { force: true });
    job.chunks.clear();
  }
  if (job.rec.etag !== remote.etag || job.rec.size !== remote.size) {
    job.rec = { ...job.rec, etag: remote.etag, size: remote.size };
    await ctx.journal.append({ t: 'job', job: job.rec });
    job.chunks.clear();
  }
  if (remote.size < ctx.threshold) await sequential(ctx, job, loc, remote);
  else await ranged(ctx, job, loc, remote);
  // Private (0600) while it fills; a finished file gets the mode any new file of the user gets.
  await chmod(partPath(job), 0o666 & ~process.umask());
  await rename(partPath(job), job.rec.localPath);
  return 'done';
}

const partPath = (job: Job) => job.rec.localPath + PART_SUFFIX;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function head(ctx: RunContext, loc: BucketLoc, key: string): Promise<Remote> {
  const h = await withRetries(ctx.signal, () => headObject(ctx.client, loc, key, { signal: ctx.signal }));
  return { size: h.size, etag: h.etag ?? '', crc64: h.crc64 };
}

/** One GET, resumed by Range from what the `.part` file already holds. */
async function sequential(ctx: RunContext, job: Job, loc: BucketLoc, remote: Remote): Promise<void> {
  const path = partPath(job);
  const cos = ctx.client.dialect.kind === 'cos';
  await withRetries(ctx.signal, () =>
    ctx.limiter.run(async () => {
      let have = (await stat(path).catch(() => undefined))?.size ?? 0;
      if (have > remote.size) have = 0;
      // Resuming: the digest has to cover the bytes already on disk too.
      const digest =
        have === 0
          ? {}
          : cos
            ? { crcPrefix: await hashRange(path, 0, have, 'crc64') }
            : { md5: await md5Of(path, have) };
      await finishSequential(ctx, job, loc, remote, have, digest);
    }),
  );
}

async function md5Of(path: string, len: number): Promise<Hash> {
  const h = createHash('md5');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; pos < len;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, len - pos), pos);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return h;
}

async function finishSequential(
  ctx: RunContext,
  job: Job,
  loc: BucketLoc,
  remote: Remote,
  have: number,
  digest: { md5?: Hash; crcPrefix?: string },
): Promise<void> {
  const path = partPath(job);
  const crc = new Crc64();
  const md5 = digest.md5 ?? createHash('md5');
  let got = 0;
  ctx.progress(have);
  const fh = await open(path, have > 0 ? 'r+' : 'w', PART_MODE);
  try {
    if (have < remote.size) {
      const res = await getObject(ctx.client, loc, job.rec.key, {
        range: have > 0 ? `bytes=${have}-` : undefined,
        signal: ctx.signal,
      });
      got = await writeBody(ctx, fh, res.body, have, (c) => {
        crc.update(c);
        md5.update(c);
      });
    }
    await fh.sync();
  } catch (e) {
    ctx.progress(-(have + got));
    throw e;
  } finally {
    await fh.close();
  }
  const size = (await stat(path)).size;
  let problem: string | undefined;
  if (size !== remote.size) problem = `got ${size} bytes, expected ${remote.size}`;
  else if (remote.crc64) {
    const local =
      digest.crcPrefix !== undefined
        ? crc64CombineAll([
            { crc: digest.crcPrefix, size: have },
            { crc: crc.digest(), size: size - have },
          ]).toString(10)
        : crc.digestDecimal();
    if (local !== remote.crc64) problem = `CRC64 ${local}, the server says ${remote.crc64}`;
  } else if (/^[0-9a-f]{32}$/.test(remote.etag)) {
    const local = md5.digest('hex');
    if (local !== remote.etag) problem = `MD5 ${local}, the ETag says ${remote.etag}`;
  }
  if (problem) {
    ctx.progress(-size);
    await rm(path, { force: true });
    throw new IntegrityError(`${job.rec.key}: ${problem}`);
  }
}

/** Large objects: chunks fetched in parallel into their places in the `.part` file. */
async function ranged(ctx: RunContext, job: Job, loc: BucketLoc, remote: Remote): Promise<void> {
  const path = partPath(job);
  const chunkSize = choosePartSize(remote.size, ctx.partSize);
  const count = Math.ceil(remote.size / chunkSize);
  if (job.chunks.size > 0 && !(await exists(path))) job.chunks.clear();
  const fh = await open(path, (await exists(path)) ? 'r+' : 'w', PART_MODE);
  try {
    for (const c of job.chunks.values()) ctx.progress(c.size);
    let firstError: unknown;
    const todo: number[] = [];
    for (let n = 0; n < count; n++) if (!job.chunks.has(n)) todo.push(n);
    await Promise.all(
      todo.map((n) =>
        withRetries(ctx.signal, () =>
          ctx.limiter.run(async () => {
            if (firstError !== undefined || ctx.signal.aborted) return;
            const start = n * chunkSize;
            const end = Math.min(remote.size, start + chunkSize) - 1;
            const crc = new Crc64();
            let got = 0;
            try {
              const res = await getObject(ctx.client, loc, job.rec.key, {
                range: `bytes=${start}-${end}`,
                signal: ctx.signal,
              });
              if (res.headers['etag'] && res.headers['etag'].replace(/"/g, '') !== remote.etag) {
                await res.body.dump();
                throw new Error(`${job.rec.key} changed while it was downloading`);
              }
              got = await writeBody(ctx, fh, res.body, start, (c) => crc.update(c));
              if (got !== end - start + 1) throw new IntegrityError(`${job.rec.key}: short range ${got}`);
              await fh.datasync();
              job.chunks.set(n, { crc: crc.digestDecimal(), size: got });
              await ctx.journal.append({
                t: 'chunk',
                id: job.rec.id,
                n,
                crc: crc.digestDecimal(),
                size: got,
              });
            } catch (e) {
              ctx.progress(-got);
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
    await fh.truncate(remote.size);
    await fh.sync();
  } finally {
    await fh.close();
  }
  let problem: string | undefined;
  if (remote.crc64) {
    const local = crc64CombineAll(
      [...job.chunks.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => ({ crc: c.crc, size: c.size })),
    ).toString(10);
    if (local !== remote.crc64) problem = `CRC64 ${local}, the server says ${remote.crc64}`;
  } else if (/^[0-9a-f]{32}$/.test(remote.etag)) {
    const local = await hashRange(path, 0, remote.size, 'md5');
    if (local !== remote.etag) problem = `MD5 ${local}, the ETag says ${remote.etag}`;
  }
  if (problem) {
    await rm(path, { force: true });
    job.chunks.clear();
    throw new IntegrityError(`${job.rec.key}: ${problem}`);
  }
}

/** Streams a response body to `fh` from `pos`, through the throttle; returns the bytes written. */
async function writeBody(
  ctx: RunContext,
  fh: FileHandle,
  body: AsyncIterable<unknown>,
  pos: number,
  onChunk: (c: Buffer) => void,
): Promise<number> {
  let written = 0;
  for await (const raw of body) {
    const chunk = raw as Buffer;
    await ctx.throttle.take(chunk.length);
    await fh.write(chunk, 0, chunk.length, pos + written);
    written += chunk.length;
    onChunk(chunk);
    ctx.progress(chunk.length);
  }
  return written;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof StorageError && e.status === 404;
}
