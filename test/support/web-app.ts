import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchChromium } from './browser';
import { addS3Account } from './cli';
import { startWebMode, type WebMode } from './web-mode';

/**
 * What the web-*.test.ts files share: a data folder, saved accounts, Chromium and the built
 * web mode on that folder, and the few page helpers most of them use.
 */

export { addS3Account };

/** `prefix-<time>-<random>`: a bucket name (or tag) no other run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** A fresh data folder (COSDESK_HOME) for one test file. */
export function tempHome(label: string): string {
  return mkdtempSync(join(tmpdir(), `cosdesk-${label}-`));
}

export interface WebApp {
  browser: Browser;
  web: WebMode;
}

/** Chromium and web mode on `home` (with `env` added to web mode's environment). */
export async function startWebApp(home: string, env: Record<string, string> = {}): Promise<WebApp> {
  const browser = await launchChromium();
  try {
    return { browser, web: await startWebMode({ COSDESK_HOME: home, ...env }) };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** Stops what startWebApp started (either may be missing when the set-up failed). */
export async function stopWebApp(app: Partial<WebApp>): Promise<void> {
  await app.web?.stop();
  await app.browser?.close();
}

/** The object table's row of `key`. */
export function objectRow(page: Page, key: string) {
  return page.locator(`[data-testid=object-row][data-key="${key}"]`);
}

/** Waits until the browser shows `prefix` and its listing is done. */
export async function listed(page: Page, prefix: string): Promise<void> {
  await expect.poll(() => page.getByTestId('object-browser').getAttribute('data-prefix')).toBe(prefix);
  await expect
    .poll(() => page.getByTestId('listing-status').getAttribute('data-state'), { timeout: 60_000 })
    .toBe('done');
}

/** Selects a saved account in the sidebar by its name. */
export async function openAccount(page: Page, name: string): Promise<void> {
  await page.locator(`[data-testid=account-item][data-account-name="${name}"]`).click();
}
