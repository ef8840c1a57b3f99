import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHORTCUTS, type AppCommand } from '../../src-shared/shortcuts';
import { launchChromium } from '../support/browser';
import { addRgwAccount } from '../support/cli';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 12 item 8: every command of the shared shortcuts table (src-shared/shortcuts.ts) that
// web mode binds does something visible when its keys are pressed (web mode has no menu; the
// Electron menu sends the same commands to the same handlers). The test walks the table: a new
// command without a check here, or a check whose command does nothing, fails.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const tag = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const BUCKET = `commands-${tag}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-commands-'));

let seeder: Seeder;
let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const row = (key: string) => page.locator(`[data-testid=object-row][data-key="${key}"]`);
const status = () => page.getByTestId('listing-status');
const shown = () =>
  page
    .getByTestId('object-browser')
    .evaluate((el) => `${el.getAttribute('data-bucket')}/${el.getAttribute('data-prefix')}`)
    .catch(() => 'not browsing');

async function listed(where: string): Promise<void> {
  await expect.poll(shown, { timeout: 30_000 }).toBe(where);
  await expect.poll(() => status().getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
}

/** Shortcuts do nothing while one types: the keys go to a neutral place. */
async function blur(): Promise<void> {
  await page.evaluate('document.activeElement?.blur?.()');
}

/** The bucket's folder `prefix`, opened whatever the page shows now. */
async function browse(prefix = ''): Promise<void> {
  // Whatever a failed step before left open.
  if (await page.locator('.el-overlay:visible').count()) await dialogClosed();
  if (await page.getByTestId('settings-view').isVisible()) await page.getByTestId('settings-close').click();
  if (!(await page.getByTestId('object-browser').isVisible())) {
    await page.getByTestId('tab-buckets').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 30_000 });
    await bucketRow.dblclick();
    await listed(`${BUCKET}/`);
  }
  if ((await shown()) !== `${BUCKET}/${prefix}`) {
    const input = page.getByTestId('address-input');
    await input.fill(`${BUCKET}/${prefix}`);
    await input.press('Enter');
  }
  await listed(`${BUCKET}/${prefix}`);
  await blur();
}

/** Electron accelerator syntax to Playwright's (the page runs on Linux here: CmdOrCtrl is Ctrl). */
function playwrightKeys(acc: string): string {
  const names: Record<string, string> = {
    cmdorctrl: 'Control',
    commandorcontrol: 'Control',
    shift: 'Shift',
    alt: 'Alt',
    left: 'ArrowLeft',
    right: 'ArrowRight',
    up: 'ArrowUp',
    down: 'ArrowDown',
    plus: '+',
  };
  return acc
    .split('+')
    .map((p) => names[p.toLowerCase()] ?? (p.length === 1 ? p.toUpperCase() : p))
    .join('+');
}

async function dialogClosed(): Promise<void> {
  await page.keyboard.press('Escape');
  await expect.poll(() => page.locator('.el-overlay:visible').count(), { timeout: 10_000 }).toBe(0);
}

