import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { BatchResult, ListObjectsPage, ObjectProperties } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import {
  compareEntries,
  entriesOf,
  mergeSorted,
  type BrowserEntry,
  type SortColumn,
  type SortState,
} from './entries';
import { isFolderKey, nameProblem, parentPrefix, renameDestination } from './keys';
import { toAppError } from '../ui/app-error';
import { onChunkProgress } from '../bridge';
import { bridge } from '../bridge/store';

export interface BrowserLocation {
  accountId: string;
  bucket: string;
  /** The bucket's own region when it differs from the account's default. */
  region?: string;
  /** The folder shown: '' for the bucket root, else ends with '/'. */
  prefix: string;
}

export type ListingState = 'idle' | 'loading' | 'done' | 'error' | 'cancelled';

/** Rows per listing request: the most both COS and S3 return in one page. */
export const PAGE_SIZE = 1000;
/** How often, at most, arriving pages are merged into the table while a listing runs. */
export const FLUSH_MS = 250;
/**
 * The first request of a listing asks for fewer rows: they come back sooner (first rows on screen).
 * RGW, 100,000-key folder: 100 keys 33 ms (28 ms of its CPU), 200 keys 55 ms (41 ms), 1000 keys
 * 141 ms (100 ms); bench/CHANGES-h19.md. 100 rows still fill a tall window.
 */
export const FIRST_PAGE_SIZE = 100;

function sameLocation(a: BrowserLocation | null, b: BrowserLocation | null): boolean {
  return (
    !!a &&
    !!b &&
    a.accountId === b.accountId &&
    a.bucket === b.bucket &&
    a.region === b.region &&
    a.prefix === b.prefix
  );
}

