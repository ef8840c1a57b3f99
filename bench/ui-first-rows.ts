import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addS3Account } from './lib';
import { launchChromium } from '../test/support/browser';
import { startWebMode } from '../test/support/web-mode';

export interface FirstRowsOptions {
  account: { endpoint: string; accessKey: string; secretKey: string };
  bucket: string;
  /** A folder of the bucket's root, ending with '/'. */
  prefix: string;
  runs: number;
}

/**
 * Time from opening a folder in the web UI (built web mode, Chromium) to its first rows on
 * screen, and to the end of its listing. Needs the keyring (run through scripts/test-env.mjs).
 */
export async function timeToFirstRows(
  o: FirstRowsOptions,
): Promise<{ firstRowsMs: number[]; doneMs: number[] }> {
  const home = mkdtempSync(join(tmpdir(), 'cosdesk-bench-'));
  addS3Account(home, { name: 'bench', ...o.account });
  const web = await startWebMode({ COSDESK_HOME: home });
  const browser = await launchChromium();
  const firstRowsMs: number[] = [];
  const doneMs: number[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(web.url);
    await page.locator('[data-testid=account-item]').first().click();
    await page.getByTestId('open-bucket-by-name').click();
    await page.getByTestId('bucket-name-input').fill(o.bucket);
    await page.getByTestId('confirm-ok').click();
    const folder = page.locator(`[data-testid=object-row][data-key="${o.prefix}"]`);
    const done = page.locator('[data-testid=listing-status][data-state=done]');
    for (let i = 0; i < o.runs; i++) {
      await folder.waitFor().catch(async (e: unknown) => {
        await page.screenshot({ path: '/tmp/bench-ui-fail.png' });
        throw e;
      });
      await done.waitFor({ timeout: 120_000 });
      const t0 = performance.now();
      await folder.dblclick();
      // Polled every animation frame in the page: the first frame that shows a row of the folder.
      await page.waitForFunction(
        (prefix) =>
          !!(
            globalThis as unknown as { document: { querySelector(s: string): unknown } }
          ).document.querySelector(`[data-testid=object-row][data-key^="${prefix}"]`),
        o.prefix,
        { polling: 'raf', timeout: 60_000 },
      );
      firstRowsMs.push(performance.now() - t0);
      await done.waitFor({ timeout: 300_000 });
      doneMs.push(performance.now() - t0);
      await page.getByTestId('nav-up').click();
    }
  } finally {
    await browser.close();
    await web.stop();
  }
  return { firstRowsMs, doneMs };
}
