import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { execFile } from 'node:child_process';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headObject, putObject } from '../../../src-main/storage/ops/objects';
import { Crc64 } from '../../../src-main/storage/crc64';
import type { TransferEngine } from '../../../src-main/transfers/engine';
import { JOURNAL_FILE } from '../../../src-main/transfers/journal';
import { completeUpload, initiateUpload, uploadPart } from '../../../src-main/transfers/multipart';
import { damageStack, jobOf, verifiedOf, type DamageStack } from './damage-proxy';
import { rgwEnv } from '../storage/helpers';
import { MiB, randomFile, sha256File } from './harness';

const execFileP = promisify(execFile);
// Debian's awscli (installed by .ci/run); a pyenv shim earlier in PATH may point elsewhere.
const AWS = '/usr/bin/aws';

// Small parts keep these files a few MiB; S3 does not take parts under 5 MiB.
const SMALL = { threshold: 5 * MiB, partSize: 5 * MiB };

async function upload(s: DamageStack, e: TransferEngine, src: string, key: string) {
  const st = await stat(src);
  const [id] = await e.add([
    {
      kind: 'upload',
      accountId: 'a',
      bucket: s.bucket,
      key,
      localPath: src,
      size: st.size,
      mtimeMs: st.mtimeMs,
      onConflict: 'overwrite',
    },
  ]);
  await e.idle();
  return { job: e.get(id)!, verified: verifiedOf(e, id) };
}

async function download(s: DamageStack, e: TransferEngine, key: string, dst: string, size = 0) {
  const [id] = await e.add([
    {
      kind: 'download',
      accountId: 'a',
      bucket: s.bucket,
      key,
      localPath: dst,
      size,
      onConflict: 'overwrite',
    },
  ]);
  await e.idle();
  return { job: e.get(id)!, verified: verifiedOf(e, id) };
}

