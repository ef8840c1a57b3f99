import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { addRgwAccount } from '../support/cli';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// A transfer that fails says why in the panel, and Retry (one, or all failed) runs it again:
// downloads into a folder that cannot be created (a file is in the way), then the way cleared.
// Folder downloads: web mode saves a single file as a browser download, a folder on the server.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `xfail-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-xfail-e2e-'));
const blocker = join(home, 'blocker');
const downloads = join(blocker, 'downloads');

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);
const jobRow = (key: string) => page.locator(`[data-testid=transfer-row][data-key="${key}"]`);
const stateOf = (key: string) =>
  jobRow(key)
    .getAttribute('data-state', { timeout: 500 })
    .catch(() => '');

beforeAll(async () => {
  writeFileSync(blocker, 'a file where the download folder should be');
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, ['a/a.txt'], { body: 'first file' });
  await seeder.putMany(BUCKET, ['b/b.txt'], { body: 'second file' });
  await seeder.close();
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home, COSDESK_DOWNLOAD_DIR: downloads });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(web.url);
}, 120_000);

afterAll(async () => {
  spawnSync('/usr/bin/aws', ['s3', 'rb', `s3://${BUCKET}`, '--force', '--endpoint-url', S3_ENDPOINT], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: AK,
      AWS_SECRET_ACCESS_KEY: SK,
      AWS_DEFAULT_REGION: 'us-east-1',
    },
  });
  await web?.stop();
  await browser?.close();
});

describe('failed transfers in the panel (Chromium)', () => {
  it('shows why a download failed; Retry and Retry failed run it again once the cause is gone', async () => {
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 20_000 });
    await bucketRow.dblclick();
    for (const key of ['a/', 'b/']) {
      await row(key).waitFor({ timeout: 20_000 });
      await row(key).click({ button: 'right' });
      await page.getByTestId('menu-download').click();
    }
    await expect.poll(() => stateOf('a/a.txt'), { timeout: 30_000 }).toBe('failed');
    await expect.poll(() => stateOf('b/b.txt'), { timeout: 30_000 }).toBe('failed');
    // The reason is on screen, in words: which file, what went wrong, what to do.
    const reason = jobRow('a/a.txt').getByTestId('transfer-reason');
    expect(await reason.isVisible()).toBe(true);
    expect(await reason.innerText()).toMatch(/a\.txt.*(in the way|not a folder).*Choose another destination/);
    const retryFailed = page.getByTestId('transfer-retry-failed');
    expect(await retryFailed.innerText()).toMatch(/\(2\)/);

    // Clear the way; Retry on one row runs that one only.
    rmSync(blocker);
    await jobRow('a/a.txt').getByTestId('transfer-retry').click();
    await expect.poll(() => stateOf('a/a.txt'), { timeout: 30_000 }).toBe('done');
    expect(readFileSync(join(downloads, 'a', 'a.txt'), 'utf8')).toBe('first file');
    expect(await stateOf('b/b.txt')).toBe('failed');
    expect(await jobRow('a/a.txt').getByTestId('transfer-reason').count()).toBe(0);

    // Retry failed: every failed job.
    await expect.poll(() => retryFailed.innerText()).toMatch(/\(1\)/);
    await retryFailed.click();
    await expect.poll(() => stateOf('b/b.txt'), { timeout: 30_000 }).toBe('done');
    expect(readFileSync(join(downloads, 'b', 'b.txt'), 'utf8')).toBe('second file');
    await expect.poll(() => retryFailed.count()).toBe(0);
  }, 180_000);
});
