import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const add = spawnSync(
    process.execPath,
    [
      'bin/cosdesk.js',
      'accounts',
      'add',
      '--kind',
      's3',
      '--name',
      'bench',
      '--endpoint',
      o.account.endpoint,
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        COSDESK_HOME: home,
        COSDESK_SECRET_ID: o.account.accessKey,
        COSDESK_SECRET_KEY: o.account.secretKey,
      },
    },
  );
  if (add.status !== 0) throw new Error(`accounts add failed: ${add.stderr}`);
  const web = await startWebMode({ COSDESK_HOME: home });
  const browser = await launchChromium();
  const firstRowsMs: number[] = [];
  const doneMs: number[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(web.url);
    await page.locator('[data-testid=account-item]').first().click();
    await page.locator(`[data-testid=bucket-row][data-bucket="${o.bucket}"]`).dblclick();
    const folder = page.locator(`[data-testid=object-row][data-key="${o.prefix}"]`);
    const firstChild = page.locator(`[data-testid=object-row][data-key^="${o.prefix}"]`).first();
    const status = page.getByTestId('listing-status');
    for (let i = 0; i < o.runs; i++) {
      await folder.waitFor();
      await status.and(page.locator('[data-state=done]')).waitFor({ timeout: 120_000 });
      const t0 = performance.now();
      await folder.dblclick();
      await firstChild.waitFor({ timeout: 60_000 });
      firstRowsMs.push(performance.now() - t0);
      await status.and(page.locator('[data-state=done]')).waitFor({ timeout: 300_000 });
      doneMs.push(performance.now() - t0);
      await page.getByTestId('nav-up').click();
    }
  } finally {
    await browser.close();
    await web.stop();
  }
  return { firstRowsMs, doneMs };
}