/** What another tool leaves: a multipart object cut into parts of the given sizes. */
async function peerMultipart(s: DamageStack, key: string, src: string, sizes: number[]): Promise<string> {
  const loc = { bucket: s.bucket };
  const uploadId = await initiateUpload(s.direct, loc, key);
  const parts = [];
  let start = 0;
  for (const [i, len] of sizes.entries()) {
    const from = start;
    const r = await uploadPart(s.direct, loc, key, {
      uploadId,
      partNumber: i + 1,
      size: len,
      body: () => createReadStream(src, { start: from, end: from + len - 1 }),
    });
    parts.push({ partNumber: i + 1, etag: r.etag });
    start += len;
  }
  return (await completeUpload(s.direct, loc, key, uploadId, parts)).etag;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function leftovers(path: string): Promise<string[]> {
  return (await readdir(dirname(path))).filter((n) => n.endsWith('.cosdesk-part'));
}

describe('S3 downloads are verified end to end', () => {
  let s: DamageStack;
  let engineMade: string;
  beforeAll(async () => {
    s = await damageStack('s3');
    engineMade = join(s.dir, 'engine-made.bin');
    await randomFile(engineMade, 13 * MiB + 1234, 21);
    const e = await s.engine(SMALL);
    const up = await upload(s, e, engineMade, 'mp/engine-made.bin');
    expect(up.job.state).toBe('done');
    expect(up.verified).toBe('multipart-etag');
  });
  afterAll(async () => {
    await s?.close();
  });
  /** Done, checked against the multipart ETag, the same bytes as the source, nothing left over. */
  const expectWhole = async (r: Awaited<ReturnType<typeof download>>, dst: string) => {
    expect(r.job.state).toBe('done');
    expect(r.verified).toBe('multipart-etag');
    expect(await sha256File(dst)).toBe(await sha256File(engineMade));
    expect(await leftovers(dst)).toEqual([]);
  };

  it('a multipart object with a byte flipped in one ranged GET: caught, re-fetched, byte-identical', async () => {
    s.proxy.reset({ flipGet: 2 });
    const dst = join(s.dir, 'out', 'flip-engine.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/engine-made.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    await expectWhole(r, dst);
  });

  it('a byte flipped deep in a ranged GET (past its first MiB): caught, re-fetched, byte-identical', async () => {
    // The chunks are 5 MiB: the byte sits past the first 1 MiB write batches.
    s.proxy.reset({
      flipGet: 1,
      flipAt: 3 * MiB + 4321,
      getWhen: (req) => /^bytes=5242880-/.test(String(req.headers['range'])),
    });
    const dst = join(s.dir, 'out', 'flip-deep.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/engine-made.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    await expectWhole(r, dst);
  });

  it('a ranged GET broken off mid-body is fetched again from its start: byte-identical, no stale bytes', async () => {
    // 2.5 MiB in: two 1 MiB batches written, a third half full when the connection breaks.
    s.proxy.reset({
      cutGet: 1,
      cutAt: 2.5 * MiB,
      getWhen: (req) => /^bytes=5242880-/.test(String(req.headers['range'])),
    });
    const dst = join(s.dir, 'out', 'cut.bin');
    const opts = { ...SMALL, dir: join(s.dir, 'cut-data') };
    const r = await download(s, await s.engine(opts), 'mp/engine-made.bin', dst);
    expect(s.proxy.stats.cut).toBe(1);
    expect(r.job.state).toBe('done');
    expect(r.verified).toBe('multipart-etag');
    // One range asked for twice (the broken answer, then the retry): nothing else again.
    const ranges = s.proxy.stats.log.filter((l) => l.startsWith('GET') && /bytes=/.test(l));
    expect(ranges.length).toBe(new Set(ranges).size + 1);
    expect(await sha256File(dst)).toBe(await sha256File(engineMade));
    // Each chunk's recorded MD5 (what a resume checks) is that of the bytes that were kept.
    const bytes = await readFile(engineMade);
    const want = [0, 5, 10].map(
      (m, n) =>
        `md5:${createHash('md5')
          .update(bytes.subarray(m * MiB, n < 2 ? (m + 5) * MiB : undefined))
          .digest('hex')}`,
    );
    const recs = (await readFile(join(opts.dir, JOURNAL_FILE), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"t":"chunk"'))
      .map((l) => JSON.parse(l) as { n: number; crc: string });
    expect(recs.sort((a, b) => a.n - b.n).map((c) => c.crc)).toEqual(want);
    expect(await leftovers(dst)).toEqual([]);
  });

  /** The Range of every ranged GET the proxy saw, in order. */
  const rangesSeen = () =>
    s.proxy.stats.log.filter((l) => l.startsWith('GET') && /bytes=/.test(l)).map((l) => l.split(' ')[2]);
  const end = 13 * MiB + 1234 - 1;

  it('a long stream cut in its middle goes on from its first incomplete part; a record per part', async () => {
    // Concurrency 1: one stream, one GET of the three chunks; cut 7.5 MiB in (chunk 0 complete).
    s.proxy.reset({ cutGet: 1, cutAt: 7.5 * MiB });
    const dst = join(s.dir, 'out', 'stream-cut.bin');
    const opts = { ...SMALL, concurrency: 1, dir: join(s.dir, 'stream-cut-data') };
    const r = await download(s, await s.engine(opts), 'mp/engine-made.bin', dst);
    expect(s.proxy.stats.cut).toBe(1);
    await expectWhole(r, dst);
    // Chunk 0 was kept: the second GET starts at chunk 1.
    expect(rangesSeen()).toEqual([`bytes=0-${end}`, `bytes=${5 * MiB}-${end}`]);
    const bytes = await readFile(engineMade);
    const md5 = (a: number, b?: number) =>
      `md5:${createHash('md5').update(bytes.subarray(a, b)).digest('hex')}`;
    const recs = (await readFile(join(opts.dir, JOURNAL_FILE), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"t":"chunk"'))
      .map((l) => JSON.parse(l) as { n: number; crc: string; size: number });
    expect(recs.map((c) => [c.n, c.crc, c.size])).toEqual([
      [0, md5(0, 5 * MiB), 5 * MiB],
      [1, md5(5 * MiB, 10 * MiB), 5 * MiB],
      [2, md5(10 * MiB), 3 * MiB + 1234],
    ]);
  });

  it('a wrong byte in one part of a long stream: caught, and only that part fetched again', async () => {
    s.proxy.reset({ flipGet: 1, flipAt: 5 * MiB + 4321 });
    const dst = join(s.dir, 'out', 'stream-flip.bin');
    const r = await download(s, await s.engine({ ...SMALL, concurrency: 1 }), 'mp/engine-made.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    await expectWhole(r, dst);
    const parts = [`bytes=0-${5 * MiB - 1}`, `bytes=${5 * MiB}-${10 * MiB - 1}`, `bytes=${10 * MiB}-${end}`];
    // The stream; the second read of every part (hashing only); chunk 1 again, alone.
    expect(rangesSeen()).toEqual([`bytes=0-${end}`, ...parts, parts[1]]);
  });

  it('a multipart object another tool made with its own part size (6 MiB), a byte flipped: caught', async () => {
    const src = join(s.dir, 'peer6.bin');
    await randomFile(src, 12 * MiB + 777, 22);
    await peerMultipart(s, 'mp/peer6.bin', src, [6 * MiB, 6 * MiB, 777]);
    s.proxy.reset({ flipGet: 1 });
    const dst = join(s.dir, 'out', 'peer6.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/peer6.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r.job.state).toBe('done');
    expect(r.verified).toBe('multipart-etag');
    expect(await sha256File(dst)).toBe(await sha256File(src));
    // Below the ranged threshold the one GET is checked the same way.
    s.proxy.reset({ flipGet: 1 });
    const dst2 = join(s.dir, 'out', 'peer6-seq.bin');
    const r2 = await download(s, await s.engine({ threshold: 64 * MiB }), 'mp/peer6.bin', dst2);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r2).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    expect(await sha256File(dst2)).toBe(await sha256File(src));
  });

  it('an object `aws s3 cp` uploaded with 7 MiB parts, a byte flipped: caught', async () => {
    const src = join(s.dir, 'aws.bin');
    await randomFile(src, 15 * MiB + 4321, 28);
    const config = join(s.dir, 'aws-config');
    await writeFile(config, '[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 7MB\n');
    const env = rgwEnv();
    await execFileP(
      AWS,
      ['s3', 'cp', src, `s3://${s.bucket}/mp/aws.bin`, '--endpoint-url', env.endpoint, '--only-show-errors'],
      {
        env: {
          ...process.env,
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: join(s.dir, 'no-credentials'),
          AWS_ACCESS_KEY_ID: env.ak,
          AWS_SECRET_ACCESS_KEY: env.sk,
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    );
    const head = await headObject(s.direct, { bucket: s.bucket }, 'mp/aws.bin');
    expect(head.etag).toMatch(/-3$/);
    s.proxy.reset({ flipGet: 2 });
    const dst = join(s.dir, 'out', 'aws.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/aws.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    expect(await sha256File(dst)).toBe(await sha256File(src));
  });

  it('parts of different sizes: size-checked only on RGW, verified where HEAD ?partNumber answers', async () => {
    const src = join(s.dir, 'uneven.bin');
    const sizes = [5 * MiB, 7 * MiB, 5 * MiB + 100];
    await randomFile(
      src,
      sizes.reduce((a, b) => a + b),
      23,
    );
    await peerMultipart(s, 'mp/uneven.bin', src, sizes);
    // RGW 16 ignores ?partNumber: the layout is unknown, so the ETag cannot be re-derived.
    s.proxy.reset({ flipGet: 2 });
    const dst = join(s.dir, 'out', 'uneven.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/uneven.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r).toMatchObject({ verified: 'size-only', job: { state: 'done' } });
    // ... and still the flipped byte was noticed (a second read disagreed) and fetched again.
    expect(await sha256File(dst)).toBe(await sha256File(src));
    // A server that answers HEAD ?partNumber=k as S3 does: the exact layout, then verified.
    s.proxy.reset({ partSizes: sizes, flipGet: 3 });
    const dst2 = join(s.dir, 'out', 'uneven-aws.bin');
    const r2 = await download(s, await s.engine(SMALL), 'mp/uneven.bin', dst2);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r2).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    expect(await sha256File(dst2)).toBe(await sha256File(src));
  });

  it('part 1 suggests equal parts but they are not: asked part by part before giving up', async () => {
    const src = join(s.dir, 'uneven2.bin');
    const sizes = [6 * MiB, 5 * MiB, 6 * MiB + 100];
    await randomFile(
      src,
      sizes.reduce((a, b) => a + b),
      27,
    );
    await peerMultipart(s, 'mp/uneven2.bin', src, sizes);
    s.proxy.reset({ partSizes: sizes });
    const dst = join(s.dir, 'out', 'uneven2.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/uneven2.bin', dst);
    expect(r).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    expect(await sha256File(dst)).toBe(await sha256File(src));
    expect(s.proxy.stats.log.filter((l) => /^HEAD .*partNumber=3/.test(l)).length).toBe(1);
  });

  it('parts much larger than a chunk are fetched in chunks and checked from disk', async () => {
    const src = join(s.dir, 'one-part.bin');
    await randomFile(src, 21 * MiB + 11, 26);
    await peerMultipart(s, 'mp/one-part.bin', src, [21 * MiB + 11]);
    s.proxy.reset({ flipGet: 3 });
    const dst = join(s.dir, 'out', 'one-part.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/one-part.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    expect(await sha256File(dst)).toBe(await sha256File(src));
  });

  it('a resumed download checks the chunks it kept: one damaged on disk meanwhile is fetched again', async () => {
    s.proxy.reset();
    const e = await s.engine({ ...SMALL, concurrency: 1 });
    // Slow enough that the job can be paused after its first chunk, whatever the machine.
    e.setLimits({ uploadBps: 0, downloadBps: 2 * MiB, concurrency: 1 });
    const dst = join(s.dir, 'out', 'resumed.bin');
    const [id] = await e.add([
      {
        kind: 'download',
        accountId: 'a',
        bucket: s.bucket,
        key: 'mp/engine-made.bin',
        localPath: dst,
        size: 0,
        onConflict: 'overwrite',
      },
    ]);
    for (let i = 0; i < 1200 && (jobOf(e, id)?.chunks.size ?? 0) < 1; i++) await sleep(50);
    expect(jobOf(e, id)!.chunks.size).toBe(1);
    expect(e.pause([id])).toBe(1);
    await e.idle();
    // The kept chunk rots on disk while the job waits.
    const fh = await open(dst + '.cosdesk-part', 'r+');
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, 100);
    b[0] ^= 0xff;
    await fh.write(b, 0, 1, 100);
    await fh.close();
    e.setLimits({ uploadBps: 0, downloadBps: 0, concurrency: 8 });
    const gets = s.proxy.stats.rangedGets;
    e.resume([id]);
    await e.idle();
    expect(e.get(id)!.state).toBe('done');
    expect(verifiedOf(e, id)).toBe('multipart-etag');
    expect(await sha256File(dst)).toBe(await sha256File(engineMade));
    // Chunk 1 again (it was damaged) plus whatever the pause cut short: at least 3 more GETs.
    expect(s.proxy.stats.rangedGets - gets).toBeGreaterThanOrEqual(3);
  });

  it('a download resumed from the journal by a new engine is still verified as a whole', async () => {
    s.proxy.reset();
    const opts = { ...SMALL, concurrency: 1, dir: join(s.dir, 'journaled-data') };
    const first = await s.engine(opts);
    first.setLimits({ uploadBps: 0, downloadBps: 2 * MiB, concurrency: 1 });
    const dst = join(s.dir, 'out', 'journaled.bin');
    const [id] = await first.add([
      {
        kind: 'download',
        accountId: 'a',
        bucket: s.bucket,
        key: 'mp/engine-made.bin',
        localPath: dst,
        size: 0,
        onConflict: 'overwrite',
      },
    ]);
    for (let i = 0; i < 1200 && (jobOf(first, id)?.chunks.size ?? 0) < 1; i++) await sleep(50);
    expect(jobOf(first, id)!.chunks.size).toBe(1);
    await first.close();
    const logAt = s.proxy.stats.log.length;
    // Same data folder: the journal's chunk record is all the new engine knows of chunk 1.
    const second = await s.engine(opts);
    expect(jobOf(second, id)!.chunks.size).toBe(1);
    second.start();
    await second.idle();
    expect(second.get(id)!.state).toBe('done');
    expect(verifiedOf(second, id)).toBe('multipart-etag');
    expect(await sha256File(dst)).toBe(await sha256File(engineMade));
    // Chunk 1 came from disk (re-hashed there), not from the server again.
    // (An aborted GET of the first engine may still reach the proxy late: count by range.)
    const later = s.proxy.stats.log.slice(logAt).filter((l) => l.startsWith('GET '));
    expect(
      later.filter((l) => / bytes=0-/.test(l)),
      later.join('\n'),
    ).toEqual([]);
    // Chunks 1 and 2: one stream (concurrency 1), from chunk 1's first byte.
    expect(later.filter((l) => / bytes=5242880-/.test(l)).length, later.join('\n')).toBeGreaterThanOrEqual(1);
  });

  it('chunks are journaled by MD5 for S3; a CRC-64 chunk record of an older version is still honoured', async () => {
    s.proxy.reset();
    const opts = { ...SMALL, concurrency: 1, dir: join(s.dir, 'old-journal-data') };
    const first = await s.engine(opts);
    first.setLimits({ uploadBps: 0, downloadBps: 2 * MiB, concurrency: 1 });
    const dst = join(s.dir, 'out', 'old-journal.bin');
    const [id] = await first.add([
      {
        kind: 'download',
        accountId: 'a',
        bucket: s.bucket,
        key: 'mp/engine-made.bin',
        localPath: dst,
        size: 0,
        onConflict: 'overwrite',
      },
    ]);
    for (let i = 0; i < 1200 && (jobOf(first, id)?.chunks.size ?? 0) < 1; i++) await sleep(50);
    await first.close();
    // The record names the chunk's MD5, the MD5 of what the file holds there.
    const journal = join(opts.dir, JOURNAL_FILE);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    const at = lines.findIndex((l) => l.includes('"t":"chunk"'));
    const rec = JSON.parse(lines[at]) as { n: number; crc: string; size: number };
    const part = dst + '.cosdesk-part';
    const bytes = (await readFile(part)).subarray(0, rec.size);
    expect(rec.n).toBe(0);
    expect(rec.crc).toBe(`md5:${createHash('md5').update(bytes).digest('hex')}`);
    // What an older cosdesk wrote instead: the chunk's CRC-64 in decimal.
    const crc = new Crc64();
    crc.update(bytes);
    lines[at] = JSON.stringify({ ...rec, crc: crc.digestDecimal() });
    await writeFile(journal, lines.join('\n'));
    const logAt = s.proxy.stats.log.length;
    const second = await s.engine(opts);
    expect(jobOf(second, id)!.chunks.get(0)?.crc).toBe(crc.digestDecimal());
    second.start();
    await second.idle();
    expect(second.get(id)!.state).toBe('done');
    expect(verifiedOf(second, id)).toBe('multipart-etag');
    expect(await sha256File(dst)).toBe(await sha256File(engineMade));
    // Chunk 0 was taken from disk, its old record checked there.
    const later = s.proxy.stats.log.slice(logAt).filter((l) => l.startsWith('GET '));
    expect(
      later.filter((l) => / bytes=0-/.test(l)),
      later.join('\n'),
    ).toEqual([]);
  });

  it('a HEAD that under-reports the size: no short file, a clear reason', async () => {
    for (const [name, opts] of [
      ['ranged', SMALL],
      ['one GET', { threshold: 64 * MiB }],
    ] as const) {
      s.proxy.reset({ headSize: (n) => Math.floor(n / 2), headTimes: 1000 });
      const dst = join(s.dir, 'out', `short-${name}.bin`);
      const r = await download(s, await s.engine(opts), 'mp/engine-made.bin', dst);
      expect(s.proxy.stats.headsRewritten, name).toBeGreaterThan(0);
      expect(r.job.state, name).toBe('failed');
      expect(r.job.error, name).toMatch(/misreports its size/);
      await expect(stat(dst), name).rejects.toThrow();
      expect(await leftovers(dst), name).toEqual([]);
    }
    // Once only: the download starts over from a fresh HEAD and ends right.
    s.proxy.reset({ headSize: (n) => Math.floor(n / 2), headTimes: 1 });
    const dst = join(s.dir, 'out', 'short-once.bin');
    const r = await download(s, await s.engine(SMALL), 'mp/engine-made.bin', dst);
    expect(r).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    expect(await sha256File(dst)).toBe(await sha256File(engineMade));
  });

  it('a ranged answer with a wrong Content-Range total, or for other bytes than asked: caught', async () => {
    // Concurrency 1: one stream, one GET of all three chunks.
    s.proxy.reset({ rangeTotalGet: 1 });
    const dst = join(s.dir, 'out', 'total.bin');
    const r = await download(s, await s.engine({ ...SMALL, concurrency: 1 }), 'mp/engine-made.bin', dst);
    expect(s.proxy.stats.totalsRewritten).toBe(1);
    expect(r).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    // The object looked changed: the download started over from a fresh HEAD (one GET, then one again).
    expect(s.proxy.stats.rangedGets).toBe(2);
    expect(s.proxy.stats.heads).toBeGreaterThanOrEqual(2);
    expect(await sha256File(dst)).toBe(await sha256File(engineMade));

    // The one stream's GET broken off in chunk 1; its retry (from chunk 1) answered with the
    // first answer's bytes (and its Content-Range, from byte 0).
    s.proxy.reset({ replayGet: 2, cutGet: 1, cutAt: 7.5 * MiB });
    const dst2 = join(s.dir, 'out', 'replay.bin');
    const r2 = await download(s, await s.engine({ ...SMALL, concurrency: 1 }), 'mp/engine-made.bin', dst2);
    expect(s.proxy.stats.replayed).toBe(1);
    expect(s.proxy.stats.cut).toBe(1);
    expect(r2).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
    expect(await sha256File(dst2)).toBe(await sha256File(engineMade));
  });

  it('an answer with more bytes than promised is neither kept nor cut silently', async () => {
    for (const [name, opts] of [
      ['ranged', SMALL],
      ['one GET', { threshold: 64 * MiB }],
    ] as const) {
      s.proxy.reset({ extraGet: 1 });
      const dst = join(s.dir, 'out', `extra-${name}.bin`);
      const r = await download(s, await s.engine(opts), 'mp/engine-made.bin', dst);
      expect(s.proxy.stats.extended, name).toBe(1);
      // The long answer was refused and asked again.
      expect(s.proxy.stats.gets, name).toBeGreaterThan(name === 'ranged' ? 3 : 1);
      expect(r, name).toMatchObject({ verified: 'multipart-etag', job: { state: 'done' } });
      expect(await sha256File(dst), name).toBe(await sha256File(engineMade));
    }
  });

  it('a single-part object with a flipped byte is caught (one GET and ranged)', async () => {
    const small = join(s.dir, 'single.bin');
    await randomFile(small, 1 * MiB + 5, 24);
    await putObject(s.direct, { bucket: s.bucket }, 'single.bin', await readFile(small));
    s.proxy.reset({ flipGet: 1 });
    const dst = join(s.dir, 'out', 'single.bin');
    const r = await download(s, await s.engine(), 'single.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r).toMatchObject({ verified: 'md5', job: { state: 'done' } });
    expect(await sha256File(dst)).toBe(await sha256File(small));

    const big = join(s.dir, 'single-big.bin');
    await randomFile(big, 11 * MiB + 3, 25);
    await putObject(s.direct, { bucket: s.bucket }, 'single-big.bin', await readFile(big));
    s.proxy.reset({ flipGet: 2 });
    const dst2 = join(s.dir, 'out', 'single-big.bin');
    const r2 = await download(s, await s.engine(SMALL), 'single-big.bin', dst2);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r2).toMatchObject({ verified: 'md5', job: { state: 'done' } });
    expect(await sha256File(dst2)).toBe(await sha256File(big));
  });

  it('a small object queued with its size (a listing) comes in one GET, no HEAD, and is checked as well', async () => {
    const src = join(s.dir, 'quick.bin');
    const size = 64 * 1024 + 7;
    await randomFile(src, size, 31);
    await putObject(s.direct, { bucket: s.bucket }, 'quick.bin', await readFile(src));
    const heads = () => s.proxy.stats.log.filter((l) => l.startsWith('HEAD ')).length;
    s.proxy.reset();
    const dst = join(s.dir, 'out', 'quick.bin');
    const r = await download(s, await s.engine(), 'quick.bin', dst, size);
    expect(r).toMatchObject({ verified: 'md5', job: { state: 'done', size } });
    expect([s.proxy.stats.gets, heads()]).toEqual([1, 0]);
    expect(await sha256File(dst)).toBe(await sha256File(src));

    // A flipped byte in that GET: the full path takes over (HEAD, reads again), never kept.
    s.proxy.reset({ flipGet: 1 });
    const dst2 = join(s.dir, 'out', 'quick-flipped.bin');
    const r2 = await download(s, await s.engine(), 'quick.bin', dst2, size);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r2).toMatchObject({ verified: 'md5', job: { state: 'done' } });
    expect(heads()).toBeGreaterThan(0);
    expect(await sha256File(dst2)).toBe(await sha256File(src));

    // SSE-KMS (its ETag is no MD5) from the GET's own headers: size-checked only.
    s.proxy.reset({ kms: true });
    const dst3 = join(s.dir, 'out', 'quick-kms.bin');
    const r3 = await download(s, await s.engine(), 'quick.bin', dst3, size);
    expect(r3).toMatchObject({ verified: 'size-only', job: { state: 'done' } });
    expect(await sha256File(dst3)).toBe(await sha256File(src));
    // Listed with a stale size: the GET's answer says the real one.
    s.proxy.reset();
    const dst4 = join(s.dir, 'out', 'quick-stale.bin');
    const r4 = await download(s, await s.engine(), 'quick.bin', dst4, 10);
    expect(r4).toMatchObject({ verified: 'md5', job: { state: 'done', size } });
    expect(await sha256File(dst4)).toBe(await sha256File(src));
  });

  it('SSE-KMS objects (ETag not an MD5) and ETags of no known shape are size-checked only', async () => {
    const small = join(s.dir, 'single.bin');
    s.proxy.reset({ kms: true });
    const dst = join(s.dir, 'out', 'kms.bin');
    const r = await download(s, await s.engine(), 'single.bin', dst);
    expect(r).toMatchObject({ verified: 'size-only', job: { state: 'done' } });
    expect(await sha256File(dst)).toBe(await sha256File(small));

    s.proxy.reset({ kms: true });
    const dst2 = join(s.dir, 'out', 'kms-mp.bin');
    const r2 = await download(s, await s.engine(SMALL), 'mp/engine-made.bin', dst2);
    expect(r2).toMatchObject({ verified: 'size-only', job: { state: 'done' } });
    expect(await sha256File(dst2)).toBe(await sha256File(engineMade));

    s.proxy.reset({ etag: () => 'not-a-digest' });
    const dst3 = join(s.dir, 'out', 'odd-etag.bin');
    const r3 = await download(s, await s.engine(), 'single.bin', dst3);
    expect(r3).toMatchObject({ verified: 'size-only', job: { state: 'done' } });
  });
});

describe('S3 uploads say how they were verified', () => {
  let s: DamageStack;
  beforeAll(async () => {
    s = await damageStack('s3');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('single PUT: MD5 ETag; multipart: composite ETag; SSE-KMS: size-checked only', async () => {
    const small = join(s.dir, 'up-small.bin');
    await randomFile(small, 200 * 1024, 31);
    const big = join(s.dir, 'up-big.bin');
    await randomFile(big, 11 * MiB, 32);
    const e = await s.engine(SMALL);
    expect(await upload(s, e, small, 'up/small.bin')).toMatchObject({
      verified: 'md5',
      job: { state: 'done' },
    });
    expect(await upload(s, e, big, 'up/big.bin')).toMatchObject({
      verified: 'multipart-etag',
      job: { state: 'done' },
    });
    s.proxy.reset({ kms: true });
    const r = await upload(s, await s.engine(SMALL), small, 'up/kms.bin');
    expect(r).toMatchObject({ verified: 'size-only', job: { state: 'done' } });
  });
});

describe('S3 multipart uploads are checked as a whole', () => {
  let s: DamageStack;
  beforeAll(async () => {
    s = await damageStack('s3');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('an object whose ETag is not the composite of the parts sent is not called done', async () => {
    const big = join(s.dir, 'whole.bin');
    await randomFile(big, 11 * MiB, 33);
    // RGW answers Complete with an empty ETag: the engine asks HEAD, which here says otherwise.
    s.proxy.reset({ headEtag: (real) => `${'0'.repeat(32)}-${real.split('-')[1] ?? '1'}` });
    const r = await upload(s, await s.engine(SMALL), big, 'up/whole.bin');
    expect(r.job.state).toBe('failed');
    expect(r.job.error).toMatch(/ETag/);
    expect(r.verified).toBeUndefined();
  });
});

describe('COS transfers are verified by CRC-64', () => {
  let s: DamageStack;
  let src: string;
  beforeAll(async () => {
    s = await damageStack('cos');
    src = join(s.dir, 'cos-mp.bin');
    await randomFile(src, 13 * MiB + 99, 41);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('multipart up, then down with a byte flipped in one ranged GET: caught, byte-identical', async () => {
    const up = await upload(s, await s.engine(SMALL), src, 'cos/mp.bin');
    expect(up).toMatchObject({ verified: 'crc64', job: { state: 'done' } });
    s.proxy.reset({ flipGet: 2 });
    const dst = join(s.dir, 'out', 'cos-mp.bin');
    const r = await download(s, await s.engine(SMALL), 'cos/mp.bin', dst);
    expect(s.proxy.stats.flipped).toBe(1);
    expect(r).toMatchObject({ verified: 'crc64', job: { state: 'done' } });
    expect(await sha256File(dst)).toBe(await sha256File(src));
    expect(await leftovers(dst)).toEqual([]);
  });

  it('single PUT and one-GET download: CRC-64; without the CRC-64 header: size-checked only', async () => {
    const small = join(s.dir, 'cos-small.bin');
    await randomFile(small, 300 * 1024, 42);
    const e = await s.engine(SMALL);
    expect(await upload(s, e, small, 'cos/small.bin')).toMatchObject({ verified: 'crc64' });
    s.proxy.reset({ flipGet: 1 });
    const dst = join(s.dir, 'out', 'cos-small.bin');
    expect(await download(s, await s.engine(), 'cos/small.bin', dst)).toMatchObject({
      verified: 'crc64',
      job: { state: 'done' },
    });
    expect(s.proxy.stats.flipped).toBe(1);
    expect(await sha256File(dst)).toBe(await sha256File(small));

    s.proxy.reset({ stripCrc: true });
    const e2 = await s.engine(SMALL);
    expect(await upload(s, e2, small, 'cos/nocrc.bin')).toMatchObject({ verified: 'size-only' });
    expect(await upload(s, e2, src, 'cos/nocrc-mp.bin')).toMatchObject({ verified: 'size-only' });
    const dst2 = join(s.dir, 'out', 'cos-nocrc.bin');
    expect(await download(s, e2, 'cos/mp.bin', dst2)).toMatchObject({
      verified: 'size-only',
      job: { state: 'done' },
    });
    expect(await sha256File(dst2)).toBe(await sha256File(src));
  });
});
