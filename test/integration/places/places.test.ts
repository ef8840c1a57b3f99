import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECENT_MAX } from '../../../src-shared/contract';
import { PlacesService } from '../../../src-main/places/service';
import { startMain } from '../../support/main';

// Issue 12 §5: bookmarks, recent places and buckets opened by name live in main's data folder,
// per account, and survive a restart; through the router the contract validates what comes in.
describe('places (bookmarks, recent, buckets opened by name)', () => {
  it('keeps each account’s places in the data folder across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosdesk-places-'));
    const a = new PlacesService(dir);
    await a.addBookmark({ accountId: 'acc1', bucket: 'photos', prefix: '2024/' });
    await a.addBookmark({ accountId: 'acc1', bucket: 'photos', prefix: '2024/' });
    await a.addBookmark({ accountId: 'acc1', bucket: 'docs', prefix: '', region: 'ap-shanghai' });
    await a.rememberBucket({ accountId: 'acc1', bucket: 'shared-1250000000', region: 'ap-beijing' });
    await Promise.all(
      Array.from({ length: RECENT_MAX + 5 }, (_, i) =>
        a.visit({ accountId: 'acc1', bucket: 'b', prefix: `f${i}/` }),
      ),
    );
    await a.visit({ accountId: 'acc2', bucket: 'other', prefix: 'x/' });

    const b = new PlacesService(dir);
    const one = await b.list({ accountId: 'acc1' });
    expect(one.bookmarks.map((p) => `${p.bucket}/${p.prefix}`)).toEqual(['photos/2024/', 'docs/']);
    expect(one.bookmarks[1].region).toBe('ap-shanghai');
    expect(one.buckets).toEqual([{ name: 'shared-1250000000', region: 'ap-beijing' }]);
    // Most recent first, at most RECENT_MAX, every change applied (none lost to a race).
    expect(one.recent).toHaveLength(RECENT_MAX);
    expect(one.recent[0].prefix).toBe(`f${RECENT_MAX + 4}/`);
    expect((await b.list({ accountId: 'acc2' })).recent.map((p) => p.prefix)).toEqual(['x/']);

    await b.removeBookmark({ accountId: 'acc1', bucket: 'photos', prefix: '2024/' });
    await b.forgetBucket({ accountId: 'acc1', bucket: 'shared-1250000000' });
    const c = await new PlacesService(dir).list({ accountId: 'acc1' });
    expect(c.bookmarks.map((p) => p.bucket)).toEqual(['docs']);
    expect(c.buckets).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'places.json'), 'utf8')).version).toBe(1);
  });

  it('starts empty over a file that is not ours, and writes a good one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosdesk-places-'));
    writeFileSync(join(dir, 'places.json'), '{"not": "places"}');
    const s = new PlacesService(dir);
    expect(await s.list({ accountId: 'a' })).toEqual({ bookmarks: [], recent: [], buckets: [] });
    await s.addBookmark({ accountId: 'a', bucket: 'b', prefix: '' });
    expect((await new PlacesService(dir).list({ accountId: 'a' })).bookmarks).toHaveLength(1);
  });

  it('is reached through the contract, which refuses a folder without its trailing slash', async () => {
    const { main, bridge } = await startMain();
    try {
      const st = await bridge.places.addBookmark({ accountId: 'acc', bucket: 'photos', prefix: '2024/' });
      expect(st.bookmarks).toHaveLength(1);
      await expect(
        bridge.places.addBookmark({ accountId: 'acc', bucket: 'photos', prefix: '2024' }),
      ).rejects.toMatchObject({ code: 'VALIDATION' });
    } finally {
      await main.close();
    }
  });
});
