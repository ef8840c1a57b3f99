import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Bridge, ListObjectsPage } from '../../../src-shared/contract';
import { renameDestination } from './keys';
import { useBrowserStore } from './store';
import { setBridgeForTests } from '../bridge/store';

type ListReq = { prefix?: string; marker?: string; maxKeys?: number; delimiter?: string };

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function page(keys: string[], opts: { prefixes?: string[]; next?: string } = {}): ListObjectsPage {
  return {
    objects: keys.map((key, i) => ({
      key,
      size: i * 10,
      lastModified: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      etag: 'e',
    })),
    prefixes: opts.prefixes ?? [],
    isTruncated: opts.next !== undefined,
    nextMarker: opts.next,
  };
}

function fakeBridge(listObjects: (req: ListReq) => Promise<ListObjectsPage>) {
  const storage = {
    listObjects: vi.fn(listObjects),
    moveObject: vi.fn(async () => ({ done: ['x'], errors: [] })),
    deleteObjects: vi.fn(async (req: { keys: string[] }) => ({ done: req.keys, errors: [] })),
    createFolder: vi.fn(async (req: { key: string }) => ({ key: req.key })),
    headObject: vi.fn(),
  };
  setBridgeForTests({ storage } as unknown as Bridge);
  return storage;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('useBrowserStore', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => setBridgeForTests(undefined));

  it('lists page by page, shows the first page at once, and stops at the last page', async () => {
    const pages = [deferred<ListObjectsPage>(), deferred<ListObjectsPage>(), deferred<ListObjectsPage>()];
    const storage = fakeBridge(async (req) => {
      const i = req.marker === undefined ? 0 : req.marker === 'dir/a999' ? 1 : 2;
      return pages[i].promise;
    });
    const store = useBrowserStore();
    const done = store.openBucket('acc', 'bkt');
    const keys = (n: number, letter: string) => Array.from({ length: n }, (_, i) => `dir/${letter}${i}`);

    pages[0].resolve(page(keys(1000, 'a'), { next: 'dir/a999' }));
    await flush();
    expect(store.listingState).toBe('loading');
    expect(store.count).toBe(1000);
    // The first page is small, so that it comes back soon; the rest come 1000 at a time.
    expect(storage.listObjects.mock.calls[0][0]).toMatchObject({ maxKeys: 100 });
    expect(storage.listObjects.mock.calls[1][0]).toMatchObject({
      prefix: '',
      delimiter: '/',
      maxKeys: 1000,
      marker: 'dir/a999',
    });

    pages[1].resolve(page(keys(1000, 'b'), { next: 'dir/b999' }));
    await flush();
    pages[2].resolve(page(keys(500, 'c'), { prefixes: ['dir/sub/'] }));
    await flush();
    await done;
    expect(store.listingState).toBe('done');
    expect(store.count).toBe(2501);
    expect(storage.listObjects).toHaveBeenCalledTimes(3);
    // The folder on the last page still sorts before every file.
    expect(store.visible[0]).toMatchObject({ key: 'dir/sub/', kind: 'folder', name: 'sub' });
  });

  it('merges later pages into the sorted rows as a full sort would order them, asking for each next page first', async () => {
    const pages = [deferred<ListObjectsPage>(), deferred<ListObjectsPage>(), deferred<ListObjectsPage>()];
    const storage = fakeBridge(
      async (req) => pages[req.marker === undefined ? 0 : req.marker === 'm1' ? 1 : 2].promise,
    );
    const store = useBrowserStore();
    const done = store.openBucket('acc', 'bkt');
    pages[0].resolve(page(['B.txt', 'd.txt', 'zz.txt'], { next: 'm1', prefixes: ['y/'] }));
    await flush();
    expect(store.visible.map((e) => e.key)).toEqual(['y/', 'B.txt', 'd.txt', 'zz.txt']);
    // The next page was asked for as soon as this one came in.
    expect(storage.listObjects).toHaveBeenCalledTimes(2);
    pages[1].resolve(page(['a.txt', 'C.txt', 'e.txt'], { next: 'm2', prefixes: ['b/'] }));
    await flush();
    pages[2].resolve(page(['A2.txt', 'zz0.txt']));
    await done;
    const keys = store.visible.map((e) => e.key);
    expect(keys).toEqual([
      'b/',
      'y/',
      'a.txt',
      'A2.txt',
      'B.txt',
      'C.txt',
      'd.txt',
      'e.txt',
      'zz.txt',
      'zz0.txt',
    ]);
    store.toggleSort('name');
    expect(store.visible.map((e) => e.key)).toEqual(['y/', 'b/', ...keys.slice(2).reverse()]);
  });

  it('moves the focus by keys from where it was, also in a long folder', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `f${String(i).padStart(5, '0')}`);
    fakeBridge(async () => page(many));
    const store = useBrowserStore();
    await store.openBucket('acc', 'bkt');
    expect(store.moveFocus('last')).toBe(4999);
    expect(store.selectedEntries.map((e) => e.key)).toEqual(['f04999']);
    expect(store.moveFocus(-20)).toBe(4979);
    expect(store.moveFocus(-1, true)).toBe(4978);
    expect(store.selectedEntries.map((e) => e.key)).toEqual(['f04978', 'f04979']);
    store.click('f00010');
    expect(store.moveFocus(1)).toBe(11);
    expect(store.selectedEntries.map((e) => e.key)).toEqual(['f00011']);
  });

  it('drops the pages of a listing abandoned by navigating away', async () => {
    const slow = deferred<ListObjectsPage>();
    fakeBridge(async (req) => {
      if (req.prefix === 'old/') return slow.promise;
      return page(['new/one.txt']);
    });
    const store = useBrowserStore();
    store.location = { accountId: 'acc', bucket: 'bkt', prefix: '' };
    const first = store.navigate('old/');
    await store.navigate('new/');
    expect(store.rows.map((r) => r.key)).toEqual(['new/one.txt']);

    slow.resolve(page(['old/stale.txt'], { next: 'old/stale.txt' }));
    await first;
    expect(store.rows.map((r) => r.key)).toEqual(['new/one.txt']);
    expect(store.listingState).toBe('done');
    expect(store.location?.prefix).toBe('new/');

    await store.goBack();
    expect(store.location?.prefix).toBe('old/');
    expect(store.canForward).toBe(true);
  });

  it('keeps folders first whatever the column and order', async () => {
    fakeBridge(async () => ({
      objects: [
        { key: 'b.txt', size: 5, lastModified: '2025-01-02T00:00:00.000Z', etag: '' },
        { key: 'a.png', size: 50, lastModified: '2025-01-01T00:00:00.000Z', etag: '' },
        { key: 'C.md', size: 1, lastModified: '2025-01-03T00:00:00.000Z', etag: '' },
      ],
      prefixes: ['zeta/', 'alpha/'],
      isTruncated: false,
    }));
    const store = useBrowserStore();
    await store.openBucket('acc', 'bkt');
    const names = () => store.visible.map((e) => e.name);
    expect(names()).toEqual(['alpha', 'zeta', 'a.png', 'b.txt', 'C.md']);
    store.toggleSort('name');
    expect(names()).toEqual(['zeta', 'alpha', 'C.md', 'b.txt', 'a.png']);
    store.toggleSort('size');
    expect(names()).toEqual(['alpha', 'zeta', 'C.md', 'b.txt', 'a.png']);
    store.toggleSort('size');
    expect(names()).toEqual(['alpha', 'zeta', 'a.png', 'b.txt', 'C.md']);
    store.toggleSort('modified');
    expect(names()).toEqual(['alpha', 'zeta', 'a.png', 'b.txt', 'C.md']);
    store.toggleSort('type');
    expect(names()).toEqual(['alpha', 'zeta', 'C.md', 'a.png', 'b.txt']);
    store.setFilter('A');
    expect(names()).toEqual(['alpha', 'zeta', 'a.png']);
  });

  it('selects ranges with shift from the anchor, in the order on screen', async () => {
    fakeBridge(async () => page(['a', 'b', 'c', 'd', 'e']));
    const store = useBrowserStore();
    await store.openBucket('acc', 'bkt');
    store.click('b');
    store.click('d', { range: true });
    expect([...store.selected]).toEqual(['b', 'c', 'd']);
    store.click('a', { range: true });
    expect([...store.selected]).toEqual(['a', 'b']);
    store.click('e', { toggle: true });
    expect([...store.selected].sort()).toEqual(['a', 'b', 'e']);
    store.click('c', { range: true });
    expect([...store.selected]).toEqual(['c', 'd', 'e']);
    store.selectAll();
    expect(store.selected.size).toBe(5);
    expect(store.moveFocus('last')).toBe(4);
    expect(store.moveFocus(-1, true)).toBe(3);
    expect([...store.selected]).toEqual(['d', 'e']);
  });

  it('renames in the same parent folder; folders keep their slash', async () => {
    expect(renameDestination('docs/2025/report.pdf', 'final.pdf')).toBe('docs/2025/final.pdf');
    expect(renameDestination('report.pdf', 'r 2+#.pdf')).toBe('r 2+#.pdf');
    expect(renameDestination('docs/2025/', '2026')).toBe('docs/2026/');
    expect(renameDestination('top/', 'renamed')).toBe('renamed/');

    const storage = fakeBridge(async () => page([]));
    const store = useBrowserStore();
    await store.openBucket('acc', 'bkt', 'ap-beijing');
    await store.navigate('docs/');
    await store.rename('docs/sub/', 'other');
    expect(storage.moveObject).toHaveBeenCalledWith({
      accountId: 'acc',
      bucket: 'bkt',
      region: 'ap-beijing',
      key: 'docs/sub/',
      toKey: 'docs/other/',
    });
    await expect(store.rename('docs/a.txt', 'x/y')).rejects.toMatchObject({ code: 'VALIDATION' });
    await store.createFolder('new one');
    expect(storage.createFolder).toHaveBeenCalledWith(expect.objectContaining({ key: 'docs/new one/' }));
  });
});
