import { deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { list, text } from '../../src-main/storage/xml';
import { addRgwAccount } from '../support/cli';
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

// Issue 12 items 2 and 4 as a person does it: preview an image and a text file (double-click,
// Space, arrow keys, Esc), the thumbnail grid, then restore and delete versions and undelete.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = uniqueName('preview');
const home = tempHome('preview');
const MANY = 150;
const CODE = 'export interface Point {\n  x: number;\n}\nconst origin: Point = { x: 0 };\n';

/** A real PNG (w×h, RGB), so the browser has something to decode. */
function png(w: number, h: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w * 3; x++) raw[y * (w * 3 + 1) + 1 + x] = (x * 40 + y * 7) & 0xff;
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/** A short WAV (8 kHz, 8-bit mono, a 440 Hz tone), so the browser has some audio to decode. */
function wav(seconds = 0.5): Uint8Array {
  const n = Math.round(8000 * seconds);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + n, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(n, 40);
  const data = Buffer.alloc(n);
  for (let i = 0; i < n; i++) data[i] = 128 + Math.round(60 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return new Uint8Array(Buffer.concat([h, data]));
}

let seeder: Seeder;
let browser: Browser;
let web: WebMode | undefined;
let page: Page;

async function put(key: string, body: string | Uint8Array, type?: string): Promise<void> {
  const res = await seeder.client.request({
    method: 'PUT',
    bucket: BUCKET,
    key,
    body,
    headers: type ? { 'content-type': type } : undefined,
  });
  await res.body.dump();
}

async function getText(key: string): Promise<string> {
  const res = await seeder.client.request({ method: 'GET', bucket: BUCKET, key });
  return res.body.text();
}

const row = (key: string) => objectRow(page, key);
const panel = () => page.getByTestId('preview-panel');

const listed = (prefix: string) => listedIn(page, prefix);

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK), 1);
  await seeder.createBucket(BUCKET);
  const v = await seeder.client.request({
    method: 'PUT',
    bucket: BUCKET,
    query: { versioning: '' },
    body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
  });
  await v.body.dump();
  await put('pics/dot.png', png(6, 4), 'image/png');
  await put('pics/notes.ts', CODE);
  await put('pics/readme.txt', 'plain words');
  await put('pics/beep.wav', wav(), 'audio/wav');
  await put('pics/big.log', 'line of a long log\n'.repeat(70_000));
  for (const body of ['v1 first', 'v2 second', 'v3 third']) await put('doc/report.txt', body);
  await put('doc/gone.txt', 'bring me back');
  const image = png(6, 4);
  for (let i = 0; i < MANY; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, MANY - i) }, (_, j) =>
        put(`many/img-${String(i + j).padStart(3, '0')}.png`, image, 'image/png'),
      ),
    );
  }
  await (await seeder.client.request({ method: 'DELETE', bucket: BUCKET, key: 'doc/gone.txt' })).body.dump();

  addRgwAccount(home);
  ({ browser, web } = await startWebApp(home));
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(web.url);
  await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
  const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
  await bucketRow.waitFor({ timeout: 20_000 });
  await bucketRow.dblclick();
  await page.locator('[data-testid=listing-status][data-state=done]').waitFor({ timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await stopWebApp({ web, browser });
  // Every version and marker, then the bucket.
  for (let round = 0; round < 20; round++) {
    const { doc } = await seeder.client.requestXml({
      method: 'GET',
      bucket: BUCKET,
      query: { versions: '' },
    });
    const root = doc['ListVersionsResult'];
    const all = [...list(root, 'Version'), ...list(root, 'DeleteMarker')];
    if (all.length === 0) break;
    for (const x of all) {
      const res = await seeder.client.request({
        method: 'DELETE',
        bucket: BUCKET,
        key: text(x, 'Key')!,
        query: { versionId: text(x, 'VersionId') || 'null' },
      });
      await res.body.dump();
    }
  }
  await (await seeder.client.request({ method: 'DELETE', bucket: BUCKET })).body.dump();
  await seeder.close();
});

