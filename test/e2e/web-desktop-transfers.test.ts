import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { addRgwAccount } from '../support/cli';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 12 item 1 as a person does it in web mode: Upload files / Upload folder open the page's
// file pickers (the options step sets the Content-Type), the folder menu uploads into a folder,
// a drop anywhere in the window and a paste upload too, and each new row appears without a
// manual refresh; a file downloads through the browser, byte for byte; a folder download into
// the configured folder offers "Show in folder" (its path, with a copy button).
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `desk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-desk-e2e-'));
const downloads = join(home, 'downloads');
const local = join(home, 'local');
const awsEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: AK,
  AWS_SECRET_ACCESS_KEY: SK,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
};
const PHOTO = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);
const rowKeys = () =>
  page.$$eval('[data-testid=object-row]', (rows) => rows.map((r) => r.getAttribute('data-key') ?? ''));
const summaryDone = async () => Number(await page.getByTestId('transfer-summary').getAttribute('data-done'));

function contentType(key: string): string {
  const r = spawnSync(
    '/usr/bin/aws',
    [
      '--endpoint-url',
      S3_ENDPOINT,
      's3api',
      'head-object',
      '--bucket',
      BUCKET,
      '--key',
      key,
      '--output',
      'json',
    ],
    { encoding: 'utf8', env: awsEnv },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout).ContentType as string;
}

async function listed(prefix: string): Promise<void> {
  await expect.poll(() => page.getByTestId('object-browser').getAttribute('data-prefix')).toBe(prefix);
  await expect
    .poll(() => page.getByTestId('listing-status').getAttribute('data-state'), { timeout: 30_000 })
    .toBe('done');
}

/** Clicks what opens a file chooser and answers it with `paths`. */
async function choose(open: () => Promise<void>, paths: string | string[]): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 60_000 }), open()]);
  await chooser.setFiles(paths);
}

async function confirmOptions(contentTypeValue?: string): Promise<void> {
  const dialog = page.getByTestId('upload-options');
  await dialog.waitFor({ timeout: 10_000 });
  if (contentTypeValue) {
    await page.getByTestId('content-type-custom').click();
    await page.getByTestId('content-type-input').fill(contentTypeValue);
  }
  await page.getByTestId('upload-options-ok').click();
  await expect.poll(() => dialog.count()).toBe(0);
}

beforeAll(async () => {
  mkdirSync(join(local, 'album', 'deep'), { recursive: true });
  writeFileSync(join(local, 'photo.jpg'), PHOTO);
  writeFileSync(join(local, 'notes.txt'), 'some notes\n');
  writeFileSync(join(local, 'forced.jpg'), 'typed by hand');
  writeFileSync(join(local, 'into.json'), '{"into":"a folder"}');
  writeFileSync(join(local, 'album', 'cover.png'), 'png bytes');
  writeFileSync(join(local, 'album', 'deep', 'page.html'), '<p>deep</p>');
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, ['work/seed.txt', 'work/sub/keep.txt'], { body: 'seed' });
  await seeder.close();
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home, COSDESK_DOWNLOAD_DIR: downloads });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  await page.goto(web.url);
}, 120_000);

afterAll(async () => {
  spawnSync('/usr/bin/aws', ['s3', 'rb', `s3://${BUCKET}`, '--force', '--endpoint-url', S3_ENDPOINT], {
    env: awsEnv,
  });
  await web?.stop();
  await browser?.close();
});

