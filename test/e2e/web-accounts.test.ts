import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { startWebMode, type WebMode } from '../support/web-mode';

// The acceptance path of issue 2, as a person would do it: web mode in real Chromium, a real
// keychain (npm test runs under a D-Bus session with GNOME Keyring) and a real RGW.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const COS_SECRET_ID = 'AKIDcosE2E00000000000000000000000042';
const COS_SECRET_KEY = `cos-secret-${crypto.randomUUID()}`;
const COS_TOKEN = `cos-token-${crypto.randomUUID()}`;
const WRONG_SECRET = `wrong-secret-${crypto.randomUUID()}`;

const home = mkdtempSync(join(tmpdir(), 'cosdesk-e2e-'));
const frames: string[] = [];
const received: string[] = [];
let browser: Browser;
let web: WebMode | undefined;

async function openApp(): Promise<Page> {
  web = await startWebMode({ COSDESK_HOME: home });
  const page = await browser.newPage();
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => frames.push(String(f.payload)));
    ws.on('framereceived', (f) => {
      frames.push(String(f.payload));
      received.push(String(f.payload));
    });
  });
  await page.goto(web.url);
  return page;
}

async function saveAccount(page: Page, fill: () => Promise<void>): Promise<void> {
  await page.getByTestId('add-account').or(page.getByTestId('add-account-empty')).first().click();
  await expect.poll(() => page.getByTestId('account-form').isVisible()).toBe(true);
  await fill();
  await page.getByTestId('form-save').click();
  await page.getByTestId('account-form').waitFor({ state: 'hidden' });
}

function accountItem(page: Page, name: string) {
  return page.locator(`[data-testid=account-item][data-account-name="${name}"]`);
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await web?.stop();
  await browser?.close();
});

describe('accounts in web mode (Chromium)', () => {
  it('adds an S3 and a COS account, lists both after a restart, tests the connection', async () => {
    let page = await openApp();
    await saveAccount(page, async () => {
      await page.getByTestId('field-kind-s3').click();
      await page.getByTestId('field-name').fill('Local RGW');
      await page.getByTestId('field-endpoint').fill(S3_ENDPOINT);
      await page.getByTestId('field-region').fill('us-east-1');
      await page.getByTestId('field-access-key-id').fill(AK);
      await page.getByTestId('field-secret-key').fill(SK);
      await page.getByTestId('field-path-style').click();
    });
    await saveAccount(page, async () => {
      await page.getByTestId('field-kind-cos').click();
      await page.getByTestId('field-name').fill('COS Guangzhou');
      await page.getByTestId('field-secret-id').fill(COS_SECRET_ID);
      await page.getByTestId('field-secret-key').fill(COS_SECRET_KEY);
      await page.getByTestId('field-token').fill(COS_TOKEN);
      const expiry = page.getByTestId('field-token-expiry').locator('input');
      await expiry.fill('2030-01-01 08:00:00');
      await expiry.press('Enter');
      await page.getByTestId('field-app-id').fill('1250000000');
    });
    await expect.poll(() => page.getByTestId('account-item').count()).toBe(2);

    // Restart the web-mode process: a new token, the same data folder and keychain.
    await page.close();
    await web?.stop();
    page = await openApp();
    await expect.poll(() => page.getByTestId('account-item').count()).toBe(2);
    expect(await accountItem(page, 'Local RGW').isVisible()).toBe(true);
    expect(await accountItem(page, 'COS Guangzhou').isVisible()).toBe(true);
    expect(await accountItem(page, 'COS Guangzhou').textContent()).toContain('AKID…0042');

    await accountItem(page, 'Local RGW').click();
    await page.getByTestId('account-settings').click();
    await page.getByTestId('test-connection').click();
    const result = page.locator('[data-testid=account-detail] [data-testid=test-result]');
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 20_000 }).toBe('true');

    // A wrong secret: edit the account (key id kept as stored), test again.
    await page.getByTestId('edit-account').click();
    await page.getByTestId('field-secret-key').fill(WRONG_SECRET);
    await page.getByTestId('form-save').click();
    await page.getByTestId('account-form').waitFor({ state: 'hidden' });
    await page.getByTestId('test-connection').click();
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 20_000 }).toBe('false');
    expect((await result.textContent())?.toLowerCase()).toMatch(/secret key is wrong/);
    await page.close();
  });

  it('never carries a secret or token over the web-mode socket', () => {
    expect(frames.length).toBeGreaterThan(10);
    const wire = frames.join('\n');
    for (const secret of [SK, COS_SECRET_KEY, COS_TOKEN, WRONG_SECRET]) expect(wire).not.toContain(secret);
    // Secrets went out sealed. Key ids are not secrets, but main only ever sends them back masked.
    expect(wire).toContain('"sealKey"');
    expect(received.join('\n')).toContain('AKID…0042');
    expect(received.join('\n')).not.toContain(COS_SECRET_ID);
  });
});
