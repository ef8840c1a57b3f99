import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../support/axe';
import { launchChromium } from '../support/browser';
import { addRgwAccount } from '../support/cli';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 12 §9: the main views pass axe-core (WCAG 2.1 A/AA: no serious or critical violation)
// in the light and the dark theme, and the object table works by keyboard alone.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `a11y-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-a11y-'));

let browser: Browser;
let web: WebMode | undefined;

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  try {
    await seeder.createBucket(BUCKET);
    await seeder.putMany(BUCKET, ['docs/a.txt', 'docs/b.txt', 'photos/x.jpg', 'readme.txt', 'zeta.txt'], {
      body: 'hello',
    });
  } finally {
    await seeder.close();
  }
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
}, 300_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
});

const row = (page: Page, key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);
const focusedKey = (page: Page) =>
  page.evaluate(
    () =>
      (
        globalThis as unknown as {
          document: { activeElement: { getAttribute(n: string): string | null } | null };
        }
      ).document.activeElement?.getAttribute('data-key') ?? null,
  );

async function openBucket(page: Page): Promise<void> {
  await page.goto(web!.url);
  await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
  const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
  await bucketRow.waitFor({ timeout: 30_000 });
  await bucketRow.dblclick();
  await row(page, 'readme.txt').waitFor({ timeout: 30_000 });
  await expect
    .poll(() => page.getByTestId('listing-status').getAttribute('data-state'), { timeout: 30_000 })
    .toBe('done');
}

async function clean(page: Page, view: string): Promise<void> {
  // Animations (dialogs fading in) settle first: axe reads the colours as they are.
  await page.waitForTimeout(400);
  const found = await axeViolations(page);
  expect(found, `${view}:\n${describeViolations(found)}`).toEqual([]);
}

describe.each(['light', 'dark'] as const)('axe-core on the main views (%s theme)', (theme) => {
  it('start page, bucket list, folder, properties, permissions, sharing and the account form', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
    try {
      await page.goto(web!.url);
      await page.locator('[data-testid=account-item]').first().waitFor({ timeout: 30_000 });
      expect(
        await page.evaluate(() =>
          (
            globalThis as unknown as { document: { documentElement: { className: string } } }
          ).document.documentElement.className.includes('dark'),
        ),
      ).toBe(theme === 'dark');
      await clean(page, 'start page');

      await openBucket(page);
      await clean(page, 'folder listing');

      await row(page, 'readme.txt').click({ button: 'right' });
      await page.getByTestId('menu-properties').click();
      await page.getByTestId('properties-panel').waitFor();
      await clean(page, 'properties panel');
      await page.getByTestId('properties-close').click();

      await row(page, 'readme.txt').click({ button: 'right' });
      await page.getByTestId('menu-copy-link').click();
      await page.getByTestId('share-dialog').waitFor();
      await clean(page, 'share dialog');
      await page.keyboard.press('Escape');
      await page.getByTestId('share-dialog').waitFor({ state: 'hidden' });

      await row(page, 'docs/').click({ button: 'right' });
      await page.getByTestId('menu-permissions').click();
      await page.getByTestId('permissions-drawer').waitFor();
      await page.getByTestId('acl-editor').first().waitFor({ timeout: 30_000 });
      await clean(page, 'permissions');
      await page.keyboard.press('Escape');

      await page.getByTestId('add-account').first().click();
      await page.getByTestId('account-form').waitFor();
      await clean(page, 'account form');
    } finally {
      await page.close();
    }
  }, 240_000);
});

describe('the object table by keyboard alone', () => {
  it('Tab reaches a row, arrows move focus and selection, Enter opens, Shift+F10 and the menu key open the menu', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await openBucket(page);
      // Exactly one row is in the Tab order (roving tab index).
      const stops = await page.$$eval(
        '[data-testid=object-row]',
        (rows) => rows.filter((r) => r.getAttribute('tabindex') === '0').length,
      );
      expect(stops).toBe(1);

      // From the filter box, Tab moves on until it lands on that row.
      await page.getByTestId('filter-input').focus();
      for (let i = 0; i < 30 && !(await focusedKey(page)); i++) await page.keyboard.press('Tab');
      expect(await focusedKey(page)).toBe('docs/');
      const outline = await page.evaluate(() => {
        const g = globalThis as unknown as {
          document: { activeElement: unknown };
          getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string };
        };
        const s = g.getComputedStyle(g.document.activeElement);
        return `${s.outlineStyle} ${s.outlineWidth}`;
      });
      expect(outline, 'the focused row shows a visible focus ring').toMatch(/^solid [1-9]/);

      await page.keyboard.press('ArrowDown');
      await expect.poll(() => focusedKey(page)).toBe('photos/');
      expect(await row(page, 'photos/').getAttribute('data-selected')).toBe('true');
      await page.keyboard.press('End');
      await expect.poll(() => focusedKey(page)).toBe('zeta.txt');
      await page.keyboard.press('Home');
      await expect.poll(() => focusedKey(page)).toBe('docs/');

      await page.keyboard.press('Shift+F10');
      await page.getByTestId('context-menu').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('context-menu').waitFor({ state: 'hidden' });
      await page.keyboard.press('ContextMenu');
      await page.getByTestId('context-menu').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('context-menu').waitFor({ state: 'hidden' });

      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('object-browser').getAttribute('data-prefix')).toBe('docs/');
      await row(page, 'docs/a.txt').waitFor();
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => focusedKey(page)).toBe('docs/a.txt');
      await page.keyboard.press('Backspace');
      await expect.poll(() => page.getByTestId('object-browser').getAttribute('data-prefix')).toBe('');
    } finally {
      await page.close();
    }
  }, 180_000);
});
