import type { ListObjectsPage } from '../../../src-shared/contract';
import { baseName } from './keys';
import { extensionOf } from '../ui/format';

export type EntryKind = 'folder' | 'file';
export type SortColumn = 'name' | 'size' | 'type' | 'modified' | 'storageClass';
export type SortOrder = 'asc' | 'desc';
export interface SortState {
  column: SortColumn;
  order: SortOrder;
}

/** One row of the object browser; frozen plain data, never made deeply reactive. */
export interface BrowserEntry {
  readonly key: string;
  readonly name: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly lastModified: string;
  readonly storageClass: string;
  /** Upper-case extension, '' for folders and names without one. */
  readonly ext: string;
  /** Precomputed so that sorting 100,000 rows compares plain strings and numbers. */
  readonly sortName: string;
  readonly modifiedMs: number;
}

/** The rows of one listing page; the folder's own placeholder object is not a row of itself. */
export function entriesOf(page: ListObjectsPage, folder: string): BrowserEntry[] {
  const out: BrowserEntry[] = [];
  for (const p of page.prefixes) {
    const name = baseName(p);
    out.push({
      key: p,
      name,
      kind: 'folder',
      size: 0,
      lastModified: '',
      storageClass: '',
      ext: '',
      sortName: name.toLowerCase(),
      modifiedMs: 0,
    });
  }
  for (const o of page.objects) {
    if (o.key === folder) continue;
    const name = o.key.endsWith('/') ? baseName(o.key) : o.key.slice(o.key.lastIndexOf('/') + 1);
    const kind: EntryKind = o.key.endsWith('/') ? 'folder' : 'file';
    const ms = Date.parse(o.lastModified);
    out.push({
      key: o.key,
      name,
      kind,
      size: o.size,
      lastModified: o.lastModified,
      storageClass: o.storageClass ?? '',
      ext: kind === 'file' ? extensionOf(name) : '',
      sortName: name.toLowerCase(),
      modifiedMs: Number.isFinite(ms) ? ms : 0,
    });
  }
  return out;
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byColumn(column: SortColumn, a: BrowserEntry, b: BrowserEntry): number {
  switch (column) {
    case 'size':
      return cmp(a.size, b.size);
    case 'type':
      return cmp(a.ext, b.ext);
    case 'modified':
      return cmp(a.modifiedMs, b.modifiedMs);
    case 'storageClass':
      return cmp(a.storageClass, b.storageClass);
    default:
      return 0;
  }
}

/** Folders first whatever the order; ties broken by name, then by key, so the order is total. */
export function compareEntries(sort: SortState): (a: BrowserEntry, b: BrowserEntry) => number {
  const dir = sort.order === 'asc' ? 1 : -1;
  return (a, b) => {
    if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
    const primary = byColumn(sort.column, a, b);
    if (primary !== 0) return dir * primary;
    const byName = cmp(a.sortName, b.sortName) || cmp(a.key, b.key);
    return sort.column === 'name' ? dir * byName : byName;
  };
}

/**
 * `a` and `b`, each sorted by `cmp`, as one sorted array; `b` is the short one (a listing page
 * merged into the rows so far): each of its rows is placed by a binary search in `a`.
 */
export function mergeSorted<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => number): T[] {
  const out: T[] = [];
  let ai = 0;
  for (const item of b) {
    let lo = ai;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(a[mid], item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    while (ai < lo) out.push(a[ai++]);
    out.push(item);
  }
  while (ai < a.length) out.push(a[ai++]);
  return out;
}
