import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';
import type { WebMode } from '../support/web-mode';
import {
  listed as listedIn,
  objectRow,
  startWebApp,
  stopWebApp,
  tempHome,
  uniqueName,
} from '../support/web-app';
import { addRgwAccount } from '../support/cli';

// Issue 12 item 3 as a person does it, in Chromium over web mode and a real RGW: copy and paste
// between folders by keyboard and by menu (with the conflict question), metadata edited in the
// properties panel, and a bulk delete whose progress view ends with the true count.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = uniqueName('ops');
const BULK = 1200;
const home = tempHome('ops');

let browser: Browser;
let web: WebMode | undefined;
let page: Page;
let seeder: Seeder;

const row = (key: string) => objectRow(page, key);
const rowKeys = () =>
  page.$$eval('[data-testid=object-row]', (rows) => rows.map((r) => r.getAttribute('data-key') ?? ''));
const mod = process.platform === 'darwin' ? 'Meta' : 'Control';

const listed = (prefix: string) => listedIn(page, prefix);

async function head(key: string): Promise<Record<string, string>> {
  const res = await seeder.client.request({ method: 'HEAD', bucket: BUCKET, key });
  await res.body.dump();
  return res.headers;
}

/** The newest operation of a kind, once it has ended. */
async function ended(kind: string) {
  const op = page.locator(`[data-testid=operation][data-kind="${kind}"]`).first();
  await expect.poll(() => op.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
  return op;
}

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, ['src/a.txt', 'src/b.txt'], { body: 'copy me' });
  await seeder.putMany(BUCKET, ['dst/', 'meta.txt']);
  const bulk = Array.from({ length: BULK }, (_, i) => `bulk/${String(i).padStart(4, '0')}.txt`);
  await seeder.putMany(BUCKET, bulk, { concurrency: 32 });
  addRgwAccount(home);
  ({ browser, web } = await startWebApp(home));
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(web.url);
}, 300_000);

afterAll(async () => {
  await stopWebApp({ web, browser });
  await seeder?.close();
});

