import { describe, expect, it } from 'vitest';
import { mergeSorted } from './entries';

describe('mergeSorted', () => {
  it('gives what sorting both together gives', () => {
    const num = (x: number, y: number) => x - y;
    expect(mergeSorted([1, 3, 5, 7], [0, 3, 4, 9], num)).toEqual([0, 1, 3, 3, 4, 5, 7, 9]);
    expect(mergeSorted([], [2, 4], num)).toEqual([2, 4]);
    expect(mergeSorted([2, 4], [], num)).toEqual([2, 4]);
    // A seeded walk over many shapes.
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    for (let round = 0; round < 100; round++) {
      const a = Array.from({ length: rnd(60) }, () => rnd(40)).sort(num);
      const b = Array.from({ length: rnd(20) }, () => rnd(40)).sort(num);
      expect(mergeSorted(a, b, num)).toEqual([...a, ...b].sort(num));
    }
  });
});
