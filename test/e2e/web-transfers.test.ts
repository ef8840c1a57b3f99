import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';
import { addRgwAccount } from '../support/cli';

// Issue 5 §9 as a person does it: a folder dropped on the object browser in web mode goes up
// through the page (streamed to the server), shows in the transfer panel, lands in the
// listing with its relative paths, and one object comes back down through the context menu.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `xfer-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const MiB = 1024 * 1024;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-xfer-e2e-'));
const downloads = join(home, 'downloads');
const src = join(home, 'src', 'drop');

// 30 files in drop/, drop/one/ and drop/one/two/; the last one 20 MiB so progress shows.
const FILES: Array<{ rel: string; size: number }> = Array.from({ length: 30 }, (_, i) => {
  const dir = i < 10 ? '' : i < 20 ? 'one/' : 'one/two/';
  return i === 29 ? { rel: `${dir}big.bin`, size: 20 * MiB } : { rel: `${dir}f${i}.txt`, size: 100 + i * 37 };
});
const bodyOf = (rel: string, size: number) => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + rel.length * 7 + (i >> 12)) & 0xff;
  return b;
};

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);
const rowKeys = () =>
  page.$$eval('[data-testid=object-row]', (rows) => rows.map((r) => r.getAttribute('data-key') ?? ''));
const prefixShown = () => page.getByTestId('object-browser').getAttribute('data-prefix');
const summaryDone = async () => Number(await page.getByTestId('transfer-summary').getAttribute('data-done'));

async function listed(prefix: string): Promise<void> {
  await expect.poll(prefixShown).toBe(prefix);
  await expect
    .poll(() => page.getByTestId('listing-status').getAttribute('data-state'), { timeout: 30_000 })
    .toBe('done');
}

beforeAll(async () => {
  for (const f of FILES) {
    mkdirSync(join(src, f.rel, '..'), { recursive: true });
    writeFileSync(join(src, f.rel), bodyOf(f.rel, f.size));
  }
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  await seeder.close();
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home, COSDESK_DOWNLOAD_DIR: downloads });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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

describe('transfers in web mode (Chromium)', () => {
  it('drops a folder, shows progress, lists the objects, downloads one back', async () => {
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 20_000 });
    await bucketRow.dblclick();
    await listed('');

    // A drag of files over the browser shows the drop target; a real drop event (synthetic
    // items have no entries, so the files' own names are their paths) uploads.
    const dispatch = (type: string) =>
      page.evaluate(`(() => {
        const dt = new DataTransfer();
        dt.items.add(new File(['hello from a drop'], 'single.txt', { type: 'text/plain' }));
        const el = document.querySelector('[data-testid=object-browser]');
        el.dispatchEvent(new DragEvent('${type}', { bubbles: true, cancelable: true, dataTransfer: dt }));
      })()`);
    await dispatch('dragenter');
    await expect.poll(() => page.getByTestId('drop-zone').isVisible()).toBe(true);
    await dispatch('drop');
    await expect.poll(() => page.getByTestId('drop-zone').count()).toBe(0);
    await expect.poll(summaryDone, { timeout: 30_000 }).toBe(1);

    // Throttle uploads from the panel so the 20 MiB file takes a few seconds.
    const limit = page.getByTestId('transfer-limits');
    await limit.click();
    const up = page.locator('[data-testid=transfer-limit-upload] input');
    await up.fill('4096');
    await up.press('Enter');
    await page.keyboard.press('Escape');
    // Main has applied it (the settings file is written first: slow on a busy machine) before
    // the files go: else the 20 MiB file may be sent in full before the limit holds.
    await expect
      .poll(() => limit.getAttribute('data-upload-bps'), { timeout: 30_000 })
      .toBe(String(4096 * 1024));
    // The folder itself: the same upload path as a drop, through the folder picker.
    await page.getByTestId('drop-folder-input').setInputFiles(src);
    await page.getByTestId('transfer-filter').click();
    await page.locator('.el-select-dropdown__item', { hasText: /^Active$/ }).click();

    const big = page.locator('[data-testid=transfer-row][data-key="drop/one/two/big.bin"]');
    let sawProgress = false;
    await expect
      .poll(
        async () => {
          const p = Number(await big.getAttribute('data-progress', { timeout: 200 }).catch(() => 'NaN'));
          const s = await big.getAttribute('data-state', { timeout: 200 }).catch(() => '');
          if (s === 'running' && p > 0 && p < 100) sawProgress = true;
          return sawProgress;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(true);
    await limit.click();
    await up.fill('0');
    await up.press('Enter');
    await page.keyboard.press('Escape');
    await expect.poll(() => limit.getAttribute('data-upload-bps'), { timeout: 30_000 }).toBe('0');
    await expect.poll(summaryDone, { timeout: 60_000 }).toBe(31);
    expect(Number(await page.getByTestId('transfer-summary').getAttribute('data-total'))).toBe(31);

    // The listing holds them with their relative paths; the server holds the right sizes.
    await page
      .getByTestId('nav-refresh')
      .click()
      .catch(() => undefined);
    await listed('');
    await expect.poll(rowKeys).toContain('drop/');
    expect(await rowKeys()).toContain('single.txt');
    await row('drop/').dblclick();
    await listed('drop/');
    expect((await rowKeys()).sort()).toEqual(
      ['drop/one/', ...FILES.filter((f) => !f.rel.includes('/')).map((f) => `drop/${f.rel}`)].sort(),
    );
    await row('drop/one/').dblclick();
    await listed('drop/one/');
    await row('drop/one/two/').dblclick();
    await listed('drop/one/two/');
    expect((await rowKeys()).sort()).toEqual(
      FILES.filter((f) => f.rel.startsWith('one/two/'))
        .map((f) => `drop/${f.rel}`)
        .sort(),
    );
    const listing = spawnSync(
      '/usr/bin/aws',
      [
        's3api',
        'list-objects-v2',
        '--bucket',
        BUCKET,
        '--prefix',
        'drop/',
        '--endpoint-url',
        S3_ENDPOINT,
        '--output',
        'json',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: AK,
          AWS_SECRET_ACCESS_KEY: SK,
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    );
    const sizes = Object.fromEntries(
      (JSON.parse(listing.stdout).Contents as Array<{ Key: string; Size: number }>).map((o) => [
        o.Key,
        o.Size,
      ]),
    );
    expect(sizes).toEqual(Object.fromEntries(FILES.map((f) => [`drop/${f.rel}`, f.size])));

    // Download the big one through the context menu: web mode saves a file as a browser download.
    await row('drop/one/two/big.bin').click({ button: 'right' });
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('menu-download').click(),
    ]);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(readFileSync(await download.path()))).toBe(sha(bodyOf('one/two/big.bin', 20 * MiB)));

    // The same file dropped again waits for an answer; "keep both" renames the new one.
    await page.locator('[data-testid=breadcrumb][data-prefix=""]').click();
    await listed('');
    await dispatch('drop');
    const dialog = page.getByTestId('conflict-dialog');
    await dialog.waitFor({ timeout: 30_000 });
    expect(await dialog.getAttribute('data-key')).toBe('single.txt');
    await page.getByTestId('conflict-rename').click();
    await expect.poll(summaryDone, { timeout: 30_000 }).toBe(32);
    await expect.poll(rowKeys, { timeout: 30_000 }).toContain('single (1).txt');
  }, 240_000);
});