describe('preview and versions in web mode (Chromium)', () => {
  it("lets the page load media from the account's endpoint only", async () => {
    const res = await page.request.get(web!.url);
    const csp = res.headers()['content-security-policy'];
    const origin = new URL(S3_ENDPOINT).origin;
    for (const d of ['img-src', 'media-src', 'frame-src']) {
      const directive = csp.split(';').find((x) => x.trim().startsWith(d)) ?? '';
      expect(directive, d).toContain(origin);
      expect(directive.split(/\s+/), d).not.toContain('*');
    }
    // The page's own meta policy says the same (both must allow a preview).
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain(`img-src 'self' data: ${origin}`);
  });

  it('previews an image (decoded), steps to a highlighted text file with the arrow keys, and closes with Esc', async () => {
    await row('pics/').dblclick();
    await listed('pics/');
    await row('pics/dot.png').dblclick();
    await expect.poll(() => panel().getAttribute('data-key')).toBe('pics/dot.png');
    const img = page.getByTestId('preview-image');
    await img.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: 20_000,
      })
      .toBe(6);
    expect(await page.getByTestId('properties-panel').count()).toBe(0);

    await page.keyboard.press('ArrowRight');
    await expect.poll(() => panel().getAttribute('data-key')).toBe('pics/notes.ts');
    const code = page.getByTestId('preview-text');
    await code.waitFor({ timeout: 20_000 });
    expect(await code.getAttribute('data-language')).toBe('typescript');
    expect(await code.textContent()).toBe(CODE);
    expect(await code.locator('.hljs-keyword').first().textContent()).toBe('export');
    // The listing's selection follows the preview.
    expect(await row('pics/notes.ts').getAttribute('data-selected')).toBe('true');

    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => panel().getAttribute('data-key')).toBe('pics/dot.png');
    // A text file over 1 MiB: its first 1 MiB, and a line that says so.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => panel().getAttribute('data-key')).toBe('pics/big.log');
    const cut = page.getByTestId('preview-truncated');
    await cut.waitFor({ timeout: 20_000 });
    expect(await cut.textContent()).toMatch(/Showing the first 1\.0 MB of 1\.3 MB/);
    expect(await page.getByTestId('preview-text').evaluate((el) => (el.textContent ?? '').length)).toBe(
      1024 * 1024,
    );
    // Audio streams from the endpoint too (media-src): the browser reads its duration.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => panel().getAttribute('data-key')).toBe('pics/beep.wav');
    const audio = page.getByTestId('preview-audio');
    await audio.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => audio.evaluate((el) => (el as unknown as { duration: number }).duration), {
        timeout: 20_000,
      })
      .toBeCloseTo(0.5, 1);
    await page.keyboard.press('Escape');
    await expect.poll(() => panel().count()).toBe(0);

    // Space on a selected file opens it too.
    await row('pics/readme.txt').click();
    await page.keyboard.press(' ');
    await expect.poll(() => panel().getAttribute('data-key')).toBe('pics/readme.txt');
    await expect.poll(() => page.getByTestId('preview-text').textContent()).toBe('plain words');
    await page.getByTestId('preview-close').click();
    await expect.poll(() => panel().count()).toBe(0);
  });

  it('shows the folder as thumbnails, images decoded once visible', async () => {
    await page.getByTestId('grid-view').click();
    const tile = page.locator('[data-testid=thumb][data-key="pics/dot.png"]');
    await expect.poll(() => tile.getAttribute('data-loaded'), { timeout: 20_000 }).toBe('true');
    await expect
      .poll(
        () =>
          tile
            .getByTestId('thumb-image')
            .evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth),
        { timeout: 20_000 },
      )
      .toBe(6);
    // Only images get a thumbnail.
    expect(
      await page.locator('[data-testid=thumb][data-key="pics/notes.ts"]').getAttribute('data-loaded'),
    ).toBe('false');
    await page.getByTestId('grid-view').click();
    await row('pics/dot.png').waitFor();
  });

  it('loads only the thumbnails that scroll into view', async () => {
    // Leaving the folder closes its preview.
    await row('pics/dot.png').dblclick();
    await panel().waitFor();
    await page.getByTestId('nav-up').click();
    await expect.poll(() => panel().count()).toBe(0);
    await listed('');
    await row('many/').dblclick();
    await listed('many/');
    await page.getByTestId('grid-view').click();
    const tile = (i: number) =>
      page.locator(`[data-testid=thumb][data-key="many/img-${String(i).padStart(3, '0')}.png"]`);
    await expect.poll(() => tile(0).getAttribute('data-loaded'), { timeout: 20_000 }).toBe('true');
    const loaded = () => page.locator('[data-testid=thumb][data-loaded=true]').count();
    expect(await loaded()).toBeGreaterThan(0);
    expect(await loaded()).toBeLessThan(MANY / 2);
    expect(await tile(MANY - 1).getAttribute('data-loaded')).toBe('false');
    await tile(MANY - 1).scrollIntoViewIfNeeded();
    await expect.poll(() => tile(MANY - 1).getAttribute('data-loaded'), { timeout: 20_000 }).toBe('true');
    await page.getByTestId('grid-view').click();
    await row('many/img-000.png').waitFor();
  });

  it('restores an earlier version, deletes one with a confirmation, and undeletes a deleted file', async () => {
    await page.getByTestId('nav-up').click();
    await listed('');
    await row('doc/').dblclick();
    await listed('doc/');
    expect(await row('doc/gone.txt').count()).toBe(0);

    await row('doc/report.txt').click();
    await page.getByTestId('versions').click();
    const rows = page.locator('[data-testid=version-row]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    expect(await page.getByTestId('versioning-status').getAttribute('data-status')).toBe('Enabled');
    // The oldest (v1) is the last row: restore it.
    await rows.nth(2).getByTestId('version-restore').click();
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(4);
    await expect.poll(() => getText('doc/report.txt')).toBe('v1 first');
    expect(await rows.nth(0).getAttribute('data-latest')).toBe('true');

    // Delete the v2 version for good (third row now: restored v1, v3, v2, v1).
    const v2 = await rows.nth(2).getAttribute('data-version-id');
    await rows.nth(2).getByTestId('version-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    expect(
      await rows.evaluateAll((rs) =>
        rs.map((r) => (r as unknown as { dataset: { versionId: string } }).dataset.versionId),
      ),
    ).not.toContain(v2);

    // Preview an older version from the dialog.
    await rows.nth(1).getByTestId('version-preview').click();
    await expect.poll(() => page.getByTestId('versions-dialog').count()).toBe(0);
    await expect
      .poll(() => page.getByTestId('preview-text').textContent(), { timeout: 20_000 })
      .toBe('v3 third');
    await page.getByTestId('preview-close').click();

    // Show deleted, then undelete.
    await page.getByTestId('show-deleted').click();
    const gone = page.locator('[data-testid=deleted-row][data-key="doc/gone.txt"]');
    await gone.waitFor({ timeout: 20_000 });
    await gone.getByTestId('undelete').click();
    await row('doc/gone.txt').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('[data-testid=deleted-row]').count()).toBe(0);
    expect(await getText('doc/gone.txt')).toBe('bring me back');

    // Deleted again from the listing: it shows under "deleted" at once.
    await row('doc/gone.txt').click();
    await page.keyboard.press('Delete');
    await page.getByTestId('confirm-ok').click();
    await gone.waitFor({ timeout: 20_000 });
    expect(await row('doc/gone.txt').count()).toBe(0);
  });
});
