import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';
import type { WebMode } from '../support/web-mode';
import { addS3Account, objectRow, startWebApp, stopWebApp, tempHome, uniqueName } from '../support/web-app';

// Issue 12 polish, checked as a user sees it (web mode, Chromium, RGW): an error state shows
// the error and what to do, never an empty table's "No Data" under it; an account's title
// appears once; the object table works by keyboard alone, menu included; the theme changes
// the colours and keeps them; a search from a folder stays under it.
const { S3_ENDPOINT, AK, SK, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2');
const BUCKET = uniqueName('polish');
const BUCKET2 = uniqueName('polish2');
const TITLE = 'Polish Title Account';
const home = tempHome('polish');

let browser: Browser;
let web: WebMode | undefined;
let proxy: FaultProxy;
let seeder2: Seeder;

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK), 1);
  try {
    await seeder.createBucket(BUCKET);
    await seeder.putMany(BUCKET, ['a.txt', 'docs/b.txt'], { body: 'x' });
  } finally {
    await seeder.close();
  }
  seeder2 = createSeeder(rgwAccount(S3_ENDPOINT, AK2, SK2), 1);
  await seeder2.createBucket(BUCKET2);
  await seeder2.putMany(BUCKET2, ['docs/old.txt', 'photos/one.jpg', 'photos/deep/two.jpg', 'top.jpg'], {
    body: 'photo',
  });
  await seeder2.putMany(BUCKET2, ['a.txt'], { body: 'keyboard bytes' });
  proxy = await startFaultProxy(S3_ENDPOINT);
  addS3Account(home, TITLE, S3_ENDPOINT, AK2, SK2);
  addS3Account(home, 'closed port', 'http://127.0.0.1:9', AK, SK);
  addS3Account(home, 'stops', proxy.url, AK, SK);
  ({ browser, web } = await startWebApp(home, { COSDESK_TIMEOUT_MS: '8000', COSDESK_MAX_ATTEMPTS: '1' }));
}, 180_000);

afterAll(async () => {
  await stopWebApp({ web, browser });
  await proxy?.close();
  await seeder2?.close();
});

async function newPage(colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 }, colorScheme });
  await page.goto(web!.url);
  await page.locator('[data-testid=account-item]').first().waitFor({ timeout: 30_000 });
  return page;
}

/** Every visible "empty" text of an Element Plus table, el-table-v2 or el-empty on the page. */
function visibleEmptyTexts(page: Page): Promise<string[]> {
  return page
    .locator('.el-table__empty-text, .el-table-v2__empty .el-empty, .el-empty__description')
    .evaluateAll((els) =>
      els
        .filter((e) => {
          const r = (
            e as unknown as { getBoundingClientRect(): { width: number; height: number } }
          ).getBoundingClientRect();
          return r.width > 0 && r.height > 0;
        })
        .map((e) => (e.textContent ?? '').trim() || e.className),
    );
}

/** An error alert is shown, and no "No Data" (or other empty-table text) with it. */
async function errorAlone(page: Page, alert: string, where: string): Promise<void> {
  await page.getByTestId(alert).first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(300);
  expect(await visibleEmptyTexts(page), `${where}: an empty-table text under the error`).toEqual([]);
  expect(await page.locator('body').innerText(), where).not.toMatch(/No Data|暂无数据/);
}

const row = objectRow;
const listingState = (page: Page) => page.getByTestId('listing-status').getAttribute('data-state');
const activeTestid = (page: Page) =>
  page.evaluate(
    () =>
      (
        globalThis as unknown as {
          document: { activeElement: { getAttribute(n: string): string | null } | null };
        }
      ).document.activeElement?.getAttribute('data-testid') ?? null,
  );
const activeAttr = (page: Page, name: string) =>
  page.evaluate(
    (n) =>
      (
        globalThis as unknown as {
          document: { activeElement: { getAttribute(n: string): string | null } | null };
        }
      ).document.activeElement?.getAttribute(n) ?? null,
    name,
  );

