import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRgwAccount } from '../support/cli';
import { requireEnv } from '../support/main';
import { bigKeys, createSeeder, rgwAccount } from '../support/seed';
import type { WebMode } from '../support/web-mode';
import { objectRow, startWebApp, stopWebApp, tempHome } from '../support/web-app';

// Issue 13 item 6: a long folder stays usable from the keyboard. Scrolling with the wheel takes
// the focused row out of the virtual list (and focus with it, to the page): End, PageUp and the
// arrows must still move in the list. bench/ui-scale.ts measures the speed of all this.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BIG = 100_000;
const BIG_BUCKET = 'cosdesk-e2e-big';
const home = tempHome('scale');

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const row = (key: string) => objectRow(page, key);

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  try {
    if (!(await seeder.exists(BIG_BUCKET, bigKeys(BIG).at(-1) as string))) {
      await seeder.createBucket(BIG_BUCKET).catch(() => undefined);
      await seeder.putMany(BIG_BUCKET, bigKeys(BIG), { concurrency: 64 });
    }
  } finally {
    await seeder.close();
  }
  addRgwAccount(home);
  ({ browser, web } = await startWebApp(home));
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(web.url);
}, 300_000);

afterAll(async () => {
  await stopWebApp({ web, browser });
});

describe('a folder of 100,000 objects from the keyboard (web mode, Chromium)', () => {
  it('End, PageUp and arrows still work after the wheel scrolled the focused row away', async () => {
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    await page.getByTestId('open-bucket-by-name').click();
    await page.getByTestId('bucket-name-input').fill(BIG_BUCKET);
    await page.getByTestId('confirm-ok').click();
    await row('big/').dblclick({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId('listing-status').getAttribute('data-state'), { timeout: 120_000 })
      .toBe('done');
    await row('big/obj-000000').click();
    const box = await row('big/obj-000000').boundingBox();
    await page.mouse.move((box?.x ?? 200) + 100, (box?.y ?? 200) + 200);
    for (let i = 0; i < 30; i++) await page.mouse.wheel(0, 2000);
    await expect.poll(() => row('big/obj-000000').count()).toBe(0);

    await page.keyboard.press('End');
    await expect
      .poll(() => row('big/obj-099999').getAttribute('data-selected'), { timeout: 15_000 })
      .toBe('true');
    await page.keyboard.press('ArrowUp');
    await expect
      .poll(() => row('big/obj-099998').getAttribute('data-selected'), { timeout: 15_000 })
      .toBe('true');
    await page.keyboard.press('Home');
    await expect
      .poll(() => row('big/obj-000000').getAttribute('data-selected'), { timeout: 15_000 })
      .toBe('true');
    // And the row itself has the keyboard focus again.
    await expect
      .poll(() =>
        page.evaluate(() =>
          (
            globalThis as unknown as {
              document: { activeElement: { getAttribute(n: string): string | null } | null };
            }
          ).document.activeElement?.getAttribute('data-key'),
        ),
      )
      .toBe('big/obj-000000');
  }, 240_000);
});
