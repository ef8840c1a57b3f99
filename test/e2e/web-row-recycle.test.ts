import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { runCli } from '../support/cli';
import { startListingServer } from '../support/listing-server';
import { startWebMode, type WebMode } from '../support/web-mode';

// The object list shows its rows in a fixed pool of elements (row-pool.ts): a row scrolled into
// view takes over the element of one that left. Keyboard focus follows the row, not the element.
// A folder from the loopback listing server (test/support/listing-server.ts). No timing asserted.
const ROWS = 3000;
const BUCKET = 'recycle';
const FOLDER = 'm/';
const key = (i: number) => `${FOLDER}obj-${String(i).padStart(String(ROWS - 1).length, '0')}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-recycle-'));

let browser: Browser;
let web: WebMode | undefined;
let listing: { endpoint: string; server: Server } | undefined;
let page: Page;

const row = (k: string) => page.locator(`[data-testid=object-row][data-key="${k}"]`);

interface El {
  getAttribute(n: string): string | null;
  getBoundingClientRect(): { top: number; bottom: number };
}
type G = {
  __held?: El;
  document: {
    activeElement: (El & { dataset: Record<string, string> }) | null;
    querySelector(s: string): El | null;
    querySelectorAll(s: string): { length: number };
  };
};
const activeKey = () =>
  page.evaluate(() => (globalThis as unknown as G).document.activeElement?.getAttribute('data-key') ?? null);
const activeTestId = () =>
  page.evaluate(
    () => (globalThis as unknown as G).document.activeElement?.getAttribute('data-testid') ?? null,
  );
const rowCount = () =>
  page.evaluate(
    () => (globalThis as unknown as G).document.querySelectorAll('[data-testid=object-row]').length,
  );

beforeAll(async () => {
  listing = await startListingServer(ROWS, BUCKET, FOLDER);
  const add = runCli(
    home,
    [
      'accounts',
      'add',
      '--kind',
      's3',
      '--name',
      'listing',
      '--endpoint',
      listing.endpoint,
      '--region',
      'us-east-1',
      '--path-style',
      '--secret-id',
      'test',
    ],
    { COSDESK_SECRET_KEY: 'test-secret' },
  );
  if (add.status !== 0) throw new Error(`cosdesk accounts add failed: ${add.stderr}`);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(web.url);
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
  listing?.server.close();
});

describe('the object list recycles its row elements (web mode)', () => {
  it('keeps one pool of rows while scrolling, and focus follows the focused row, not its element', async () => {
    await page.locator('[data-testid=account-item][data-account-name="listing"]').click();
    await page.getByTestId('open-bucket-by-name').click();
    await page.getByTestId('bucket-name-input').fill(BUCKET);
    await page.getByTestId('confirm-ok').click();
    await row(FOLDER).dblclick({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId('listing-status').getAttribute('data-state'), { timeout: 120_000 })
      .toBe('done');

    const focused = key(3);
    await row(focused).click();
    await expect.poll(activeKey).toBe(focused);
    expect(await row(focused).getAttribute('aria-selected')).toBe('true');
    expect(await row(focused).getAttribute('aria-rowindex')).toBe('5');
    expect(await row(focused).getAttribute('role')).toBe('row');
    const pool = await rowCount();
    // Hold on to the focused element itself: it will show another row.
    await page.evaluate(() => {
      const g = globalThis as unknown as G;
      g.__held = g.document.activeElement ?? undefined;
    });

    const box = await row(focused).boundingBox();
    await page.mouse.move((box?.x ?? 200) + 100, (box?.y ?? 200) + 100);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 1000);
    await expect.poll(() => row(focused).count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => row(key(0)).count(), { timeout: 15_000 }).toBe(0);
    expect(await rowCount()).toBe(pool);

    // The element that had focus now shows another row, unselected, and has no focus: focus waits
    // on the object browser (no row of another item took it).
    const held = await page.evaluate(() => {
      const g = globalThis as unknown as G;
      const el = g.__held;
      return {
        key: el?.getAttribute('data-key'),
        selected: el?.getAttribute('aria-selected'),
        rowindex: el?.getAttribute('aria-rowindex'),
        focused: !!el && (g.document.activeElement as unknown) === el,
      };
    });
    expect(held.key).not.toBe(focused);
    expect(held.selected).toBe('false');
    expect(held.rowindex).not.toBe('5');
    expect(held.focused).toBe(false);
    expect(await activeKey()).toBe(null);
    expect(await activeTestId()).toBe('object-browser');

    // Scrolled back, the focused row has focus again (in whichever element shows it now).
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -1000);
    await expect.poll(() => row(focused).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(activeKey, { timeout: 15_000 }).toBe(focused);
    expect(await row(focused).getAttribute('aria-selected')).toBe('true');
    expect(await row(focused).getAttribute('tabindex')).toBe('0');
    expect(await rowCount()).toBe(pool);

    // And the keyboard goes on from it.
    await page.keyboard.press('ArrowDown');
    await expect.poll(activeKey).toBe(key(4));
    expect(await row(key(4)).getAttribute('aria-selected')).toBe('true');
    expect(await row(focused).getAttribute('aria-selected')).toBe('false');

    // PageDown far enough to recycle the focused element: focus is on the new focused row.
    for (let i = 0; i < 5; i++) await page.keyboard.press('PageDown');
    await expect.poll(activeKey, { timeout: 15_000 }).toBe(key(104));
    expect(await row(key(104)).getAttribute('aria-rowindex')).toBe('106');
    expect(await rowCount()).toBe(pool);
  }, 300_000);
});
