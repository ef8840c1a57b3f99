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

// Issue 13 item 6: a folder taller than the browser lays out (rows × 36 px over the table's capped
// spacer of 8,000,000 px) still scrolls to its last row, by the scroll bar, the wheel and End.
// 250,000 rows: past the cap (222,222 rows), listed quickly enough from a loopback listing server
// (test/support/listing-server.ts: ListObjects pages made on the fly). No timing is asserted.
const ROWS = 250_000;
const BUCKET = 'scale-end';
const FOLDER = 'm/';
const key = (i: number) => `${FOLDER}obj-${String(i).padStart(String(ROWS - 1).length, '0')}`;
const LAST = key(ROWS - 1);
const home = mkdtempSync(join(tmpdir(), 'cosdesk-scale-end-'));

let browser: Browser;
let web: WebMode | undefined;
let listing: { endpoint: string; server: Server } | undefined;
let page: Page;

const row = (k: string) => page.locator(`[data-testid=object-row][data-key="${k}"]`);

type G = {
  document: {
    activeElement: { getAttribute(n: string): string | null } | null;
    querySelector(s: string): {
      scrollTop: number;
      scrollHeight: number;
      clientHeight: number;
      getBoundingClientRect(): { top: number; bottom: number };
    } | null;
  };
};
const activeKey = () =>
  page.evaluate(() => (globalThis as unknown as G).document.activeElement?.getAttribute('data-key') ?? null);
/** The row is rendered and fully inside the table's scroll area. */
const inView = (k: string) =>
  page.evaluate((k) => {
    const d = (globalThis as unknown as G).document;
    const r = d.querySelector(`[data-testid=object-row][data-key="${k}"]`)?.getBoundingClientRect();
    const box = d.querySelector('.object-table .scroller')?.getBoundingClientRect();
    return !!r && !!box && r.top >= box.top && r.bottom <= box.bottom + 1;
  }, k);

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

describe(`a folder of ${ROWS.toLocaleString('en')} objects, taller than Chromium lays out (web mode)`, () => {
  it('scrolls to its last row by the scroll bar, the wheel and End, and End focuses it', async () => {
    await page.locator('[data-testid=account-item][data-account-name="listing"]').click();
    await page.getByTestId('open-bucket-by-name').click();
    await page.getByTestId('bucket-name-input').fill(BUCKET);
    await page.getByTestId('confirm-ok').click();
    await row(FOLDER).dblclick({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId('listing-status').getAttribute('data-state'), { timeout: 600_000 })
      .toBe('done');

    // The scroll bar at its end shows the last row (the spacer is capped, not clamped).
    const geometry = await page.evaluate(() => {
      const s = (globalThis as unknown as G).document.querySelector('.object-table .scroller');
      if (!s) return null;
      s.scrollTop = s.scrollHeight;
      return { scrollHeight: s.scrollHeight };
    });
    expect(geometry?.scrollHeight).toBeLessThan(ROWS * 36);
    await expect.poll(() => inView(LAST), { timeout: 15_000 }).toBe(true);
    // Half way down the bar is half way down the list.
    await page.evaluate(() => {
      const s = (globalThis as unknown as G).document.querySelector('.object-table .scroller');
      if (s) s.scrollTop = (s.scrollHeight - s.clientHeight) / 2;
    });
    await expect.poll(() => row(key(ROWS / 2)).count(), { timeout: 15_000 }).toBe(1);

    // Back to the top, then the wheel and End from the keyboard.
    await page.evaluate(() => {
      const s = (globalThis as unknown as G).document.querySelector('.object-table .scroller');
      if (s) s.scrollTop = 0;
    });
    await row(key(0)).click();
    const box = await row(key(0)).boundingBox();
    await page.mouse.move((box?.x ?? 200) + 100, (box?.y ?? 200) + 200);
    for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 1000);
    await expect.poll(() => row(key(0)).count(), { timeout: 15_000 }).toBe(0);

    await page.keyboard.press('End');
    await expect.poll(() => row(LAST).getAttribute('data-selected'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => activeKey(), { timeout: 15_000 }).toBe(LAST);
    expect(await inView(LAST)).toBe(true);
    expect(await row(LAST).getAttribute('tabindex')).toBe('0');

    await page.keyboard.press('PageUp');
    await expect.poll(() => activeKey(), { timeout: 15_000 }).toBe(key(ROWS - 21));
    expect(await inView(key(ROWS - 21))).toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(() => activeKey(), { timeout: 15_000 }).toBe(key(0));
    expect(await inView(key(0))).toBe(true);
  }, 900_000);
});
