import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectSignedUrl } from '../../src-shared/sharing/inspect';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';
import { addRgwAccount, runCli } from '../support/cli';

// Issue 6 as a person does it: select an object, make a link, see its QR code, copy it, find
// it in the link log with its countdown, and the link downloads the object.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `share-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const KEY = 'reports/q3 summary.txt';
const BODY = 'quarterly numbers, shared by link';
const home = mkdtempSync(join(tmpdir(), 'cosdesk-share-'));

let browser: Browser;
let context: BrowserContext;
let web: WebMode | undefined;
let page: Page;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(home, args, env);

/** The little of the page's globals the test reads (this file compiles without the DOM lib). */
type PageWindow = { navigator: { clipboard: { readText(): Promise<string> } } };

const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  try {
    await seeder.createBucket(BUCKET);
    await seeder.putMany(BUCKET, [KEY], { body: BODY });
  } finally {
    await seeder.close();
  }
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(web.url).origin });
  page = await context.newPage();
  await page.goto(web.url);
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
});

describe('sharing in web mode (Chromium)', () => {
  it('makes a link with a QR code, copies it, logs it with a countdown, and the link downloads', async () => {
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 20_000 });
    await bucketRow.dblclick();
    await row('reports/').dblclick();
    await row(KEY).waitFor();
    await row(KEY).click({ button: 'right' });
    await page.getByTestId('menu-copy-link').click();

    const dialog = page.getByTestId('share-dialog');
    await dialog.waitFor();
    // S3 signatures live at most 7 days: every preset fits, and the dialog says why it would cap.
    expect(await page.getByTestId('share-cap').textContent()).toContain('7 days');
    await page.getByTestId('share-preset-7200').click();
    await page.getByTestId('share-create').click();

    const result = page.getByTestId('share-result');
    await result.waitFor();
    expect(await result.getAttribute('data-seconds')).toBe('7200');
    const url = await page.getByTestId('link-url').inputValue();
    const parsed = inspectSignedUrl(url);
    expect(parsed.ok && parsed.link.validitySeconds).toBe(7200);
    expect(parsed.ok && parsed.link.keyId).toBe(AK);

    const qr = page.getByTestId('link-qr');
    await qr.waitFor();
    expect(Number(await qr.getAttribute('data-version'))).toBeGreaterThan(5);
    expect(await qr.locator('path').getAttribute('d')).toMatch(/^M\d/);
    const expiry = await page.getByTestId('link-expiry').textContent();
    expect(expiry).toContain('UTC');

    await page.getByTestId('link-copy').click();
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as PageWindow).navigator.clipboard.readText()))
      .toBe(url);

    // The link downloads the object, from outside the app.
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(BODY);

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('tab-links').click();
    const logged = page.locator(`[data-testid=link-log-row][data-key="${KEY}"]`);
    await logged.waitFor();
    const countdown = page.getByTestId('link-countdown').first();
    const first = await countdown.textContent();
    expect(first).toMatch(/^1h 59m \d+s$|^2h 0m 0s$/);
    await expect.poll(() => countdown.textContent(), { timeout: 30_000 }).not.toBe(first);

    // The inspector reads the same link back and checks that it works.
    await page.getByTestId('links-tab-inspector').click();
    await page.getByTestId('inspector-input').fill(url);
    expect(await page.getByTestId('inspector-key-id').textContent()).toBe(AK);
    expect(await page.getByTestId('inspector-result').getAttribute('data-state')).toBe('valid');
    await page.getByTestId('inspector-check').click();
    await expect
      .poll(() => page.getByTestId('inspector-check-result').getAttribute('data-ok'), { timeout: 10_000 })
      .toBe('true');

    // The CLI sees the same log.
    const list = cli(['links', 'list', '--json']);
    expect(list.status, list.stderr).toBe(0);
    const entries = JSON.parse(list.stdout) as Array<{ key: string; url?: string }>;
    expect(entries.some((e) => e.key === KEY && e.url === url)).toBe(true);
  });
});
