import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5OfFileRange } from '../../../src-main/transfers/range-md5';

describe('md5OfFileRange (worker threads)', () => {
  let dir: string;
  let file: string;
  const data = randomBytes(9 * 1024 * 1024 + 123);
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'range-md5-'));
    file = join(dir, 'data.bin');
    await writeFile(file, data);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the MD5 of exactly the range asked for, many ranges at once', async () => {
    const ranges = [
      [0, data.length],
      [0, 1],
      [5, 4 * 1024 * 1024 + 7],
      [8 * 1024 * 1024, data.length - 8 * 1024 * 1024],
      [data.length - 1, 1],
      [17, 0],
    ];
    const got = await Promise.all(ranges.map(([s, n]) => md5OfFileRange(file, s, n)));
    expect(got).toEqual(ranges.map(([s, n]) => md5(data.subarray(s, s + n))));
  });

  it('a range past the end of the file is an error, not the MD5 of fewer bytes', async () => {
    await expect(md5OfFileRange(file, data.length - 10, 20)).rejects.toThrow(/ended at byte/);
    await expect(md5OfFileRange(join(dir, 'missing.bin'), 0, 10)).rejects.toThrow(/ENOENT|no such file/);
    // The pool still answers afterwards.
    expect(await md5OfFileRange(file, 0, 10)).toBe(md5(data.subarray(0, 10)));
  });
});