let refreshed = 0;
type Check = (press: () => Promise<void>) => Promise<void>;
/** For each command: put the page where the command applies, press, and see its effect. */
const CHECKS: Record<Exclude<AppCommand, 'go-back'>, Check> = {
  'upload-files': async (press) => {
    await browse();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 60_000 }), press()]);
    expect(chooser.isMultiple()).toBe(true);
    expect(await chooser.element().getAttribute('webkitdirectory')).toBeNull();
    await chooser.setFiles([]);
  },
  'upload-folder': async (press) => {
    await browse();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 60_000 }), press()]);
    expect(await chooser.element().getAttribute('webkitdirectory')).not.toBeNull();
    await chooser.setFiles(mkdtempSync(join(tmpdir(), 'cosdesk-empty-')));
  },
  'new-folder': async (press) => {
    await browse();
    await press();
    await expect
      .poll(() => page.getByTestId('folder-name-input').isVisible(), { timeout: 10_000 })
      .toBe(true);
    await dialogClosed();
  },
  download: async (press) => {
    await browse();
    await row('top.txt').click();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), press()]);
    expect(download.suggestedFilename()).toBe('top.txt');
  },
  settings: async (press) => {
    await browse();
    await press();
    await page.getByTestId('settings-view').waitFor({ timeout: 10_000 });
    await page.getByTestId('settings-close').click();
  },
  find: async (press) => {
    await browse();
    await press();
    await expect
      .poll(() => page.evaluate("!!document.activeElement?.closest('[data-testid=filter-input]')"), {
        timeout: 10_000,
      })
      .toBe(true);
    await blur();
  },
  delete: async (press) => {
    await browse();
    await row('top.txt').click();
    await press();
    await page.getByTestId('confirm-dialog').waitFor({ timeout: 10_000 });
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden', timeout: 10_000 });
    expect(await row('top.txt').count()).toBe(1);
  },
  refresh: async (press) => {
    await browse('docs/');
    // Put behind the app's back: only a fresh listing shows it.
    const key = `docs/new-${++refreshed}.txt`;
    await seeder.putMany(BUCKET, [key], { body: 'new' });
    expect(await row(key).count()).toBe(0);
    await press();
    await row(key).waitFor({ timeout: 30_000 });
  },
  'toggle-transfers': async (press) => {
    await browse();
    const panel = page.getByTestId('transfer-panel');
    const before = await panel.getAttribute('data-open');
    await press();
    await expect.poll(() => panel.getAttribute('data-open'), { timeout: 10_000 }).not.toBe(before);
    expect(await page.getByTestId('transfer-list').isVisible()).toBe(before !== 'true');
    await press();
    await expect.poll(() => panel.getAttribute('data-open'), { timeout: 10_000 }).toBe(before);
  },
  'toggle-theme': async (press) => {
    await browse();
    const dark = () => page.evaluate<boolean>("document.documentElement.classList.contains('dark')");
    const before = await dark();
    await press();
    await expect.poll(dark, { timeout: 10_000 }).toBe(!before);
    await press();
    await expect.poll(dark, { timeout: 10_000 }).toBe(before);
  },
  'go-up': async (press) => {
    await browse('docs/');
    // With the focus in the table, whose arrow keys move the focused row.
    await row('docs/a.txt').click();
    await press();
    await listed(`${BUCKET}/`);
  },
  'go-to-path': async (press) => {
    await browse('docs/');
    await press();
    await expect
      .poll(
        () =>
          // The page's own code, in the page (a string: this file is not typed for the DOM).
          page.evaluate(`(() => {
            const el = document.activeElement;
            if (!el?.closest('[data-testid=address-input]')) return 'not focused';
            return el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0);
          })()`),
        { timeout: 10_000 },
      )
      .toBe(`${BUCKET}/docs/`);
    await blur();
  },
  'go-buckets': async (press) => {
    await browse('docs/');
    await press();
    await page.getByTestId('bucket-list').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('object-browser').count()).toBe(0);
    // From the links tab, and from the Settings page that covers the workspace.
    await page.getByTestId('tab-links').click();
    await page.getByTestId('links-view').waitFor({ timeout: 10_000 });
    await blur();
    await press();
    await page.getByTestId('bucket-list').waitFor({ timeout: 10_000 });
    await page.keyboard.press(playwrightKeys('CmdOrCtrl+,'));
    await page.getByTestId('settings-view').waitFor({ timeout: 10_000 });
    await blur();
    await press();
    await page.getByTestId('bucket-list').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('settings-view').count()).toBe(0);
  },
  'link-inspector': async (press) => {
    await browse();
    await press();
    await page.getByTestId('link-inspector').waitFor({ timeout: 10_000 });
    // From the Settings page as well: it leaves the page for the inspector.
    await page.getByTestId('tab-buckets').click();
    await blur();
    await page.keyboard.press(playwrightKeys('CmdOrCtrl+,'));
    await page.getByTestId('settings-view').waitFor({ timeout: 10_000 });
    await blur();
    await press();
    await page.getByTestId('link-inspector').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('settings-view').count()).toBe(0);
    await page.getByTestId('tab-buckets').click();
  },
  shortcuts: async (press) => {
    await browse();
    await press();
    await page.getByTestId('shortcuts-sheet').waitFor({ timeout: 10_000 });
    await dialogClosed();
  },
};

/** The table's commands web mode binds (ui/commands.ts: `pageBound` ones are the browser's own). */
const bound = SHORTCUTS.filter((s) => s.command && !s.pageBound);

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, ['top.txt', 'docs/a.txt', 'docs/b.txt'], { body: 'x' });
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await page.goto(web.url);
  await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
  await seeder?.close();
});

describe('the shortcuts of the commands table in web mode (Chromium, RGW)', () => {
  it('has a check for every command web mode binds', () => {
    expect(bound.length).toBeGreaterThan(10);
    for (const s of bound) expect(Object.keys(CHECKS), s.command).toContain(s.command);
  });

  for (const s of bound) {
    const keys = [...s.accelerators.map(playwrightKeys), ...(s.pageKeys ?? [])];
    it(`${s.command}: ${keys.join(', ')}`, async () => {
      const check = CHECKS[s.command as keyof typeof CHECKS];
      for (const key of keys) await check(() => page.keyboard.press(key));
    }, 120_000);
  }
});