describe('uploads and downloads like a desktop app (web mode, Chromium)', () => {
  it('Upload files and Upload folder use the file pickers; rows appear without a refresh; the type is set', async () => {
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 20_000 });
    await bucketRow.dblclick();
    await listed('');
    await row('work/').dblclick();
    await listed('work/');

    // Two files through the toolbar button: the options step says how many and where.
    await choose(
      () => page.getByTestId('upload-files').click(),
      [join(local, 'photo.jpg'), join(local, 'notes.txt')],
    );
    await page.getByTestId('upload-options').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('upload-options-summary').innerText()).toMatch(/2 files.*work\//);
    await confirmOptions();
    // No refresh clicked: the listing follows the upload.
    await expect
      .poll(rowKeys, { timeout: 30_000 })
      .toEqual(expect.arrayContaining(['work/photo.jpg', 'work/notes.txt']));
    expect(contentType('work/photo.jpg')).toBe('image/jpeg');
    expect(contentType('work/notes.txt')).toBe('text/plain');

    // A Content-Type typed in the options step wins over the name; a wrong one is refused first.
    await choose(() => page.getByTestId('upload-files').click(), join(local, 'forced.jpg'));
    await page.getByTestId('upload-options').waitFor({ timeout: 10_000 });
    await page.getByTestId('content-type-custom').click();
    await page.getByTestId('content-type-input').fill('jpeg');
    await expect.poll(() => page.getByTestId('content-type-error').isVisible()).toBe(true);
    expect(await page.getByTestId('upload-options-ok').isDisabled()).toBe(true);
    await confirmOptions('application/x-by-hand');
    await expect.poll(rowKeys, { timeout: 30_000 }).toContain('work/forced.jpg');
    expect(contentType('work/forced.jpg')).toBe('application/x-by-hand');

    // A folder through the folder picker: its tree keeps its relative paths.
    await choose(() => page.getByTestId('upload-folder').click(), join(local, 'album'));
    await confirmOptions();
    await expect.poll(rowKeys, { timeout: 30_000 }).toContain('work/album/');
    await expect.poll(summaryDone, { timeout: 30_000 }).toBe(5);
    expect(contentType('work/album/cover.png')).toBe('image/png');
    expect(contentType('work/album/deep/page.html')).toBe('text/html');

    // The folder context menu uploads into the folder right-clicked.
    await row('work/sub/').click({ button: 'right' });
    await choose(() => page.getByTestId('menu-upload-files').click(), join(local, 'into.json'));
    await confirmOptions();
    await expect.poll(summaryDone, { timeout: 30_000 }).toBe(6);
    expect(contentType('work/sub/into.json')).toBe('application/json');
  }, 180_000);

  it('a drop anywhere in the window and a pasted file upload into the open folder', async () => {
    await listed('work/');
    // Dropped on the transfer panel, far from the table.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped far away'], 'dropped.txt', { type: 'text/plain' }));
      const el = document.querySelector('[data-testid=transfer-panel]');
      el.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
      el.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    })()`);
    await expect.poll(rowKeys, { timeout: 30_000 }).toContain('work/dropped.txt');

    // Ctrl+V with a file on the clipboard.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['{"pasted":true}'], 'pasted.json', { type: 'application/json' }));
      document.body.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
    })()`);
    await expect.poll(rowKeys, { timeout: 30_000 }).toContain('work/pasted.json');
    expect(contentType('work/pasted.json')).toBe('application/json');
  }, 120_000);

  it('a file downloads through the browser, byte-identical; a folder to the configured folder, with Show in folder', async () => {
    await listed('work/');
    await row('work/photo.jpg').click({ button: 'right' });
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      page.getByTestId('menu-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe('photo.jpg');
    const saved = await download.path();
    expect(Buffer.compare(readFileSync(saved), PHOTO)).toBe(0);

    // A folder still goes through the queue, into the configured folder.
    const before = await summaryDone();
    await row('work/album/').click({ button: 'right' });
    await page.getByTestId('menu-download').click();
    const out = join(downloads, 'album', 'deep', 'page.html');
    await expect.poll(() => existsSync(out), { timeout: 30_000 }).toBe(true);
    await expect.poll(summaryDone, { timeout: 30_000 }).toBe(before + 2);
    await page.getByTestId('transfer-filter').click();
    await page.locator('.el-select-dropdown__item', { hasText: /^Finished$/ }).click();
    const job = page.locator(
      '[data-testid=transfer-row][data-kind=download][data-key="work/album/deep/page.html"]',
    );
    await job.waitFor({ timeout: 20_000 });
    await job.getByTestId('transfer-show').click();
    const shown = page.getByTestId('shown-path');
    await shown.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('shown-path-value').inputValue()).toBe(out);
    await page.getByTestId('shown-path-copy').click();
    await expect.poll(() => page.getByTestId('shown-path-copy').innerText()).toBe('Copied');
  }, 120_000);
});
