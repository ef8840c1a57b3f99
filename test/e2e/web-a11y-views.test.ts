import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../support/axe';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';
import type { WebMode } from '../support/web-mode';
import { addS3Account, objectRow, startWebApp, stopWebApp, tempHome, uniqueName } from '../support/web-app';

// Issue 12 §9, the views web-a11y.test.ts does not reach: axe-core (WCAG 2.1 A/AA, no serious
// or critical violation) on the settings page, the shortcuts sheet, bucket settings, an
// object's versions, search results, the preview panel (image and text), the policy editor,
// the upload options dialog and the transfers panel with jobs, in the light and the dark theme.
const { S3_ENDPOINT, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK2', 'SK2');
const BUCKET = uniqueName('a11yv');
const home = tempHome('a11y-views');
const local = mkdtempSync(join(tmpdir(), 'cosdesk-a11y-views-files-'));
writeFileSync(join(local, 'upload-me.txt'), 'uploaded by the a11y test\n');

/** A 2x2 PNG (one colour), so the preview has an image to decode. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

let seeder: Seeder;
let browser: Browser;
let web: WebMode | undefined;

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK2, SK2), 1);
  await seeder.createBucket(BUCKET);
  const v = await seeder.client.request({
    method: 'PUT',
    bucket: BUCKET,
    query: { versioning: '' },
    body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
  });
  await v.body.dump();
  for (const body of ['first', 'second']) await seeder.putMany(BUCKET, ['notes.txt'], { body });
  const res = await seeder.client.request({
    method: 'PUT',
    bucket: BUCKET,
    key: 'pic.png',
    body: new Uint8Array(PNG),
    headers: { 'content-type': 'image/png' },
  });
  await res.body.dump();
  await seeder.putMany(BUCKET, ['docs/a.txt', 'docs/b.txt'], { body: 'doc' });
  addS3Account(home, 'user2', S3_ENDPOINT, AK2, SK2);
  ({ browser, web } = await startWebApp(home));
}, 180_000);

afterAll(async () => {
  await stopWebApp({ web, browser });
  await seeder?.close();
});

const row = objectRow;

describe.each(['light', 'dark'] as const)('axe-core on the other main views (%s theme)', (theme) => {
  it('settings, shortcuts, bucket settings, versions, search, preview, policy editor, upload options, transfers', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
    const found: string[] = [];
    const clean = async (view: string) => {
      await page.waitForTimeout(400); // dialogs fade in: axe reads the colours as they end up
      const vs = await axeViolations(page);
      if (vs.length) found.push(`${view}:\n${describeViolations(vs)}`);
    };
    const closeDialog = async (testid: string) => {
      await page.keyboard.press('Escape');
      await page.getByTestId(testid).waitFor({ state: 'hidden' });
    };
    try {
      await page.goto(web!.url);
      await page.locator('[data-testid=account-item]').first().waitFor({ timeout: 30_000 });
      await page.getByTestId('open-settings').click();
      await page.getByTestId('settings-view').waitFor();
      await clean('settings page');
      await page.reload();

      await page.getByTestId('open-shortcuts').click();
      await page.getByTestId('shortcuts-sheet').waitFor();
      await clean('shortcuts sheet');
      await closeDialog('shortcuts-sheet');

      await page.locator('[data-testid=account-item][data-account-name="user2"]').click();
      await page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`).dblclick();
      await row(page, 'notes.txt').waitFor({ timeout: 30_000 });

      await page.getByTestId('bucket-settings').click();
      await page.getByTestId('bucket-settings-dialog').waitFor();
      await page.getByTestId('versioning-status').or(page.getByTestId('bset-tabs')).first().waitFor();
      await page.waitForTimeout(500);
      await clean('bucket settings');
      for (const tab of ['CORS', 'Lifecycle']) {
        await page.getByTestId('bset-tabs').getByRole('tab', { name: tab }).click();
        await clean(`bucket settings, ${tab}`);
      }
      await closeDialog('bucket-settings-dialog');

      await row(page, 'notes.txt').click();
      await page.getByTestId('versions').click();
      await expect.poll(() => page.locator('[data-testid=version-row]').count(), { timeout: 30_000 }).toBe(2);
      await clean('versions');
      await closeDialog('versions-dialog');

      await page.getByTestId('deep-search-open').click();
      await page.getByTestId('deep-search-input').fill('*.txt');
      await page.getByTestId('deep-search-run').click();
      await expect
        .poll(() => page.locator('[data-testid=deep-search-hit]').count(), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(3);
      await clean('search results');
      await closeDialog('search-panel');

      await row(page, 'pic.png').dblclick();
      await page.getByTestId('preview-image').waitFor({ timeout: 30_000 });
      await clean('preview panel, image');
      await row(page, 'notes.txt').dblclick();
      await page.getByTestId('preview-text').waitFor({ timeout: 30_000 });
      await clean('preview panel, text');
      await page.getByTestId('preview-close').click();

      await page.getByTestId('permissions').click();
      const drawer = page.getByTestId('permissions-drawer');
      await drawer.locator('#tab-policy').click();
      await drawer.getByTestId('policy-none').waitFor({ timeout: 30_000 });
      await drawer.getByTestId('policy-add-statement').click();
      await drawer.getByTestId('policy-statement').first().waitFor();
      await clean('policy editor');
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });

      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser', { timeout: 60_000 }),
        page.getByTestId('upload-files').click(),
      ]);
      await chooser.setFiles(join(local, 'upload-me.txt'));
      await page.getByTestId('upload-options').waitFor({ timeout: 10_000 });
      await clean('upload options');
      await page.getByTestId('upload-options-ok').click();
      await row(page, 'upload-me.txt').waitFor({ timeout: 30_000 });
      if ((await page.getByTestId('transfer-panel').getAttribute('data-open')) !== 'true')
        await page.getByTestId('transfer-toggle').click();
      await page.locator('[data-testid=transfer-panel][data-open=true]').waitFor();
      await page.locator('[data-testid=transfer-row]').first().waitFor({ timeout: 30_000 });
      await clean('transfers panel with a job');
      expect(found, found.join('\n')).toEqual([]);
    } finally {
      await page.close();
    }
  }, 240_000);
});
