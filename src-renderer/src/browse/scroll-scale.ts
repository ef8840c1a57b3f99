/**
 * Scaled scrolling for a virtual list taller than a browser can lay out.
 *
 * Chromium clamps an element's height (LayoutUnit: ~33.5M px at 1x, half that on some builds and
 * zooms), Firefox at ~17.9M px: 1,000,000 rows of 36 px (36M px) can not all be scrolled to. The
 * scroll container's spacer is therefore capped at `MAX_SCROLL_PX`, and its scroll position is
 * mapped proportionally onto the list's own ("virtual") offsets: the top of the real scroll range
 * is the top of the list, its bottom the list's bottom. Below the cap the mapping is the identity.
 */

/** The tallest spacer used: well below every engine's clamp. 222,222 rows of 36 px fit unscaled. */
export const MAX_SCROLL_PX = 8_000_000;

export interface ScrollGeometry {
  /** The list's full height (rows × row height), in px. */
  total: number;
  /** The visible height of the scroll area, in px. */
  viewport: number;
  /** The spacer's cap; `MAX_SCROLL_PX` unless told. */
  cap?: number;
}

/** The spacer's height: the list's own, or the cap. */
export function realHeight(g: ScrollGeometry): number {
  return Math.min(g.total, g.cap ?? MAX_SCROLL_PX);
}

/** Virtual px per real px: 1 below the cap. */
export function scrollRatio(g: ScrollGeometry): number {
  const real = realHeight(g);
  if (g.total <= real) return 1;
  const realRange = real - g.viewport;
  const virtualRange = g.total - g.viewport;
  return realRange > 0 && virtualRange > 0 ? virtualRange / realRange : 1;
}

/** The list offset shown at a real scrollTop (clamped to the list's scroll range). */
export function toVirtual(real: number, g: ScrollGeometry): number {
  const max = Math.max(0, g.total - g.viewport);
  return Math.min(max, Math.max(0, real * scrollRatio(g)));
}

/** The real scrollTop that shows a list offset (clamped to the spacer's scroll range). */
export function toReal(offset: number, g: ScrollGeometry): number {
  const max = Math.max(0, realHeight(g) - g.viewport);
  return Math.min(max, Math.max(0, offset / scrollRatio(g)));
}

/** Rows [start, end) to render at a list offset, with `overscan` more on each side. */
export function rowRange(
  offset: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan: number,
): { start: number; end: number } {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, offset) / rowHeight);
  const last = Math.ceil((Math.max(0, offset) + Math.max(0, viewport)) / rowHeight);
  const start = Math.max(0, Math.min(count - 1, first - overscan));
  return { start, end: Math.max(start + 1, Math.min(count, last + overscan)) };
}

/**
 * The list offset that brings row `index` into view with the least movement ('auto'): unchanged
 * when it is fully shown, else the row at the top (it was above) or at the bottom (below).
 */
export function offsetForRow(
  index: number,
  offset: number,
  viewport: number,
  rowHeight: number,
  count: number,
): number {
  const max = Math.max(0, count * rowHeight - viewport);
  const top = Math.max(0, Math.min(count - 1, index)) * rowHeight;
  let next = offset;
  if (top < offset) next = top;
  else if (top + rowHeight > offset + viewport) next = top + rowHeight - viewport;
  return Math.min(max, Math.max(0, next));
}

/**
 * The row the rendered rows are placed from (virtual-rows.ts `anchored`): unchanged while the
 * range [start, end) fits in the `block` rows from it, else the range's start. Rows that stay in
 * view then keep their place (nothing to repaint but the rows that came in).
 */
export function anchorFor(range: { start: number; end: number }, anchor: number, block: number): number {
  return range.start >= anchor && range.end <= anchor + block ? anchor : range.start;
}
