import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';
import { addRgwAccount } from '../support/cli';

// Issue 11 items 5 and 7 as a person does them, from a folder's context menu: temporary keys
// minted for the folder open it (they list it) and are refused at the bucket root; an upload
// link for a new name in the folder warns when the name is taken, and uploads through plain HTTP.
const { S3_ENDPOINT, AK, SK, ROLE_ARN } = requireEnv('S3_ENDPOINT', 'AK', 'SK', 'ROLE_ARN');
const BUCKET = `uplinkweb-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-uplink-web-'));
const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);

beforeAll(async () => {
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, ['team/a.txt', 'root.txt'], { body: 'seeded' });
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home, COSDESK_ROLE_ARN: ROLE_ARN });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(web.url);
  await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
  const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
  await bucketRow.waitFor({ timeout: 20_000 });
  await bucketRow.dblclick();
  await row('team/').waitFor();
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
  await seeder.close();
});

describe('upload links and folder keys in web mode (Chromium)', () => {
  it('an upload link for a new name in a folder warns when the name exists, and uploads', async () => {
    await row('team/').click({ button: 'right' });
    await page.getByTestId('menu-upload-link').click();
    const dialog = page.getByTestId('upload-link-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('upload-link-folder').inputValue()).toBe('team/');

    // A name that is taken is flagged (HEAD) before anything is made.
    await page.getByTestId('upload-link-name').fill('a.txt');
    await page.getByTestId('upload-link-exists').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('upload-link-exists').textContent()).toContain('team/a.txt');

    await page.getByTestId('upload-link-name').fill('from-browser.txt');
    await page.getByTestId('upload-link-exists').waitFor({ state: 'detached' });
    await page.getByTestId('upload-link-preset-900').click();
    await page.getByTestId('upload-link-create').click();
    const result = page.getByTestId('upload-link-result');
    await result.waitFor();
    expect(await result.getAttribute('data-mode')).toBe('put');
    const url = await page.getByTestId('upload-link-url').inputValue();
    expect(await page.getByTestId('upload-link-curl').inputValue()).toContain(url);

    // The link uploads the new file from outside the app.
    const put = await fetch(url, { method: 'PUT', body: 'uploaded through the link' });
    expect(put.status).toBe(200);
    expect(await seeder.exists(BUCKET, 'team/from-browser.txt')).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('the PUT link of an object says it replaces it, and offers a new file in its folder instead', async () => {
    await row('root.txt').click({ button: 'right' });
    await page.getByTestId('menu-copy-link').click();
    await page.getByTestId('share-dialog').waitFor();
    await page.getByTestId('share-method-put').click();
    await page.getByTestId('share-put-replaces').waitFor();
    await page.getByTestId('share-new-file').click();
    const dialog = page.getByTestId('upload-link-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('upload-link-folder').inputValue()).toBe('');
    await page.getByTestId('upload-link-name').fill('new-at-root.txt');
    await page.getByTestId('upload-link-create').click();
    await page.getByTestId('upload-link-result').waitFor();
    const url = await page.getByTestId('upload-link-url').inputValue();
    expect((await fetch(url, { method: 'PUT', body: 'new' })).status).toBe(200);
    expect(await seeder.exists(BUCKET, 'new-at-root.txt')).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('keys minted for a folder list that folder and are refused at the bucket root', async () => {
    await row('team/').click({ button: 'right' });
    await page.getByTestId('menu-mint-folder').click();
    await page.getByTestId('mint-dialog').waitFor();
    expect(await page.getByTestId('mint-bucket').inputValue()).toBe(BUCKET);
    expect(await page.getByTestId('mint-prefix').inputValue()).toBe('team/');
    await page.getByTestId('mint-run').click();
    await page.getByTestId('mint-result').waitFor({ timeout: 30_000 });
    await page.getByTestId('mint-open-folder').click();

    // The new account (the minted keys) browses team/: it lists.
    await row('team/a.txt').waitFor({ timeout: 20_000 });
    expect(await row('team/from-browser.txt').count()).toBe(1);
    expect(await page.getByTestId('browser-error').count()).toBe(0);

    // The bucket root is refused, and the message does not blame the secret key.
    await page.locator('[data-testid=breadcrumb][data-prefix=""]').click();
    const err = page.getByTestId('browser-error');
    await err.waitFor({ timeout: 20_000 });
    const text = (await err.textContent()) ?? '';
    expect(text).toMatch(/denied/i);
    expect(text).not.toMatch(/secret key is wrong/i);
    expect(await row('root.txt').count()).toBe(0);
  });
});
