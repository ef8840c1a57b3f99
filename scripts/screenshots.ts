// Screenshots of the main views, light and dark, for README.md (docs/screenshots/*.png).
//
//   npm run build && npm run screenshots          (starts a keyring and RGW like the tests)
//
// Web mode in Chromium over a real RGW, with a seeded bucket: what a person sees.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser';
import { runCli } from '../test/support/cli';
import { requireEnv } from '../test/support/main';
import { createSeeder, rgwAccount } from '../test/support/seed';
import { startWebMode } from '../test/support/web-mode';

// The second test user: its bucket list holds only what this script makes (the first one's
// fills up with test buckets).
const { S3_ENDPOINT, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK2', 'SK2');
const OUT = resolve(process.env.SCREENSHOTS_DIR ?? 'docs/screenshots');
const BUCKETS = ['team-photos', 'website-assets', 'backups-2025'];
const BUCKET = BUCKETS[0];
const KEYS: Record<string, string> = {
  'trips/雪山/IMG_0001.jpg': 'x'.repeat(2_400_000),
  'trips/雪山/IMG_0002.jpg': 'x'.repeat(3_100_000),
  'trips/beach/sunset.png': 'x'.repeat(1_800_000),
  'docs/report 2025.pdf': 'x'.repeat(420_000),
  'docs/notes.md': '# Notes\n\nShared with the team.\n',
  'music/theme.mp3': 'x'.repeat(5_200_000),
  'readme.txt': 'Photos of 2025.\n',
  'index.html': '<h1>photos</h1>\n',
};

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(600); // dialogs and drawers fade in
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  process.stderr.write(`  ${name}.png\n`);
}

const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK2, SK2));
for (const b of BUCKETS) await seeder.createBucket(b).catch(() => undefined);
for (const [key, body] of Object.entries(KEYS)) await seeder.putMany(BUCKET, [key], { body });
await seeder.close();

const home = mkdtempSync(join(tmpdir(), 'cosdesk-shots-'));
const add = runCli(
  home,
  [
    'accounts',
    'add',
    '--kind',
    's3',
    '--name',
    'Ceph (local)',
    '--endpoint',
    S3_ENDPOINT,
    '--region',
    'us-east-1',
    '--path-style',
    '--secret-id',
    AK2,
  ],
  { COSDESK_SECRET_KEY: SK2 },
);
if (add.status !== 0) throw new Error(`cosdesk accounts add failed: ${add.stderr}`);
mkdirSync(OUT, { recursive: true });
const browser = await launchChromium();
const web = await startWebMode({ COSDESK_HOME: home });
try {
  for (const theme of ['light', 'dark'] as const) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
    await page.goto(web.url);
    await page.locator('[data-testid=account-item]').first().click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 30_000 });
    await shot(page, `buckets-${theme}`);
    await bucketRow.dblclick();
    const row = (k: string) => page.locator(`[data-testid=object-row][data-key="${k}"]`);
    await row('trips/').waitFor({ timeout: 30_000 });
    await row('trips/').dblclick();
    await row('trips/雪山/').dblclick();
    await row('trips/雪山/IMG_0001.jpg').click();
    await shot(page, `folder-${theme}`);
    await page.getByTestId('nav-up').click();
    await page.getByTestId('nav-up').click();
    await row('docs/').click({ button: 'right' });
    await shot(page, `context-menu-${theme}`);
    await page.getByTestId('menu-permissions').click();
    await page.getByTestId('permissions-drawer').waitFor();
    await shot(page, `permissions-${theme}`);
    await page.keyboard.press('Escape');
    await row('readme.txt').click({ button: 'right' });
    await page.getByTestId('menu-copy-link').click();
    await page.getByTestId('share-dialog').waitFor();
    await shot(page, `share-link-${theme}`);
    await page.keyboard.press('Escape');
    await page.close();
  }
} finally {
  await web.stop();
  await browser.close();
}
