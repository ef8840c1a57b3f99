import { computed, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import {
  anchorFor,
  offsetForRow,
  realHeight,
  rowRange,
  toReal,
  toVirtual,
  type ScrollGeometry,
} from './scroll-scale';

export interface VirtualRowsOptions {
  /** The scrolling element. */
  scroller: Readonly<Ref<HTMLElement | null>>;
  /** The element holding the rendered rows, absolutely placed at the top of the spacer. */
  rowsEl: Readonly<Ref<HTMLElement | null>>;
  /** How many rows (reactive). */
  count: () => number;
  rowHeight: number;
  /** Px at the top of the scroller that are not rows (a sticky header). */
  inset?: number;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  /**
   * The caller places each row at `(index - anchor) × rowHeight` in the rows' element (its own
   * `top`), instead of letting the rows flow from `start`: a row then stays where it is while the
   * range moves, and the browser paints and rasters only the rows that came in, not every row
   * shifted by one (a moving range re-rastered the whole rows layer each 36 px of scroll).
   */
  anchored?: boolean;
}

/** Rows per anchor block: the anchor moves (and every row is placed anew) once per this many. */
export const ANCHOR_BLOCK = 2048;

/**
 * Virtual rows of one fixed height with scaled scrolling (scroll-scale.ts): `offset` is the list
 * offset shown (px of rows × rowHeight), the scroller's real scrollTop follows it through the
 * capped spacer. Per scroll event: a range check and one transform; the rows re-render only
 * when the range moves.
 *
 * Hand-written, not @tanstack/vue-virtual: that sizes (and clamps to) the real scroll area, reading
 * the element's scrollTop and scrollHeight itself, so a list taller than the browser lays out can
 * not be scrolled to its end with it; rows of one height need only index arithmetic.
 */
export function useVirtualRows(o: VirtualRowsOptions) {
  const inset = o.inset ?? 0;
  const overscan = o.overscan ?? 4;
  /** The height of the rows' area. */
  const viewport = ref(0);
  const start = ref(0);
  const end = ref(0);
  /** The row at the top of the rows' element (`start` unless anchored). */
  const anchor = ref(0);
  let offset = 0;
  /** The last scrollTop written, with the offset it stands for: reading it back is then exact. */
  let written: { real: number; offset: number } | null = null;
  let placed = '';

  const total = computed(() => o.count() * o.rowHeight);
  const spacerHeight = computed(() => realHeight({ total: total.value, viewport: viewport.value }));
  const scaled = computed(() => total.value > spacerHeight.value);
  const geometry = (): ScrollGeometry => ({ total: total.value, viewport: viewport.value });

  /** Puts the rendered rows where the offset says, relative to the real scroll position. */
  function place(): void {
    const el = o.scroller.value;
    const rows = o.rowsEl.value;
    if (!el || !rows) return;
    const transform = `translateY(${el.scrollTop + anchor.value * o.rowHeight - offset}px)`;
    if (transform !== placed || rows.style.transform !== transform) rows.style.transform = placed = transform;
  }

  function update(): void {
    const r = rowRange(offset, viewport.value, o.rowHeight, o.count(), overscan);
    if (r.start !== start.value) start.value = r.start;
    if (r.end !== end.value) end.value = r.end;
    const a = o.anchored ? anchorFor(r, anchor.value, ANCHOR_BLOCK) : r.start;
    if (a !== anchor.value) anchor.value = a;
    place();
  }

  function onScroll(): void {
    const el = o.scroller.value;
    if (!el) return;
    const real = el.scrollTop;
    if (written && Math.abs(real - written.real) < 1) offset = written.offset;
    else {
      written = null;
      offset = toVirtual(real, geometry());
    }
    update();
  }

  /** Shows the list from `next` (list px), clamped to its range. */
  function scrollToOffset(next: number): void {
    const g = geometry();
    offset = Math.min(Math.max(0, g.total - g.viewport), Math.max(0, next));
    const el = o.scroller.value;
    if (el) {
      el.scrollTop = toReal(offset, g);
      written = { real: el.scrollTop, offset };
    }
    update();
  }

  /** Scrolls row `index` into view with the least movement. */
  function scrollToRow(index: number): void {
    const n = o.count();
    if (index < 0 || n === 0) return;
    scrollToOffset(offsetForRow(index, offset, viewport.value, o.rowHeight, n));
  }

  // When scaled the wheel moves the list by its own px (the browser would move the capped spacer,
  // several times faster). A non-passive listener only then: it takes scrolling off the compositor.
  function onWheel(e: WheelEvent): void {
    if (e.ctrlKey) return;
    const unit = e.deltaMode === 1 ? o.rowHeight : e.deltaMode === 2 ? viewport.value : 1;
    const dy = e.deltaY * unit;
    if (dy === 0) return;
    e.preventDefault();
    if (e.deltaX && o.scroller.value) o.scroller.value.scrollLeft += e.deltaX * unit;
    scrollToOffset(offset + dy);
  }

  watch(
    [scaled, o.scroller],
    ([on, el], old) => {
      old?.[1]?.removeEventListener('wheel', onWheel);
      el?.removeEventListener('wheel', onWheel);
      if (on && el) el.addEventListener('wheel', onWheel, { passive: false });
    },
    { flush: 'post' },
  );

  function measure(): void {
    const el = o.scroller.value;
    if (el) viewport.value = Math.max(0, el.clientHeight - inset);
  }

  // Other rows (a page merged, a sort, a filter, another folder): when scaled the mapping changed
  // with the length, so the list offset stays (clamped); else the browser's scrollTop decides.
  watch(
    () => o.count(),
    () => {
      const el = o.scroller.value;
      if (!el) return;
      if (scaled.value) scrollToOffset(offset);
      else {
        written = null;
        offset = toVirtual(el.scrollTop, geometry());
        update();
      }
    },
    { flush: 'post' },
  );

  let resize: ResizeObserver | null = null;
  onMounted(() => {
    measure();
    update();
    resize = new ResizeObserver(() => {
      measure();
      scrollToOffset(offset);
    });
    if (o.scroller.value) resize.observe(o.scroller.value);
  });
  onBeforeUnmount(() => {
    resize?.disconnect();
    o.scroller.value?.removeEventListener('wheel', onWheel);
  });

  return { start, end, anchor, spacerHeight, viewport, onScroll, scrollToRow, update };
}