describe('object operations in web mode (Chromium)', () => {
  it('copies with Ctrl+C and pastes with Ctrl+V into another folder', async () => {
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 20_000 });
    await bucketRow.dblclick();
    await listed('');
    await row('src/').dblclick();
    await listed('src/');
    await row('src/a.txt').click();
    await page.keyboard.press(`${mod}+A`);
    await page.keyboard.press(`${mod}+C`);
    await page.locator('[data-testid=breadcrumb][data-prefix=""]').click();
    await listed('');
    await row('dst/').dblclick();
    await listed('dst/');
    await page.getByTestId('object-browser').focus();
    await page.keyboard.press(`${mod}+V`);
    const op = await ended('copy');
    expect(await op.getAttribute('data-done')).toBe('2');
    await expect.poll(rowKeys).toEqual(['dst/a.txt', 'dst/b.txt']);
    // The originals stay.
    expect((await head('src/a.txt'))['content-length']).toBe('7');
  });

  it('copies a folder from the menu, pastes it onto a folder row, and asks when it is already there', async () => {
    await page.locator('[data-testid=breadcrumb][data-prefix=""]').click();
    await listed('');
    await row('src/').click({ button: 'right' });
    await page.getByTestId('menu-copy').click();
    await row('dst/').click({ button: 'right' });
    await page.getByTestId('menu-paste').click();
    await expect
      .poll(async () => (await head('dst/src/b.txt'))['content-length'], { timeout: 30_000 })
      .toBe('7');
    // The paste's end lists the folder again: let that settle before the next right-click, so
    // the menu opens on the dst/ row and not on a row being replaced.
    await listed('');
    await row('dst/').waitFor();

    // Again: dst/src/ exists now, so the paste asks; "keep both" makes dst/src (1)/.
    await row('dst/').click({ button: 'right' });
    await page.getByTestId('menu-paste').click();
    await page.getByTestId('paste-conflict-dialog').waitFor();
    await page.getByTestId('paste-conflict-keep-both').click();
    await expect
      .poll(async () => (await head('dst/src (1)/a.txt'))['content-length'], { timeout: 60_000 })
      .toBe('7');
    await row('dst/').dblclick();
    await listed('dst/');
    expect(await rowKeys()).toEqual(['dst/src/', 'dst/src (1)/', 'dst/a.txt', 'dst/b.txt']);
  });

  it('edits Content-Type, Cache-Control and user metadata in the properties panel', async () => {
    await page.locator('[data-testid=breadcrumb][data-prefix=""]').click();
    await listed('');
    await row('meta.txt').click();
    await page.getByTestId('properties').click();
    await page.getByTestId('properties-edit-metadata').click();
    const editor = page.getByTestId('metadata-editor');
    await editor.getByTestId('meta-content-type').fill('text/markdown');
    await editor.getByTestId('meta-cache-control').fill('max-age=600');
    await editor.getByTestId('meta-add').click();
    // A bad name is refused before anything is sent.
    await editor.getByTestId('meta-name').last().fill('Bad Name');
    await expect.poll(() => editor.getByTestId('meta-problem').textContent()).toContain('Bad Name');
    expect(await editor.getByTestId('meta-save').isDisabled()).toBe(true);
    await editor.getByTestId('meta-name').last().fill('reviewed-by');
    await editor.getByTestId('meta-value').last().fill('lee');
    await editor.getByTestId('meta-save').click();
    await expect
      .poll(() => page.getByTestId('prop-cache-control').textContent(), { timeout: 30_000 })
      .toBe('max-age=600');
    const h = await head('meta.txt');
    expect(h['content-type']).toBe('text/markdown');
    expect(h['cache-control']).toBe('max-age=600');
    expect(h['x-amz-meta-reviewed-by']).toBe('lee');
    await page.getByTestId('properties-close').click();
  });

  it('drags a row onto a folder row to move it, and onto a breadcrumb to move it back', async () => {
    await row('meta.txt').dragTo(row('dst/'));
    await expect
      .poll(async () => (await head('dst/meta.txt'))['cache-control'], { timeout: 30_000 })
      .toBe('max-age=600');
    await expect.poll(rowKeys, { timeout: 30_000 }).not.toContain('meta.txt');
    await row('dst/').dblclick();
    await listed('dst/');
    await row('dst/meta.txt').dragTo(page.locator('[data-testid=breadcrumb][data-prefix=""]'));
    await expect.poll(rowKeys, { timeout: 30_000 }).not.toContain('dst/meta.txt');
    expect((await head('meta.txt'))['x-amz-meta-reviewed-by']).toBe('lee');
    await page.locator('[data-testid=breadcrumb][data-prefix=""]').click();
    await listed('');
    expect(await rowKeys()).toContain('meta.txt');
  });

  it('deletes a big folder with a progress view that ends with the true count', async () => {
    // Record every text the progress view shows on the way.
    await page.evaluate(() => {
      const w = globalThis as unknown as { seen: string[] };
      w.seen = [];
      const doc = (globalThis as unknown as { document: { body: object } }).document;
      const Observer = (
        globalThis as unknown as {
          MutationObserver: new (cb: () => void) => { observe(n: object, o: object): void };
        }
      ).MutationObserver;
      const q = (
        globalThis as unknown as {
          document: { querySelectorAll(s: string): { textContent: string | null }[] };
        }
      ).document;
      new Observer(() => {
        for (const el of q.querySelectorAll(
          '[data-testid=operation][data-kind=delete] [data-testid=operation-text]',
        )) {
          const text = el.textContent ?? '';
          if (w.seen.at(-1) !== text) w.seen.push(text);
        }
      }).observe(doc.body, { subtree: true, childList: true, characterData: true });
    });
    await row('bulk/').click();
    await page.getByTestId('delete-selection').click();
    await page.getByTestId('confirm-ok').click();
    const op = await ended('delete');
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen);
    expect(
      seen.some((text) => /^Deleted [\d,]+ of [\d,]+/.test(text)),
      seen.join(' | '),
    ).toBe(true);
    expect(await op.getAttribute('data-done')).toBe(String(BULK));
    expect(await op.getAttribute('data-total')).toBe(String(BULK));
    expect(await op.getByTestId('operation-text').textContent()).toBe('Deleted 1,200 objects');
    await expect.poll(rowKeys).not.toContain('bulk/');
  });
});