/** Tab (at most `max` times) until the focused element matches. */
async function tabTo(page: Page, ok: () => Promise<boolean>, what: string, max = 200): Promise<void> {
  for (let i = 0; i < max && !(await ok()); i++) await page.keyboard.press('Tab');
  expect(await ok(), `Tab reaches ${what}`).toBe(true);
}

describe('polish (web mode, Chromium, 1024x700)', () => {
  it("shows an account's title once, on every tab of its workspace", async () => {
    const page = await newPage();
    try {
      await page.locator(`[data-testid=account-item][data-account-name="${TITLE}"]`).click();
      const ws = page.getByTestId('account-workspace');
      // Headings and header bars naming the account (innermost only: a header holds its h1).
      const headings = () =>
        ws
          .locator('h1, h2, h3, h4, header')
          .evaluateAll(
            (els, name) =>
              els.filter(
                (e) =>
                  (e.textContent ?? '').includes(name) &&
                  !els.some((o) => o !== e && e.contains(o) && (o.textContent ?? '').includes(name)),
              ).length,
            TITLE,
          );
      const inText = async () => (await ws.innerText()).split(TITLE).length - 1;
      for (const tab of ['tab-buckets', 'tab-links', 'account-settings']) {
        await page.getByTestId(tab).click();
        await page.waitForTimeout(300);
        const text = await ws.locator('h1').allInnerTexts();
        expect(
          text.filter((t) => t.includes(TITLE)),
          tab,
        ).toHaveLength(1);
        expect(await headings(), `${tab}: headers naming the account`).toBe(1);
        expect(await inText(), `${tab}: the account's name in the workspace`).toBe(1);
      }
    } finally {
      await page.close();
    }
  });

  it('a bucket list that cannot be fetched shows the error alone, without an empty table or an unhelpful hint', async () => {
    const page = await newPage();
    try {
      await page.locator('[data-testid=account-item][data-account-name="closed port"]').click();
      await errorAlone(page, 'buckets-error', 'bucket list, closed port');
      const alert = page.getByTestId('buckets-error');
      expect(await alert.getAttribute('data-kind')).toBe('network');
      expect(await alert.textContent()).toMatch(/connection was refused\. Check the endpoint address/);
      expect(await page.locator('[data-testid=bucket-list] table').count(), 'no empty table').toBe(0);
      // Opening a bucket by name cannot help when the server is unreachable.
      expect(await page.getByTestId('bucket-list').innerText()).not.toMatch(/without being allowed to list/);
      expect(await alert.getByRole('button', { name: /Open bucket by name/ }).count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('a folder whose server stops: no "No Data" while loading, cancelled, failed, nor in the panels that fail with it', async () => {
    const page = await newPage();
    try {
      await page.locator('[data-testid=account-item][data-account-name="stops"]').click();
      await page.getByTestId('open-bucket-by-name').click();
      await page.getByTestId('bucket-name-input').fill(BUCKET);
      await page.getByTestId('confirm-ok').click();
      await row(page, 'a.txt').waitFor({ timeout: 30_000 });

      // A listing that gets no answer: loading, then cancelled.
      proxy.add({
        kind: 'stall',
        seconds: 600,
        count: Infinity,
        when: (r) => r.method === 'GET' && r.url.startsWith(`/${BUCKET}`),
      });
      await page.getByTestId('refresh').click();
      await expect.poll(() => listingState(page), { timeout: 30_000 }).toBe('loading');
      await page.waitForTimeout(300);
      expect(await visibleEmptyTexts(page), 'while loading').toEqual([]);
      await page.getByTestId('listing-cancel').click();
      await expect.poll(() => listingState(page)).toBe('cancelled');
      expect(await visibleEmptyTexts(page), 'cancelled').toEqual([]);
      proxy.clear();

      // The server goes away (its port closed): every view that lists shows its error alone.
      await proxy.close();
      await page.getByTestId('refresh').click();
      await expect.poll(() => listingState(page), { timeout: 30_000 }).toBe('error');
      await errorAlone(page, 'browser-error', 'folder listing');
      expect(await page.getByTestId('browser-error').textContent()).toMatch(/connection was refused/);

      await page.getByTestId('permissions').click();
      await page.getByTestId('permissions-drawer').waitFor();
      await errorAlone(page, 'permissions-drawer', 'permissions');
      await page.getByTestId('permissions-drawer').getByTestId('browser-error').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('permissions-drawer').getByTestId('browser-error').textContent()).toMatch(
        /Could not load the permissions.*connection was refused/,
      );
      expect(await visibleEmptyTexts(page), 'permissions').toEqual([]);
      await page.keyboard.press('Escape');
      await page.getByTestId('permissions-drawer').waitFor({ state: 'hidden' });

      await page.getByTestId('bucket-settings').click();
      await errorAlone(page, 'bset-section-error', 'bucket settings');
      await page.keyboard.press('Escape');
      await page.getByTestId('bucket-settings-dialog').waitFor({ state: 'hidden' });

      await page.getByTestId('leftover-uploads').click();
      await errorAlone(page, 'leftover-error', 'leftover uploads');
      await page.keyboard.press('Escape');
      await page.getByTestId('leftover-dialog').waitFor({ state: 'hidden' });

      await page.getByTestId('show-deleted').click();
      await page.getByTestId('deleted-panel').locator('.el-alert').waitFor({ timeout: 30_000 });
      await errorAlone(page, 'browser-error', 'show deleted');
    } finally {
      await page.close();
    }
  });

  it('in a 1024x700 window every column header of the table fits, and the settings page ends above the Transfers bar', async () => {
    const page = await newPage();
    try {
      const box = async (sel: string) => {
        const b = await page.locator(sel).first().boundingBox();
        if (!b) throw new Error(`${sel} is not shown`);
        return b;
      };
      await page.locator(`[data-testid=account-item][data-account-name="${TITLE}"]`).click();
      await page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET2}"]`).dblclick();
      await row(page, 'a.txt').waitFor({ timeout: 30_000 });
      const table = await box('.object-table');
      for (const col of ['name', 'size', 'type', 'modified', 'storageClass']) {
        const h = await box(`[data-testid=column-header][data-column="${col}"]`);
        expect(h.x + h.width, `the ${col} header inside the table`).toBeLessThanOrEqual(
          table.x + table.width + 1,
        );
      }

      await page.getByTestId('open-settings').click();
      await page.getByTestId('settings-view').waitFor();
      const settings = await box('[data-testid=settings-view]');
      const bar = await box('[data-testid=transfer-panel]');
      expect(
        settings.y + settings.height,
        'the settings page ends above the Transfers bar',
      ).toBeLessThanOrEqual(bar.y + 1);
    } finally {
      await page.close();
    }
  });

  it('the theme changes the computed colours at once and keeps them after a reload', async () => {
    const page = await newPage('light');
    try {
      const colours = () =>
        page.evaluate(() => {
          const g = globalThis as unknown as {
            document: { body: unknown; querySelector(s: string): unknown };
            getComputedStyle(e: unknown): { backgroundColor: string; color: string };
          };
          const main = g.document.querySelector('.app-main') ?? g.document.body;
          return {
            page: g.getComputedStyle(g.document.body).backgroundColor,
            text: g.getComputedStyle(main).color,
            sidebar: g.getComputedStyle(g.document.querySelector('[data-testid=account-item]')).color,
          };
        });
      const light = await colours();
      await page.getByTestId('open-settings').click();
      await page.getByTestId('settings-theme-dark').click();
      await expect.poll(async () => (await colours()).page).not.toBe(light.page);
      const dark = await colours();
      expect(dark.text).not.toBe(light.text);
      expect(dark.sidebar).not.toBe(light.sidebar);
      await page.reload();
      await page.locator('[data-testid=account-item]').first().waitFor({ timeout: 30_000 });
      await expect.poll(colours).toEqual(dark);
      // Back to light for the other tests (one settings file for this web mode).
      await page.getByTestId('open-settings').click();
      await page.getByTestId('settings-theme-light').click();
      await expect.poll(colours).toEqual(light);
    } finally {
      await page.close();
    }
  });
});

describe('by keyboard alone (no mouse anywhere)', () => {
  it('opens the account, the bucket and a row, copies it from the Shift+F10 menu with the arrow keys, pastes it into a folder', async () => {
    const page = await newPage();
    try {
      await tabTo(page, async () => (await activeAttr(page, 'data-account-name')) === TITLE, 'the account');
      await page.keyboard.press('Enter');
      await page.getByTestId('bucket-list').waitFor({ timeout: 30_000 });
      await page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET2}"]`).waitFor({ timeout: 30_000 });
      await tabTo(
        page,
        async () => (await activeAttr(page, 'data-bucket')) === BUCKET2,
        'the bucket row',
        400,
      );
      await page.keyboard.press('Enter');
      await row(page, 'a.txt').waitFor({ timeout: 30_000 });
      await expect.poll(() => listingState(page), { timeout: 30_000 }).toBe('done');

      await tabTo(page, async () => (await activeTestid(page)) === 'object-row', 'a row of the table');
      await page.keyboard.press('End');
      await expect.poll(() => activeAttr(page, 'data-key')).toBe('top.jpg');
      await page.keyboard.press('ArrowUp');
      await expect.poll(() => activeAttr(page, 'data-key')).toBe('a.txt');
      expect(await row(page, 'a.txt').getAttribute('data-selected')).toBe('true');

      // Shift+F10: the menu, its first item focused; the arrow keys move to Copy; Enter picks it.
      await page.keyboard.press('Shift+F10');
      await page.getByTestId('context-menu').waitFor();
      await expect.poll(() => activeTestid(page)).toBe('menu-open');
      for (let i = 0; i < 30 && (await activeTestid(page)) !== 'menu-copy'; i++)
        await page.keyboard.press('ArrowDown');
      expect(await activeTestid(page)).toBe('menu-copy');
      await page.keyboard.press('Enter');
      await page.getByTestId('context-menu').waitFor({ state: 'hidden' });

      // Into docs/ (Home goes to the first row), and paste there with the keyboard.
      await page.keyboard.press('Home');
      await expect.poll(() => activeAttr(page, 'data-key')).toBe('docs/');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('object-browser').getAttribute('data-prefix')).toBe('docs/');
      await row(page, 'docs/old.txt').waitFor({ timeout: 30_000 });
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => activeAttr(page, 'data-key')).toBe('docs/old.txt');
      await page.keyboard.press('Shift+F10');
      await page.getByTestId('context-menu').waitFor();
      for (let i = 0; i < 30 && (await activeTestid(page)) !== 'menu-paste'; i++)
        await page.keyboard.press('ArrowUp');
      expect(await activeTestid(page)).toBe('menu-paste');
      await page.keyboard.press('Enter');
      await row(page, 'docs/a.txt').waitFor({ timeout: 30_000 });
      const res = await seeder2.client.request({ method: 'GET', bucket: BUCKET2, key: 'docs/a.txt' });
      expect(await res.body.text()).toBe('keyboard bytes');
    } finally {
      await page.close();
    }
  }, 120_000);

  it('a search started in a folder finds only what is under that folder', async () => {
    const page = await newPage();
    try {
      await page.locator(`[data-testid=account-item][data-account-name="${TITLE}"]`).click();
      await page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET2}"]`).dblclick();
      await row(page, 'photos/').dblclick();
      await row(page, 'photos/one.jpg').waitFor({ timeout: 30_000 });
      await page.getByTestId('deep-search-open').click();
      await page.getByTestId('deep-search-input').fill('*.jpg');
      await page.getByTestId('deep-search-run').click();
      const hits = () =>
        page.$$eval('[data-testid=deep-search-hit]', (els) =>
          els.map((e) => e.getAttribute('data-key') ?? ''),
        );
      await expect
        .poll(async () => (await hits()).sort(), { timeout: 30_000 })
        .toEqual(['photos/deep/two.jpg', 'photos/one.jpg']);
      expect(await hits()).not.toContain('top.jpg');
    } finally {
      await page.close();
    }
  });
});
