import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { launchChromium } from '../support/browser';
import { addRgwAccount, runCli } from '../support/cli';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { requireEnv } from '../support/main';
import { bigKeys, createSeeder, NESTED_KEYS, rgwAccount, SIZED } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 12 §5 "Find your way", as a person does it in web mode (Chromium) over RGW: the address
// bar, bookmarks and recent places that survive a reload, recursive search under a prefix,
// a folder's size on demand, and a bucket opened by name that is remembered.
const { S3_ENDPOINT, AK, SK, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2');
const tag = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const BUCKET = `places-${tag}`;
/** user2's bucket, public-read: user1 cannot see it in its list, but can open it by name. */
const OTHER = `places-other-${tag}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-places-'));
/** One page and one key more than a page under many/: a scan that the proxy stops after page 1. */
const MANY = bigKeys(1001, 'many/');
let proxy: FaultProxy;

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);
const rowKeys = () =>
  page.$$eval('[data-testid=object-row]', (rows) => rows.map((r) => r.getAttribute('data-key') ?? ''));
const status = () => page.getByTestId('listing-status');
const shown = () =>
  page
    .getByTestId('object-browser')
    .evaluate((el) => `${el.getAttribute('data-bucket')}/${el.getAttribute('data-prefix')}`);

async function listed(where: string): Promise<void> {
  await expect.poll(shown, { timeout: 30_000 }).toBe(where);
  await expect.poll(() => status().getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
}

async function openAccountAndBucket(): Promise<void> {
  await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
  const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
  await bucketRow.waitFor({ timeout: 30_000 });
  await bucketRow.dblclick();
  await listed(`${BUCKET}/`);
}

async function goTo(address: string): Promise<void> {
  const input = page.getByTestId('address-input');
  await input.fill(address);
  await input.press('Enter');
}

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  try {
    await seeder.createBucket(BUCKET);
    for (const key of NESTED_KEYS) await seeder.putMany(BUCKET, [key], { body: 'x'.repeat(SIZED[key] ?? 0) });
    await seeder.putMany(BUCKET, MANY, { body: 'y', concurrency: 64 });
  } finally {
    await seeder.close();
  }
  const other = new StorageClient(rgwAccount(S3_ENDPOINT, AK2, SK2));
  try {
    await (
      await other.request({ method: 'PUT', bucket: OTHER, headers: { 'x-amz-acl': 'public-read' } })
    ).body.dump();
    await (
      await other.request({ method: 'PUT', bucket: OTHER, key: 'shared.txt', body: 'hello' })
    ).body.dump();
  } finally {
    await other.close();
  }
  addRgwAccount(home);
  // The same user through a fault proxy, to hold a scan in the middle (its second page).
  proxy = await startFaultProxy(S3_ENDPOINT);
  const add = runCli(
    home,
    [
      'accounts',
      'add',
      '--kind',
      's3',
      '--name',
      'held',
      '--endpoint',
      proxy.url,
      '--region',
      'us-east-1',
      '--path-style',
      '--secret-id',
      AK,
    ],
    { COSDESK_SECRET_KEY: SK },
  );
  if (add.status !== 0) throw new Error(add.stderr);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(web.url);
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
  await proxy?.close();
});

describe('finding your way (web mode, Chromium, RGW)', () => {
  it('opens a folder from the address bar: bucket/prefix, without the slash, and s3:// forms', async () => {
    await openAccountAndBucket();
    await goTo(`${BUCKET}/photos/2025`);
    await listed(`${BUCKET}/photos/2025/`);
    expect(await rowKeys()).toEqual(['photos/2025/a+b#c.txt', 'photos/2025/雪山.jpg']);
    await goTo(`s3://${BUCKET}/docs/notes/`);
    await listed(`${BUCKET}/docs/notes/`);
    expect(await rowKeys()).toHaveLength(3);
    // The bar shows where the browser is, and Back returns to the folder typed before.
    expect(await page.getByTestId('address-input').inputValue()).toBe(`${BUCKET}/docs/notes/`);
    await page.getByTestId('nav-back').click();
    await listed(`${BUCKET}/photos/2025/`);
    await goTo('not a bucket');
    await expect.poll(() => page.getByTestId('address-error').textContent()).toMatch(/Type a bucket name/);
  });

  it('bookmarks a folder, and reopens it from Places after a reload; recent places are kept too', async () => {
    await goTo(`${BUCKET}/docs/notes/`);
    await listed(`${BUCKET}/docs/notes/`);
    const star = page.getByTestId('bookmark-toggle');
    expect(await star.getAttribute('data-bookmarked')).toBe('false');
    await star.click();
    await expect.poll(() => star.getAttribute('data-bookmarked')).toBe('true');

    await page.reload();
    await openAccountAndBucket();
    await page.getByTestId('places-button').click();
    const bookmark = page.locator(
      `[data-testid=place-item][data-group=bookmark][data-bucket="${BUCKET}"][data-prefix="docs/notes/"]`,
    );
    await bookmark.waitFor();
    const recent = page.locator(
      `[data-testid=place-item][data-group=recent][data-bucket="${BUCKET}"][data-prefix="photos/2025/"]`,
    );
    expect(await recent.count()).toBe(1);
    await bookmark.click();
    await listed(`${BUCKET}/docs/notes/`);
    expect(await page.getByTestId('bookmark-toggle').getAttribute('data-bookmarked')).toBe('true');
  });

  it('searches under a prefix: every level, glob or substring, case-insensitive, with counters', async () => {
    await goTo(`${BUCKET}/`);
    await listed(`${BUCKET}/`);
    await page.getByTestId('deep-search-open').click();
    const input = page.getByTestId('deep-search-input');
    const st = page.getByTestId('deep-search-status');
    const hits = () =>
      page.$$eval('[data-testid=deep-search-hit]', (els) => els.map((e) => e.getAttribute('data-key') ?? ''));

    await input.fill('*.JPG');
    await page.getByTestId('deep-search-run').click();
    await expect.poll(() => st.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await st.getAttribute('data-scanned')).toBe(String(NESTED_KEYS.length + MANY.length));
    expect(await st.getAttribute('data-found')).toBe('2');
    expect((await hits()).sort()).toEqual(['photos/2024/beach.jpg', 'photos/2025/雪山.jpg']);
    expect(await st.textContent()).toMatch(/scanned 1,013, found 2/);

    await input.fill('DRAFT');
    await page.getByTestId('deep-search-run').click();
    await expect.poll(() => st.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await hits()).toEqual(['docs/notes/draft one.md']);

    // A hit opens its folder with the object selected.
    await page.locator('[data-testid=deep-search-hit][data-key="docs/notes/draft one.md"]').click();
    await listed(`${BUCKET}/docs/notes/`);
    expect(await row('docs/notes/draft one.md').getAttribute('data-selected')).toBe('true');

    // Under a prefix only what is below it is scanned.
    await goTo(`${BUCKET}/photos/`);
    await listed(`${BUCKET}/photos/`);
    await page.getByTestId('deep-search-open').click();
    await input.fill('jpg');
    await page.getByTestId('deep-search-run').click();
    await expect.poll(() => st.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await st.getAttribute('data-scanned')).toBe('5');
    expect(await st.getAttribute('data-found')).toBe('2');
    await page.keyboard.press('Escape');
  });

  it('calculates a folder size and count on demand from the context menu', async () => {
    await goTo(`${BUCKET}/`);
    await listed(`${BUCKET}/`);
    await row('docs/').click({ button: 'right' });
    await page.getByTestId('menu-size').click();
    const st = page.getByTestId('folder-size-status');
    await expect.poll(() => st.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await st.getAttribute('data-objects')).toBe('4');
    expect(await st.getAttribute('data-bytes')).toBe(String(3000 + 5000 + 2000 + 300));
    expect(await st.textContent()).toMatch(/4 objects, 10\.1 KB/);
    await page.getByTestId('folder-size-close').click();
  });

  it('remembers a bucket opened by name across a reload', async () => {
    await page.getByTestId('object-browser').waitFor();
    await page
      .locator('[data-testid=breadcrumb]')
      .first()
      .click()
      .catch(() => undefined);
    await page.reload();
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    await page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(`[data-testid=bucket-row][data-bucket="${OTHER}"]`).count()).toBe(0);
    await page.getByTestId('open-bucket-by-name').click();
    await page.getByTestId('bucket-name-input').fill(OTHER);
    await page.getByTestId('confirm-ok').click();
    await listed(`${OTHER}/`);
    expect(await rowKeys()).toEqual(['shared.txt']);

    await page.reload();
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    const remembered = page.locator(`[data-testid=bucket-row][data-bucket="${OTHER}"]`);
    await remembered.waitFor({ timeout: 30_000 });
    await remembered.dblclick();
    await listed(`${OTHER}/`);
  });

  it('shows live counters while a search or a size count runs, and stops on Cancel', async () => {
    // Page 1 of every scan under many/ comes back; page 2 gets no answer until the test ends.
    proxy.add({
      kind: 'stall',
      seconds: 600,
      count: Infinity,
      when: (r) => r.method === 'GET' && r.url.startsWith(`/${BUCKET}`) && r.url.includes('marker='),
    });
    await page.reload();
    await page.locator('[data-testid=account-item][data-account-name="held"]').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 30_000 });
    await bucketRow.dblclick();
    await listed(`${BUCKET}/`);
    await goTo(`${BUCKET}/many/`);
    // The folder itself lists in pages, the first a short one of 100 rows (the store's
    // FIRST_PAGE_SIZE, so rows show at once; the proxy holds page 2): Cancel stops it with those
    // 100 rows shown.
    await expect.poll(() => status().getAttribute('data-count'), { timeout: 30_000 }).toBe('100');
    await page.getByTestId('listing-cancel').click();
    await expect.poll(() => status().getAttribute('data-state')).toBe('cancelled');

    await page.getByTestId('deep-search-open').click();
    await page.getByTestId('deep-search-input').fill('OBJ-*');
    await page.getByTestId('deep-search-run').click();
    const st = page.getByTestId('deep-search-status');
    await expect.poll(() => st.getAttribute('data-scanned'), { timeout: 30_000 }).toBe('1000');
    expect(await st.getAttribute('data-state')).toBe('running');
    expect(await st.getAttribute('data-found')).toBe('1000');
    expect(await st.textContent()).toMatch(/Scanned 1,000, found 1,000/);
    await page.getByTestId('deep-search-cancel').click();
    await expect.poll(() => st.getAttribute('data-state')).toBe('cancelled');
    expect(await st.textContent()).toMatch(/Stopped: scanned 1,000, found 1,000/);
    await page.keyboard.press('Escape');

    await goTo(`${BUCKET}/`);
    await listed(`${BUCKET}/`);
    await row('many/').click({ button: 'right' });
    await page.getByTestId('menu-size').click();
    const size = page.getByTestId('folder-size-status');
    await expect.poll(() => size.getAttribute('data-objects'), { timeout: 30_000 }).toBe('1000');
    expect(await size.getAttribute('data-state')).toBe('running');
    await page.getByTestId('folder-size-cancel').click();
    await expect.poll(() => size.getAttribute('data-state')).toBe('cancelled');
    expect(await size.textContent()).toMatch(/1,000 objects, 1000 B.*Stopped before the end/s);
    await page.getByTestId('folder-size-close').click();
    proxy.clear();
  });
});
