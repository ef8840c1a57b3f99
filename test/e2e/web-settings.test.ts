import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../../src-shared/shortcuts';
import { launchChromium } from '../support/browser';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 12 item 7 and 8 in real Chromium over web mode: the settings page changes language and
// theme, they apply at once and persist (main's data folder, not just the page's storage).
const home = mkdtempSync(join(tmpdir(), 'cosdesk-e2e-settings-'));
let browser: Browser;
let web: WebMode | undefined;

const isDark = async (page: Page) =>
  ((await page.locator('html').getAttribute('class')) ?? '').split(/\s+/).includes('dark');
const lang = (page: Page) => page.locator('html').getAttribute('lang');

/** The text box of an Element Plus field, wherever the test id landed (the input or its wrapper). */
const field = (page: Page, id: string) =>
  page.locator(`input[data-testid=${id}], [data-testid=${id}] input`).first();

async function openApp(): Promise<Page> {
  web = await startWebMode({ COSDESK_HOME: home });
  const page = await browser.newPage({ colorScheme: 'light' });
  await page.goto(web.url);
  await page.getByTestId('open-settings').waitFor();
  return page;
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await web?.stop();
  await browser?.close();
});

describe('settings page (Chromium, web mode)', () => {
  it('changes language and theme; both apply at once and survive a reload and a restart', async () => {
    let page = await openApp();
    expect(await isDark(page)).toBe(false);
    await page.getByTestId('open-settings').click();
    await page.getByTestId('settings-view').waitFor();

    await page.getByTestId('settings-theme-dark').click();
    await expect.poll(() => isDark(page)).toBe(true);

    await page.getByTestId('settings-language').click();
    await page.getByTestId('settings-language-zh-CN').click();
    await expect.poll(() => lang(page)).toBe('zh-CN');
    await expect.poll(() => page.getByTestId('settings-view').locator('h1').textContent()).toBe('设置');

    await expect
      .poll(() => JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')))
      .toMatchObject({ theme: 'dark', language: 'zh-CN' });

    // The page's own storage forgotten: what comes back is main's setting.
    await page.evaluate('localStorage.clear()');
    await page.reload();
    await page.getByTestId('open-settings').waitFor();
    await expect.poll(() => isDark(page)).toBe(true);
    await expect.poll(() => lang(page)).toBe('zh-CN');

    // The in-app toggle flips the theme and saves it.
    await page.getByTestId('toggle-theme').click();
    await expect.poll(() => isDark(page)).toBe(false);
    await expect
      .poll(() => JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).theme)
      .toBe('light');

    await page.close();
    await web?.stop();
    page = await openApp();
    await expect.poll(() => lang(page)).toBe('zh-CN');
    expect(await isDark(page)).toBe(false);

    // Back to English through the settings page.
    await page.getByTestId('open-settings').click();
    await page.getByTestId('settings-language').click();
    await page.getByTestId('settings-language-en').click();
    await expect.poll(() => lang(page)).toBe('en');
    await page.close();
  });

  it('takes a download folder as text in web mode and saves transfer limits', async () => {
    web ??= await startWebMode({ COSDESK_HOME: home });
    const page = await browser.newPage();
    await page.goto(web.url);
    await page.getByTestId('open-settings').click();
    await page.getByTestId('settings-view').waitFor();
    expect(await page.getByTestId('settings-choose-dir').count()).toBe(0);
    const dir = join(home, 'downloads-here');
    const input = field(page, 'settings-download-dir');
    await input.fill(dir);
    await input.press('Enter');
    await page.getByTestId('settings-conflict-rename').click();
    const up = field(page, 'settings-upload-limit');
    await up.fill('512');
    await up.press('Enter');
    await expect
      .poll(() => JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')))
      .toMatchObject({ downloadDir: dir, conflictDefault: 'rename', transfers: { uploadBps: 512 * 1024 } });
    await page.close();
  });

  it('opens the keyboard-shortcuts sheet with ? and F1, listing the shared table', async () => {
    web ??= await startWebMode({ COSDESK_HOME: home });
    const page = await browser.newPage();
    await page.goto(web.url);
    await page.getByTestId('open-settings').waitFor();
    const sheet = page.locator('.el-dialog[data-testid=shortcuts-sheet]');
    // The page takes its keys once its views are mounted: on a busy machine that can be just
    // after the first button shows, so press again until the sheet opens (a bounded wait).
    await expect
      .poll(
        async () => {
          if (!(await sheet.isVisible())) await page.locator('body').press('?');
          return sheet.waitFor({ timeout: 2_000 }).then(
            () => true,
            () => false,
          );
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    const rows = await sheet
      .locator('[data-testid=shortcut-row]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-shortcut')));
    const expected = SHORTCUTS.filter((s) => s.platform !== 'mac').map((s) => s.command ?? s.role);
    expect(rows).toEqual(expected);
    await expect.poll(() => sheet.textContent()).toContain('Ctrl+Shift+U');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden' });
    await page.keyboard.press('F1');
    await sheet.waitFor();
    await page.keyboard.press('Escape');
    // A shortcut from the same table works in the page too (web mode has no menu): Ctrl+, opens settings.
    await page.locator('body').press('Control+Comma');
    await page.getByTestId('settings-view').waitFor();
    await page.close();
  });

  it('saves an HTTP proxy with a password: sealed on the way in, kept in the keychain, never sent back', async () => {
    web ??= await startWebMode({ COSDESK_HOME: home });
    const password = `proxy-pw-${crypto.randomUUID()}`;
    const page = await browser.newPage();
    const frames: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => frames.push(String(f.payload)));
      ws.on('framereceived', (f) => frames.push(String(f.payload)));
    });
    await page.goto(web.url);
    await page.getByTestId('open-settings').click();
    await page.getByTestId('settings-proxy-http').click();
    await field(page, 'settings-proxy-host').fill('127.0.0.1');
    await field(page, 'settings-proxy-port').fill('3128');
    await field(page, 'settings-proxy-username').fill('alice');
    await field(page, 'settings-proxy-password').fill(password);
    await page.getByTestId('settings-proxy-apply').click();
    await page.getByTestId('settings-proxy-forget').waitFor();
    await expect
      .poll(() => JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).proxy)
      .toEqual({ mode: 'http', host: '127.0.0.1', port: 3128, username: 'alice' });
    expect(readFileSync(join(home, 'settings.json'), 'utf8')).not.toContain(password);
    const r = spawnSync('secret-tool', ['lookup', 'service', 'cosdesk', 'account', 'settings.proxy'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(r.stdout)).toEqual({ secretKey: password });
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.some((f) => f.includes(password))).toBe(false);
    // Back to no proxy, the password forgotten.
    await page.getByTestId('settings-proxy-forget').click();
    await page.getByTestId('settings-proxy-none').click();
    await expect
      .poll(() => JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).proxy.mode)
      .toBe('none');
    await page.close();
  });
});