/** One open folder of one bucket: its listing, selection, sort, filter and history. */
export const useBrowserStore = defineStore('browser', () => {
  const location = ref<BrowserLocation | null>(null);
  /** Every row of the folder, in listing order. Replaced, never mutated: no deep reactivity over 100k rows. */
  const rows = shallowRef<readonly BrowserEntry[]>([]);
  const listingState = ref<ListingState>('idle');
  const error = shallowRef<AppError | null>(null);
  /** The server-side name-prefix search in force for this folder ('' for none). */
  const search = ref('');
  /** The client-side filter over the loaded rows. */
  const filter = ref('');
  const sort = ref<SortState>({ column: 'name', order: 'asc' });
  const selected = shallowRef<ReadonlySet<string>>(new Set());
  const anchorKey = ref<string | null>(null);
  const focusKey = ref<string | null>(null);
  const backStack = ref<BrowserLocation[]>([]);
  const forwardStack = ref<BrowserLocation[]>([]);

  /** A delete under way, in items answered of all (null when none runs). */
  const deleteProgress = ref<{ done: number; total: number } | null>(null);
  const propertiesKey = ref<string | null>(null);
  const properties = shallowRef<ObjectProperties | null>(null);
  const propertiesLoading = ref(false);
  const propertiesError = shallowRef<AppError | null>(null);
  /** The properties panel shows the metadata editor. */
  const propertiesEditing = ref(false);

  /** Bumped by every new listing; pages of an older one are dropped when they arrive. */
  let generation = 0;
  let propertiesGeneration = 0;

  const count = computed(() => rows.value.length);
  /** The rows merged in since `before` (the rows of the last sort), so that sorting them is a merge. */
  let appended: {
    before: readonly BrowserEntry[];
    after: readonly BrowserEntry[];
    tail: BrowserEntry[];
  } | null = null;
  let lastSort: { rows: readonly BrowserEntry[]; sort: SortState; sorted: BrowserEntry[] } | null = null;
  // A listing's pages only add rows: the new ones are sorted alone and merged into the last order
  // (1,000,000 rows: a merge of ~10 ms instead of a re-sort of ~1 s every few seconds).
  /** Drops the last order (a folder left keeps none of its rows alive). */
  function forgetSort(): void {
    lastSort = null;
    appended = null;
  }
  const sorted = computed(() => {
    const all = rows.value;
    const s = sort.value;
    // A plain copy: the comparator reads it per comparison, a reactive proxy would track each read.
    const cmp = compareEntries({ column: s.column, order: s.order });
    const last = lastSort;
    const add = appended;
    const out =
      last && last.sort === s && add && add.after === all && add.before === last.rows
        ? mergeSorted(last.sorted, add.tail.slice().sort(cmp), cmp)
        : all.slice().sort(cmp);
    lastSort = { rows: all, sort: s, sorted: out };
    appended = null;
    return out;
  });
  const visible = computed(() => {
    const f = filter.value.trim().toLowerCase();
    return f ? sorted.value.filter((e) => e.sortName.includes(f)) : sorted.value;
  });
  /** Where the focused row was last seen in `visible`: key presses in 1,000,000 rows skip a search. */
  let focusHint = -1;
  let anchorHint = -1;
  /** The index of `key` in `list`, `hint` first (checked, so a stale hint costs only the search). */
  function indexOf(list: readonly BrowserEntry[], key: string, hint: number): number {
    return list[hint]?.key === key ? hint : list.findIndex((e) => e.key === key);
  }
  const selectedEntries = computed(() => {
    const sel = selected.value;
    const list = visible.value;
    if (sel.size === 0) return [];
    if (sel.size === 1) {
      const [key] = sel;
      const i = indexOf(list, key, focusHint);
      return i < 0 ? [] : [list[i]];
    }
    return list.filter((e) => sel.has(e.key));
  });
  const canBack = computed(() => backStack.value.length > 0);
  const canForward = computed(() => forwardStack.value.length > 0);
  const canUp = computed(() => !!location.value && location.value.prefix !== '');

  function ref$(loc: BrowserLocation): { accountId: string; bucket: string; region?: string } {
    return {
      accountId: loc.accountId,
      bucket: loc.bucket,
      ...(loc.region ? { region: loc.region } : {}),
    };
  }

  function resetView(): void {
    selected.value = new Set();
    anchorKey.value = null;
    focusKey.value = null;
    filter.value = '';
    closeProperties();
  }

  /** List the current location page by page; resolves when this listing ends or is abandoned. */
  async function list(keepSelection = false): Promise<void> {
    const loc = location.value;
    const gen = ++generation;
    if (!loc) return;
    const keep = keepSelection ? selected.value : null;
    rows.value = [];
    forgetSort();
    error.value = null;
    listingState.value = 'loading';
    const prefix = loc.prefix + search.value;
    let pending: BrowserEntry[] = [];
    let flushedAt = 0;
    let first = true;
    const flush = (): void => {
      if (pending.length === 0) return;
      const before = rows.value;
      const after = before.concat(pending);
      appended =
        appended && appended.after === before
          ? { before: appended.before, after, tail: appended.tail.concat(pending) }
          : { before, after, tail: pending };
      rows.value = after;
      pending = [];
      flushedAt = Date.now();
    };
    const request = (marker: string | undefined, maxKeys: number): Promise<ListObjectsPage> => {
      const p = bridge().storage.listObjects({
        ...ref$(loc),
        prefix,
        delimiter: '/',
        maxKeys,
        ...(marker !== undefined ? { marker } : {}),
      });
      // A prefetched page of a listing abandoned meanwhile is never awaited: no unhandled rejection.
      p.catch(() => undefined);
      return p;
    };
    let marker: string | undefined;
    let next = request(undefined, FIRST_PAGE_SIZE);
    try {
      for (;;) {
        const page = await next;
        if (gen !== generation) return;
        const more = page.isTruncated && !!page.nextMarker && page.nextMarker !== marker;
        // The next page is asked for before this one is taken in (parsed, merged, rendered):
        // main fetches it while the renderer works.
        if (more) next = request(page.nextMarker, PAGE_SIZE);
        for (const e of entriesOf(page, loc.prefix)) pending.push(e);
        // The first page shows at once; later ones are merged in batches so 100 pages cost ~a dozen merges.
        // Each merge copies every row: with many rows they come less often (1,000,000: every 1.25 s).
        const every = FLUSH_MS * Math.max(1, rows.value.length / 200_000);
        if (first || Date.now() - flushedAt >= every) flush();
        first = false;
        if (!more) break;
        marker = page.nextMarker;
      }
      flush();
      if (keep) {
        const present = new Set(rows.value.map((r) => r.key));
        selected.value = new Set([...keep].filter((k) => present.has(k)));
      }
      listingState.value = 'done';
    } catch (e) {
      if (gen !== generation) return;
      flush();
      error.value = toAppError(e);
      listingState.value = 'error';
    }
  }

  function go(next: BrowserLocation, history: 'push' | 'none'): Promise<void> {
    if (history === 'push' && location.value && !sameLocation(location.value, next)) {
      backStack.value = [...backStack.value, location.value];
      forwardStack.value = [];
    }
    location.value = next;
    search.value = '';
    resetView();
    return list();
  }

  /** Show a bucket's root; a new bucket starts a new history. */
  function openBucket(accountId: string, bucket: string, region?: string): Promise<void> {
    const here = location.value;
    const push = !!here && here.accountId === accountId && here.bucket === bucket;
    if (!push) {
      backStack.value = [];
      forwardStack.value = [];
    }
    return go({ accountId, bucket, ...(region ? { region } : {}), prefix: '' }, push ? 'push' : 'none');
  }

  /** Open a folder of the current bucket ('' for the root). */
  function navigate(prefix: string): Promise<void> {
    if (!location.value) return Promise.resolve();
    return go({ ...location.value, prefix }, 'push');
  }

  function goBack(): Promise<void> {
    const prev = backStack.value.at(-1);
    if (!prev || !location.value) return Promise.resolve();
    backStack.value = backStack.value.slice(0, -1);
    forwardStack.value = [...forwardStack.value, location.value];
    return go(prev, 'none');
  }

  function goForward(): Promise<void> {
    const next = forwardStack.value.at(-1);
    if (!next || !location.value) return Promise.resolve();
    forwardStack.value = forwardStack.value.slice(0, -1);
    backStack.value = [...backStack.value, location.value];
    return go(next, 'none');
  }

  function goUp(): Promise<void> {
    if (!location.value || location.value.prefix === '') return Promise.resolve();
    return navigate(parentPrefix(location.value.prefix));
  }

  /** Leave the browser (back to the bucket list); a listing still running is abandoned. */
  function close(): void {
    generation++;
    location.value = null;
    rows.value = [];
    forgetSort();
    listingState.value = 'idle';
    error.value = null;
    search.value = '';
    backStack.value = [];
    forwardStack.value = [];
    resetView();
  }

  function reload(): Promise<void> {
    return list(true);
  }

  /** Stop a listing under way: what arrived stays shown, and Refresh lists again. */
  function cancelListing(): void {
    if (listingState.value !== 'loading') return;
    generation++;
    listingState.value = 'cancelled';
  }

  /** Open a folder by path (an address bar, a bookmark): a bucket of its own history when new. */
  async function openPath(accountId: string, bucket: string, prefix: string, region?: string): Promise<void> {
    const here = location.value;
    if (!here || here.accountId !== accountId || here.bucket !== bucket) {
      backStack.value = [];
      forwardStack.value = [];
      return go({ accountId, bucket, ...(region ? { region } : {}), prefix }, 'none');
    }
    return go({ ...here, prefix }, 'push');
  }

  /** Ask the server for the names in this folder that start with `text` ('' lists it all again). */
  function searchPrefix(text: string): Promise<void> {
    search.value = text;
    resetView();
    return list();
  }

  function setFilter(text: string): void {
    filter.value = text;
  }

  function toggleSort(column: SortColumn): void {
    sort.value =
      sort.value.column === column
        ? { column, order: sort.value.order === 'asc' ? 'desc' : 'asc' }
        : { column, order: 'asc' };
  }

  // Selection. Ranges and arrow keys follow the order on screen (sorted and filtered).

  function selectOnly(key: string): void {
    selected.value = new Set([key]);
    anchorKey.value = key;
    focusKey.value = key;
  }

  function toggleSelected(key: string): void {
    const next = new Set(selected.value);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    selected.value = next;
    anchorKey.value = key;
    focusKey.value = key;
  }

  /** Select from the anchor (the last plain or Ctrl-click) to `key`, inclusive. */
  function selectRange(key: string, at = -1): void {
    const list = visible.value;
    const to = indexOf(list, key, at);
    if (to < 0) return;
    const found = anchorKey.value === null ? -1 : indexOf(list, anchorKey.value, anchorHint);
    const from = found < 0 ? to : found;
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    selected.value = new Set(list.slice(lo, hi + 1).map((e) => e.key));
    if (found < 0) anchorKey.value = key;
    anchorHint = found < 0 ? to : found;
    focusKey.value = key;
    focusHint = to;
  }

  function click(key: string, mods: { toggle?: boolean; range?: boolean } = {}): void {
    if (mods.range) selectRange(key);
    else if (mods.toggle) toggleSelected(key);
    else selectOnly(key);
  }

  function selectAll(): void {
    selected.value = new Set(visible.value.map((e) => e.key));
  }

  function clearSelection(): void {
    selected.value = new Set();
    anchorKey.value = null;
  }

  /** Move the focus (and selection) by `delta` rows, or to an edge; returns the new row index. */
  function moveFocus(delta: number | 'first' | 'last', extend = false): number {
    const list = visible.value;
    if (list.length === 0) return -1;
    const at = focusKey.value === null ? -1 : indexOf(list, focusKey.value, focusHint);
    let next: number;
    if (delta === 'first') next = 0;
    else if (delta === 'last') next = list.length - 1;
    else next = at < 0 ? (delta > 0 ? 0 : list.length - 1) : at + delta;
    next = Math.min(list.length - 1, Math.max(0, next));
    const key = list[next].key;
    if (extend) selectRange(key, next);
    else {
      selectOnly(key);
      anchorHint = next;
    }
    focusHint = next;
    return next;
  }

  // Changes. Each one lists the folder again afterwards: main is the source of truth.

  function requireLocation(): BrowserLocation {
    if (!location.value) throw new AppError('VALIDATION', 'No bucket is open.');
    return location.value;
  }

  function checkName(name: string): void {
    const problem = nameProblem(name);
    if (problem) throw new AppError('VALIDATION', `invalid name (${problem})`, { reason: problem });
  }

  async function createFolder(name: string): Promise<string> {
    const loc = requireLocation();
    checkName(name);
    const { key } = await bridge().storage.createFolder({ ...ref$(loc), key: `${loc.prefix}${name}/` });
    await reload();
    selectOnly(key);
    return key;
  }

  /** Rename in place (same parent folder); a folder is renamed with everything under it. */
  async function rename(key: string, newName: string): Promise<BatchResult> {
    const loc = requireLocation();
    checkName(newName);
    const toKey = renameDestination(key, newName);
    if (toKey === key) return { done: [], errors: [] };
    const result = await bridge().storage.moveObject({ ...ref$(loc), key, toKey });
    await reload();
    if (result.errors.length === 0) selectOnly(toKey);
    return result;
  }

  /** Delete keys; folder keys (ending '/') delete everything under them. */
  async function deleteKeys(keys: readonly string[]): Promise<BatchResult> {
    const loc = requireLocation();
    if (keys.length === 0) return { done: [], errors: [] };
    // A long list goes in pieces (the bridge splits it); show how far it got.
    deleteProgress.value = { done: 0, total: keys.length };
    const stop = onChunkProgress((p) => {
      if (p.method === 'storage.deleteObjects') deleteProgress.value = { done: p.done, total: p.total };
    });
    let result: BatchResult;
    try {
      result = await bridge().storage.deleteObjects({ ...ref$(loc), keys: [...keys] });
    } finally {
      stop();
      deleteProgress.value = null;
    }
    const gone = new Set(keys);
    if (propertiesKey.value && gone.has(propertiesKey.value)) closeProperties();
    await reload();
    return result;
  }

  /** Fetch the properties of a file (one HEAD); a folder shows what the listing knows. */
  async function showProperties(key: string, edit = false): Promise<void> {
    const loc = requireLocation();
    propertiesEditing.value = edit;
    const gen = ++propertiesGeneration;
    propertiesKey.value = key;
    properties.value = null;
    propertiesError.value = null;
    if (isFolderKey(key)) {
      propertiesLoading.value = false;
      return;
    }
    propertiesLoading.value = true;
    try {
      const props = await bridge().storage.headObject({ ...ref$(loc), key });
      if (gen === propertiesGeneration) properties.value = props;
    } catch (e) {
      if (gen === propertiesGeneration) propertiesError.value = toAppError(e);
    } finally {
      if (gen === propertiesGeneration) propertiesLoading.value = false;
    }
  }

  function closeProperties(): void {
    propertiesGeneration++;
    propertiesKey.value = null;
    properties.value = null;
    propertiesError.value = null;
    propertiesLoading.value = false;
  }

  return {
    location,
    rows,
    listingState,
    error,
    search,
    filter,
    sort,
    selected,
    anchorKey,
    focusKey,
    backStack,
    forwardStack,
    propertiesKey,
    propertiesEditing,
    properties,
    propertiesLoading,
    propertiesError,
    count,
    visible,
    selectedEntries,
    canBack,
    canForward,
    canUp,
    openBucket,
    navigate,
    goBack,
    goForward,
    goUp,
    close,
    reload,
    cancelListing,
    openPath,
    searchPrefix,
    setFilter,
    toggleSort,
    selectOnly,
    toggleSelected,
    selectRange,
    click,
    selectAll,
    clearSelection,
    moveFocus,
    createFolder,
    rename,
    deleteKeys,
    deleteProgress,
    showProperties,
    closeProperties,
  };
});
