import { describe, expect, it } from 'vitest';
import {
  anchorFor,
  MAX_SCROLL_PX,
  offsetForRow,
  realHeight,
  rowRange,
  scrollRatio,
  toReal,
  toVirtual,
} from './scroll-scale';

const ROW = 36;

describe('scaled scrolling', () => {
  it('is the identity below the cap', () => {
    const g = { total: 100_000 * ROW, viewport: 700 };
    expect(realHeight(g)).toBe(3_600_000);
    expect(scrollRatio(g)).toBe(1);
    expect(toVirtual(12_345, g)).toBe(12_345);
    expect(toReal(12_345, g)).toBe(12_345);
    expect(toVirtual(10_000_000, g)).toBe(3_600_000 - 700);
  });

  it('caps the spacer of 1,000,000 rows and maps both ends of the scroll range onto the list', () => {
    const g = { total: 1_000_000 * ROW, viewport: 700 };
    expect(realHeight(g)).toBe(MAX_SCROLL_PX);
    expect(scrollRatio(g)).toBeGreaterThan(4);
    const realMax = MAX_SCROLL_PX - 700;
    expect(toVirtual(0, g)).toBe(0);
    expect(toVirtual(realMax, g)).toBeCloseTo(36_000_000 - 700, 3);
    // The last row is inside the viewport at the bottom of the real range.
    const last = rowRange(toVirtual(realMax, g), 700, ROW, 1_000_000, 0);
    expect(last.end).toBe(1_000_000);
    // Half way down the scroll bar is half way down the list.
    expect(toVirtual(realMax / 2, g)).toBeCloseTo((36_000_000 - 700) / 2, 3);
  });

  it('round-trips offsets and clamps them to the ranges', () => {
    const g = { total: 1_000_000 * ROW, viewport: 700 };
    for (const v of [0, 1, 36, 17_999_999, 35_999_300]) expect(toVirtual(toReal(v, g), g)).toBeCloseTo(v, 3);
    expect(toReal(-50, g)).toBe(0);
    expect(toReal(99_000_000, g)).toBe(MAX_SCROLL_PX - 700);
    expect(toVirtual(-1, g)).toBe(0);
  });

  it('takes a smaller cap (what an engine with a lower clamp would need)', () => {
    const g = { total: 10_000 * ROW, viewport: 360, cap: 36_000 };
    expect(realHeight(g)).toBe(36_000);
    expect(toVirtual(36_000 - 360, g)).toBeCloseTo(360_000 - 360, 6);
  });

  it('handles a viewport taller than the list and an empty list', () => {
    expect(toVirtual(100, { total: 200, viewport: 700 })).toBe(0);
    expect(toReal(100, { total: 0, viewport: 700 })).toBe(0);
    expect(rowRange(0, 700, ROW, 0, 4)).toEqual({ start: 0, end: 0 });
  });

  it('renders the rows in view plus the overscan', () => {
    expect(rowRange(0, 720, ROW, 1000, 4)).toEqual({ start: 0, end: 24 });
    expect(rowRange(3600, 720, ROW, 1000, 4)).toEqual({ start: 96, end: 124 });
    expect(rowRange(36 * 990, 720, ROW, 1000, 4)).toEqual({ start: 986, end: 1000 });
  });

  it('scrolls a row into view with the least movement', () => {
    // In view: no move.
    expect(offsetForRow(5, 0, 720, ROW, 1000)).toBe(0);
    // Below: it becomes the bottom row.
    expect(offsetForRow(30, 0, 720, ROW, 1000)).toBe(31 * ROW - 720);
    // Above: it becomes the top row.
    expect(offsetForRow(2, 3600, 720, ROW, 1000)).toBe(72);
    // The last row of 1,000,000: the end of the list.
    expect(offsetForRow(999_999, 0, 720, ROW, 1_000_000)).toBe(36_000_000 - 720);
    expect(offsetForRow(5_000_000, 0, 720, ROW, 1_000_000)).toBe(36_000_000 - 720);
  });

  it('keeps the rows anchored while the range stays in the block, and re-anchors outside it', () => {
    expect(anchorFor({ start: 0, end: 30 }, 0, 2048)).toBe(0);
    expect(anchorFor({ start: 2000, end: 2030 }, 0, 2048)).toBe(0);
    expect(anchorFor({ start: 2030, end: 2060 }, 0, 2048)).toBe(2030);
    // Scrolled back above the anchor: the range's start.
    expect(anchorFor({ start: 10, end: 40 }, 2030, 2048)).toBe(10);
    // The last rows of 1,000,000.
    expect(anchorFor({ start: 999_970, end: 1_000_000 }, 2030, 2048)).toBe(999_970);
  });
});
