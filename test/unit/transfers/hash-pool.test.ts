import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc64Decimal } from '../../../src-main/storage/crc64';
import { multipartEtag, uniformLayout } from '../../../src-main/transfers/hash';
import { HashPool, WorkerCrashed } from '../../../src-main/transfers/workers/pool';

const dir = mkdtempSync(join(tmpdir(), 'hash-pool-'));
const data = randomBytes(3 * 1024 * 1024 + 17);
const file = join(dir, 'data.bin');
writeFileSync(file, data);
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('hash pool (worker threads)', () => {
  const pool = new HashPool(2);
  afterAll(() => pool.close());

  it('hashes a file range in a worker: MD5, CRC-64 and multipart ETags as on the main thread', async () => {
    const part = data.subarray(1000, 1000 + 2_000_000);
    await expect(pool.hashFile(file, 1000, part.length, { md5: true, crc64: true })).resolves.toEqual({
      md5: md5(part),
      crc64: crc64Decimal(part),
    });
    const layout = uniformLayout(data.length, 1024 * 1024)!;
    const parts = layout.map((_, i) => md5(data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024)));
    const d = await pool.hashFile(file, 0, data.length, { layouts: [layout, [5]] });
    expect(d.etags).toEqual([multipartEtag(parts), '']);
  });

  it('reads a range into memory with its digest (the upload part path)', async () => {
    const r = await pool.readFile(file, 5, 100_000, { md5: true });
    expect(Buffer.compare(r.buf, data.subarray(5, 100_005))).toBe(0);
    expect(r.digests.md5).toBe(md5(data.subarray(5, 100_005)));
  });

  it('reads ranges into one buffer lent back and forth (the upload part path), a short file says so', async () => {
    let buf = new ArrayBuffer(1024 * 1024);
    const seen: string[] = [];
    for (const start of [0, 1024 * 1024, 7]) {
      const r = await pool.readInto(file, start, 1024 * 1024, { md5: true, crc64: true }, buf);
      // Transferred there and back: the caller's old view is empty until the answer gives it back.
      expect(buf.byteLength).toBe(0);
      expect(r.buf.byteLength).toBe(1024 * 1024);
      buf = r.buf;
      const want = data.subarray(start, start + 1024 * 1024);
      expect(r.len).toBe(want.length);
      expect(Buffer.compare(Buffer.from(r.buf, 0, r.len), want)).toBe(0);
      expect(r.digests).toEqual({ md5: md5(want), crc64: crc64Decimal(want) });
      seen.push(r.digests.md5!);
    }
    expect(new Set(seen).size).toBe(3);
    // Past the end: what is there, with its digest of exactly those bytes.
    const tail = await pool.readInto(file, data.length - 17, 1024 * 1024, { md5: true }, buf);
    expect(tail.len).toBe(17);
    expect(tail.digests.md5).toBe(md5(data.subarray(data.length - 17)));
    await expect(
      pool.readInto(join(dir, 'missing'), 0, 10, { md5: true }, new ArrayBuffer(10)),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('digests a stream fed in pieces of any size, and the caller keeps its buffers', async () => {
    const s = pool.stream({ md5: true, crc64: true });
    const copy = Buffer.from(data);
    for (let off = 0; off < copy.length; off += 300_001) s.update(copy.subarray(off, off + 300_001));
    expect(Buffer.compare(copy, data)).toBe(0);
    await expect(s.digest()).resolves.toEqual({ md5: md5(data), crc64: crc64Decimal(data) });
  });

  it('keeps fs errors as they are (code, path) for the engine to word', async () => {
    await expect(pool.hashFile(join(dir, 'missing'), 0, 10, { md5: true })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('a worker that dies fails what it held with a clear reason, and the next task gets a new one', async () => {
    const one = new HashPool(1);
    try {
      const task = one.hashFile(file, 0, data.length, { md5: true });
      const stream = one.stream({ crc64: true });
      stream.update(data);
      expect(one.workers()).toHaveLength(1);
      await one.workers()[0].terminate();
      await expect(task).rejects.toBeInstanceOf(WorkerCrashed);
      await expect(stream.digest()).rejects.toThrow(/hashing worker stopped unexpectedly \(exit code \d+\)/);
      expect(one.workers()).toHaveLength(0);
      await expect(one.hashFile(file, 0, data.length, { md5: true })).resolves.toEqual({ md5: md5(data) });
    } finally {
      await one.close();
    }
  });
});
