import { describe, expect, it } from 'vitest';
import { splitStreams, type Range } from '../../../src-main/transfers/download';

const MiB = 1024 * 1024;

/** Parts of `len` bytes each (the last one `last`), as rangesFor lays them out. */
function parts(n: number, len: number, last = len): Range[] {
  return Array.from({ length: n }, (_, i) => ({ start: i * len, len: i === n - 1 ? last : len }));
}

const bytesOf = (ranges: Range[], run: number[]) => run.reduce((a, n) => a + ranges[n].len, 0);

describe('splitStreams: the parts still to fetch, cut into a few runs of whole parts', () => {
  it('128 parts of 8 MiB in 3 streams: every part once, in order, about a third each', () => {
    const r = parts(128, 8 * MiB);
    const todo = r.map((_, n) => n);
    const s = splitStreams(todo, r, 3);
    expect(s.length).toBe(3);
    expect(s.flat()).toEqual(todo);
    for (const run of s) {
      // Contiguous, whole parts.
      expect(run).toEqual(Array.from({ length: run.length }, (_, i) => run[0] + i));
      expect(Math.abs(bytesOf(r, run) - (128 * 8 * MiB) / 3)).toBeLessThanOrEqual(8 * MiB);
    }
  });

  it('never more streams than parts, and one stream when the concurrency is 1', () => {
    const r = parts(3, 5 * MiB, 3 * MiB + 1234);
    expect(splitStreams([0, 1, 2], r, 8)).toEqual([[0], [1], [2]]);
    expect(splitStreams([0, 1, 2], r, 1)).toEqual([[0, 1, 2]]);
    expect(splitStreams([1], r, 3)).toEqual([[1]]);
    expect(splitStreams([], r, 3)).toEqual([]);
  });

  it('parts kept from an earlier run are left out; the rest still split by bytes', () => {
    const r = parts(10, 8 * MiB);
    const todo = [0, 1, 2, 5, 6, 7, 8, 9];
    const s = splitStreams(todo, r, 2);
    expect(s).toEqual([
      [0, 1, 2, 5],
      [6, 7, 8, 9],
    ]);
  });

  it('a short last part does not get a stream of its own', () => {
    const r = parts(9, 8 * MiB, 100);
    const s = splitStreams(
      r.map((_, n) => n),
      r,
      4,
    );
    expect(s.length).toBe(4);
    expect(s.at(-1)).toContain(8);
    expect(s.at(-1)!.length).toBeGreaterThan(1);
  });
});
