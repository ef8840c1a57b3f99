import { describe, expect, it } from 'vitest';
import { poolSize, poolSlots } from './row-pool';
import { rowRange } from './scroll-scale';

const ROW = 36;
const rows = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

describe('row pool', () => {
  it('holds every row of a short list in row order', () => {
    const s = poolSlots(rows(3), 0, 3, 29);
    expect(s.map((r) => r.entry)).toEqual(['k0', 'k1', 'k2']);
    expect(s.map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('keeps the slot of every row that stays in the range, and gives the slots that left to the rows that came in', () => {
    const list = rows(100_000);
    const size = poolSize(700, ROW, 4);
    let prev = new Map<number, number>();
    for (let offset = 0; offset < 200_000; offset += 397) {
      const r = rowRange(offset, 700, ROW, list.length, 4);
      const s = poolSlots(list, r.start, r.end, size);
      // Same length all the way (no slot empties and refills), covering the range, each row once.
      expect(s.length).toBe(size);
      const indexes = s.map((x) => x.index);
      expect(new Set(indexes).size).toBe(size);
      for (let i = r.start; i < r.end; i++) expect(indexes).toContain(i);
      s.forEach((x, slot) => {
        expect(x.entry).toBe(list[x.index]);
        if (prev.has(x.index)) expect(slot).toBe(prev.get(x.index));
      });
      prev = new Map(s.map((x, slot) => [x.index, slot]));
    }
  });

  it('stays a full pool at the end of the list', () => {
    const list = rows(1000);
    const r = rowRange(1000 * ROW - 700, 700, ROW, list.length, 4);
    expect(r.end).toBe(1000);
    const s = poolSlots(list, r.start, r.end, poolSize(700, ROW, 4));
    expect(s.length).toBe(poolSize(700, ROW, 4));
    expect(Math.max(...s.map((x) => x.index))).toBe(999);
    expect(Math.min(...s.map((x) => x.index))).toBe(1000 - s.length);
  });

  it('grows for a range longer than the pool, and is empty for no rows', () => {
    expect(poolSlots(rows(100), 10, 50, 29)).toHaveLength(40);
    expect(poolSlots([], 0, 0, 29)).toEqual([]);
  });
});
