/**
 * A fixed pool of row elements for the virtual object list: row `index` is shown by slot
 * `index % size`, so while the range moves a row that stays in view keeps its element, and a row
 * that comes in takes over the element of the one that left (its texts and attributes change, no
 * element is created or moved). The pool's range is always `size` rows when there are that many
 * (the rendered range moved back from the end), so no slot empties and refills while scrolling.
 *
 * The elements are in slot order, not row order: scrolled, the DOM order is the row order rotated.
 * Rows are placed by their own `top`, and `aria-rowindex` says each row's place.
 */
export interface PoolRow<T> {
  index: number;
  entry: T;
}

/** The pool size for a viewport: the most rows a range of `rowRange` (scroll-scale.ts) holds. */
export function poolSize(viewport: number, rowHeight: number, overscan: number): number {
  return Math.ceil(Math.max(0, viewport) / rowHeight) + 1 + 2 * overscan;
}

/**
 * The slots for rows [start, end) of `list`: slot j holds the row whose index is j modulo the
 * pool's length. The pool grows past `size` if the range is longer (never while scrolling), and
 * holds every row when there are fewer.
 */
export function poolSlots<T>(list: readonly T[], start: number, end: number, size: number): PoolRow<T>[] {
  const n = list.length;
  const p = Math.min(n, Math.max(size, end - start));
  const from = Math.max(0, Math.min(start, n - p));
  const out = new Array<PoolRow<T>>(p);
  for (let i = from; i < from + p; i++) out[i % p] = { index: i, entry: list[i] };
  return out;
}
