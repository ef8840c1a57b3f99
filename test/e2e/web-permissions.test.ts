import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 7 in the UI: web mode in Chromium over a real RGW; what the UI sets is checked with
// real anonymous requests.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `perm-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-perm-e2e-'));

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const anon = async (path: string) => (await fetch(`${S3_ENDPOINT}/${BUCKET}/${path}`)).status;
const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);
const drawer = () => page.getByTestId('permissions-drawer');

async function closeDrawer(): Promise<void> {
  await page.keyboard.press('Escape');
  await drawer().waitFor({ state: 'hidden' });
}

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  try {
    await seeder.createBucket(BUCKET);
    await seeder.putMany(BUCKET, ['shared/a.txt', 'shared/b.txt', 'shared/sub/c.txt', 'other.txt'], {
      body: 'x',
    });
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
  const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
  await bucketRow.waitFor({ timeout: 20_000 });
  await bucketRow.dblclick();
  await row('shared/').waitFor();
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
});

describe('permissions in web mode (Chromium)', () => {
  it('edits the bucket ACL: public-read warns, then anyone may list', async () => {
    expect(await anon('')).toBe(403);
    await page.getByTestId('permissions').click();
    const editor = drawer().locator('[data-testid=acl-editor][data-target=bucket]');
    await editor.waitFor();
    await editor.getByTestId('acl-canned-public-read').click();
    await expect.poll(() => editor.getByTestId('acl-warning').getAttribute('data-level')).toBe('read');
    await editor.getByTestId('acl-canned-public-read-write').click();
    await expect.poll(() => editor.getByTestId('acl-warning').getAttribute('data-level')).toBe('write');
    await editor.getByTestId('acl-canned-public-read').click();
    await editor.getByTestId('acl-save').click();
    // Public read asks first (issue 11 item 6).
    await page.getByTestId('acl-public-confirm').getByTestId('acl-public-confirm-ok').click();
    await expect.poll(() => anon(''), { timeout: 10_000 }).toBe(200);
    expect(await anon('other.txt')).toBe(403);
    await closeDrawer();
  });

  it('makes a folder public through the switch after showing how many objects it exposes', async () => {
    await row('shared/').dblclick();
    await expect.poll(() => page.getByTestId('object-browser').getAttribute('data-prefix')).toBe('shared/');
    const sw = page.getByTestId('folder-public-switch');
    await expect.poll(() => sw.getAttribute('data-public')).toBe('false');
    await sw.click();
    const exposure = page.getByTestId('folder-public-exposure');
    await expect.poll(() => exposure.getAttribute('data-count')).toBe('3');
    expect(await exposure.textContent()).toContain('3 objects');
    expect(await anon('shared/a.txt')).toBe(403);
    await page.getByTestId('folder-public-confirm').click();
    await expect.poll(() => sw.getAttribute('data-public')).toBe('true');
    expect(await anon('shared/a.txt')).toBe(200);
    expect(await anon('shared/sub/c.txt')).toBe(200);
    expect(await anon('other.txt')).toBe(403);
  });

  it('edits a policy statement, shows the diff, saves, and restores the earlier version', async () => {
    await page.getByTestId('permissions').click();
    await drawer().locator('#tab-policy').click();
    const statement = drawer().getByTestId('policy-statement').first();
    await statement.waitFor();
    const sid = statement.getByTestId('statement-sid');
    expect(await sid.inputValue()).toBe('cosdesk-public-read:shared/');
    await sid.fill('renamed-by-hand');
    await drawer().getByTestId('policy-review').click();
    const dialog = page.getByTestId('policy-diff-dialog');
    const removed = dialog.locator('[data-testid=policy-diff-line][data-op=del]');
    const added = dialog.locator('[data-testid=policy-diff-line][data-op=add]');
    await removed.first().waitFor();
    expect(await removed.allTextContents()).toEqual([
      expect.stringContaining('"Sid": "cosdesk-public-read:shared/"'),
    ]);
    expect(await added.allTextContents()).toEqual([expect.stringContaining('"Sid": "renamed-by-hand"')]);
    await page.getByTestId('policy-save').click();
    await expect.poll(() => drawer().getByTestId('policy-version').count()).toBe(2);
    // The folder switch no longer recognises the statement by its sid: it is the user's own now.
    expect(await anon('shared/a.txt')).toBe(200);

    await drawer().getByTestId('policy-restore').nth(1).click();
    // Restore goes through the same diff as Save (issue 11 item 6).
    await page.getByTestId('policy-diff-dialog').getByTestId('policy-save').click();
    await expect.poll(() => sid.inputValue()).toBe('cosdesk-public-read:shared/');
    await expect.poll(() => drawer().getByTestId('policy-version').count()).toBe(3);
    await closeDrawer();
    await page.getByTestId('refresh').click();
    expect(await anon('shared/b.txt')).toBe(200);
  });
});
