import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { dropBucket } from '../integration/storage/stack';
import { s3Account } from '../integration/storage/helpers';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 12 item 6 in the UI: web mode in Chromium over a real RGW; what the UI saves is read
// back from RGW with a plain client.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const tag = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const BUCKET = `bset-${tag}`;
const DOOMED = `bset-rm-${tag}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-bset-e2e-'));

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const bucketRow = (b: string) => page.locator(`[data-testid=bucket-row][data-bucket="${b}"]`);
const dialog = () => page.getByTestId('bucket-settings-dialog');

async function rgwCors(bucket: string): Promise<string> {
  const c = new StorageClient(s3Account(S3_ENDPOINT, AK, SK));
  try {
    return (await c.requestText({ method: 'GET', bucket, query: { cors: '' } })).text;
  } catch (e) {
    return String((e as { storageCode?: string }).storageCode);
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  try {
    await seeder.createBucket(BUCKET);
    await seeder.createBucket(DOOMED);
    await seeder.putMany(DOOMED, ['a.txt', 'dir/b.txt'], { body: 'x' });
  } finally {
    await seeder.close();
  }
  const add = spawnSync(
    process.execPath,
    [
      resolve('bin/cosdesk.js'),
      'accounts',
      'add',
      '--kind',
      's3',
      '--name',
      'rgw',
      '--endpoint',
      S3_ENDPOINT,
      '--region',
      'us-east-1',
      '--path-style',
      '--secret-id',
      AK,
    ],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, COSDESK_HOME: home, COSDESK_SECRET_KEY: SK },
    },
  );
  expect(add.status, add.stderr).toBe(0);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(web.url);
  await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
  await bucketRow(BUCKET).waitFor({ timeout: 20_000 });
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
  await dropBucket(S3_ENDPOINT, AK, SK, BUCKET);
  await dropBucket(S3_ENDPOINT, AK, SK, DOOMED);
});

describe('bucket settings in web mode (Chromium)', () => {
  it('adds a CORS rule: invalid input is explained, the diff shows it, save, and a reload shows it', async () => {
    expect(await rgwCors(BUCKET)).toBe('NoSuchCORSConfiguration');
    await bucketRow(BUCKET).getByTestId('bucket-settings').click();
    await dialog().getByTestId('bset-tabs').waitFor();
    await dialog().locator('#tab-cors').click();
    const pane = dialog().getByTestId('bset-pane-cors');
    await pane.getByTestId('cors-none').waitFor();
    await pane.getByTestId('cors-add').click();
    const rule = pane.getByTestId('cors-rule').first();
    await rule.getByTestId('cors-origins').fill('app.example.com');
    await pane.getByTestId('bset-review').click();
    await expect
      .poll(() => pane.getByTestId('bset-problems').textContent())
      .toContain('"app.example.com" is not an origin: write it as scheme://host[:port]');

    await rule.getByTestId('cors-origins').fill('https://app.example.com');
    await rule.getByTestId('cors-method-PUT').click();
    await rule.getByTestId('cors-headers').fill('*');
    await rule.getByTestId('cors-expose').fill('ETag');
    await rule.getByTestId('cors-max-age').fill('600');
    await pane.getByTestId('bset-review').click();
    const diff = page.getByTestId('bset-diff-dialog');
    await diff.getByTestId('policy-diff').waitFor();
    const added = await diff.locator('[data-testid=policy-diff-line][data-op=add]').allTextContents();
    expect(added.join('\n')).toContain('"https://app.example.com"');
    expect(added.join('\n')).toContain('"maxAgeSeconds": 600');
    expect(await rgwCors(BUCKET)).toBe('NoSuchCORSConfiguration'); // nothing saved before "Save"
    await diff.getByTestId('bset-save').click();
    await diff.waitFor({ state: 'hidden' });
    await expect
      .poll(() => rgwCors(BUCKET), { timeout: 10_000 })
      .toContain('<AllowedOrigin>https://app.example.com</AllowedOrigin>');
    const saved = await rgwCors(BUCKET);
    expect(saved).toContain('<AllowedMethod>PUT</AllowedMethod>');
    expect(saved).toContain('<MaxAgeSeconds>600</MaxAgeSeconds>');

    await page.reload();
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    await bucketRow(BUCKET).getByTestId('bucket-settings').click();
    await dialog().locator('#tab-cors').click();
    const again = dialog().getByTestId('bset-pane-cors').getByTestId('cors-rule');
    await expect.poll(() => again.count()).toBe(1);
    expect(await again.getByTestId('cors-origins').inputValue()).toBe('https://app.example.com');
    expect(await again.getByTestId('cors-max-age').inputValue()).toBe('600');
    // RGW has no static website here: the tab says so instead of failing.
    await dialog().locator('#tab-website').click();
    await expect
      .poll(() => dialog().getByTestId('bset-pane-website').getByTestId('bset-unsupported').textContent())
      .toContain('Not supported by this server');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
  });

  it('empty-and-delete asks for the bucket name typed, shows counts, and the bucket is gone', async () => {
    await bucketRow(DOOMED).getByTestId('bucket-settings').click();
    await dialog().locator('#tab-danger').click();
    await dialog().getByTestId('bset-empty-delete').click();
    const confirm = page.getByTestId('empty-bucket-dialog');
    const go = confirm.getByTestId('empty-confirm');
    await go.waitFor();
    expect(await go.isDisabled()).toBe(true);
    await confirm.getByTestId('empty-confirm-input').fill(DOOMED.slice(0, -1));
    expect(await go.isDisabled()).toBe(true);
    await confirm.getByTestId('empty-confirm-input').fill(DOOMED);
    expect(await go.isDisabled()).toBe(false);
    await go.click();
    const progress = confirm.getByTestId('empty-progress');
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await confirm.getByTestId('empty-count-objects').textContent()).toContain('2 objects deleted');
    await confirm.getByTestId('empty-bucket-deleted').waitFor();
    await confirm.getByTestId('empty-close').click();
    await dialog().waitFor({ state: 'hidden' });
    await expect.poll(() => bucketRow(DOOMED).count(), { timeout: 20_000 }).toBe(0);
    expect(await bucketRow(BUCKET).count()).toBe(1);
  });
});
