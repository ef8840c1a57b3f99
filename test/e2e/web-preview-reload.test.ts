import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// The page's CSP names the endpoints of the accounts there were when it loaded. An account
// added afterwards (here the same RGW as http://localhost:port, another origin) cannot be
// previewed by that page: the preview says so and offers a reload, after which it shows.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `prevrl-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-prevrl-'));
const other = (() => {
  const u = new URL(S3_ENDPOINT);
  u.hostname = 'localhost';
  return u.origin;
})();
// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);

let seeder: Seeder;
let browser: Browser;
let web: WebMode | undefined;
let page: Page;

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK), 1);
  await seeder.createBucket(BUCKET);
  const res = await seeder.client.request({
    method: 'PUT',
    bucket: BUCKET,
    key: 'dot.png',
    body: new Uint8Array(PNG),
    headers: { 'content-type': 'image/png' },
  });
  await res.body.dump();
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(web.url);
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
  await (await seeder.client.request({ method: 'DELETE', bucket: BUCKET, key: 'dot.png' })).body.dump();
  await (await seeder.client.request({ method: 'DELETE', bucket: BUCKET })).body.dump();
  await seeder.close();
});

describe('a preview from an endpoint added after the page loaded (web mode, Chromium)', () => {
  it('asks for a reload instead of showing a broken image, and shows it after the reload', async () => {
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).not.toContain(other);

    await page.getByTestId('add-account').or(page.getByTestId('add-account-empty')).first().click();
    await page.getByTestId('account-form').waitFor();
    await page.getByTestId('field-kind-s3').click();
    await page.getByTestId('field-name').fill('Later RGW');
    await page.getByTestId('field-endpoint').fill(other);
    await page.getByTestId('field-region').fill('us-east-1');
    await page.getByTestId('field-access-key-id').fill(AK);
    await page.getByTestId('field-secret-key').fill(SK);
    // (Path-style addressing is the form's default.)
    await page.getByTestId('form-save').click();
    await page.getByTestId('account-form').waitFor({ state: 'hidden' });

    const openImage = async () => {
      await page.locator('[data-testid=account-item][data-account-name="Later RGW"]').click();
      const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
      await bucketRow.waitFor({ timeout: 30_000 });
      await bucketRow.dblclick();
      const row = page.locator('[data-testid=object-row][data-key="dot.png"]');
      await row.waitFor({ timeout: 30_000 });
      await row.dblclick();
    };
    await openImage();
    await page.getByTestId('preview-reload').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('preview-image').count()).toBe(0);

    await Promise.all([page.waitForEvent('load'), page.getByTestId('preview-reload-button').click()]);
    const after = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(after).toContain(other);
    if (!(await page.getByTestId('preview-panel').isVisible())) await openImage();
    const img = page.getByTestId('preview-image');
    await img.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: 20_000,
      })
      .toBe(1);
    expect(await page.getByTestId('preview-reload').count()).toBe(0);
  }, 180_000);
});
