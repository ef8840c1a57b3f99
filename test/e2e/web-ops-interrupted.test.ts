import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_DIR } from '../../src-main/operations/journal';
import { addRgwAccount, runCli } from '../support/cli';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';
import {
  listed,
  objectRow,
  openAccount,
  startWebApp,
  stopWebApp,
  tempHome,
  uniqueName,
  type WebApp,
} from '../support/web-app';

// An operation a crash cut short, as a person meets it (web mode, Chromium, RGW): the data
// folder's journal holds a copy that a killed process had done 5 of 20 of; on start the
// operations panel says one operation was interrupted, Resume runs the rest (its counts in the
// same panel, to the end) and the copies are all there; a second one is dismissed and its
// objects left alone.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = uniqueName('opsint');
const home = tempHome('ops-interrupted');
const SRC = Array.from({ length: 20 }, (_, i) => `src/${String(i).padStart(2, '0')}.txt`);

let app: Partial<WebApp> = {};
let seeder: Seeder;
let page: Page;

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, [...SRC, 'junk/keep.txt'], { body: 'copy me' });
  await seeder.putMany(
    BUCKET,
    SRC.slice(0, 5).map((k) => `dst/${k}`),
    { body: 'copy me' },
  );
  addRgwAccount(home);
  const { accounts } = JSON.parse(runCli(home, ['--json', 'accounts', 'list']).stdout) as {
    accounts: { id: string; name: string }[];
  };
  const accountId = accounts.find((a) => a.name === 'rgw')!.id;
  const at = new Date().toISOString();
  const source = { accountId, bucket: BUCKET };
  const entry = (id: string, request: Record<string, unknown>, total: number, done: number) => ({
    id,
    request,
    kind: request.kind,
    bucket: BUCKET,
    total,
    done,
    failed: 0,
    startedAt: at,
    updatedAt: at,
  });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  mkdirSync(join(home, JOURNAL_DIR), { recursive: true });
  writeFileSync(
    join(home, JOURNAL_DIR, `${dead}.json`),
    JSON.stringify({
      version: 1,
      running: [
        entry(
          'cut-copy',
          {
            kind: 'copy',
            source,
            keys: ['src/'],
            target: { ...source, prefix: 'dst/' },
            conflict: 'overwrite',
          },
          20,
          5,
        ),
        entry('cut-delete', { kind: 'delete', source, keys: ['junk/'] }, 1, 0),
      ],
    }),
  );
  app = await startWebApp(home);
  page = await app.browser!.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(app.web!.url);
}, 300_000);

afterAll(async () => {
  await stopWebApp(app);
  await seeder?.close();
});

describe('interrupted operations in web mode (Chromium)', () => {
  it('says how many were interrupted; Resume runs the rest to the end, Dismiss forgets one', async () => {
    await openAccount(page, 'rgw');
    const notice = page.getByTestId('interrupted-notice');
    await expect
      .poll(() => notice.textContent(), { timeout: 30_000 })
      .toMatch(/2 operations were interrupted/);
    const copy = page.locator('[data-testid=interrupted-operation][data-id="cut-copy"]');
    await expect.poll(() => copy.textContent()).toMatch(/Copy src\/ in .* 5 of 20 done/);

    await copy.getByTestId('interrupted-resume').click();
    await expect.poll(() => notice.textContent()).toMatch(/1 operation was interrupted/);
    const op = page.locator('[data-testid=operation][data-kind="copy"]').first();
    await expect.poll(() => op.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    // The 5 the killed process had copied are skipped; the other 15 copied.
    expect(await op.getAttribute('data-done')).toBe('15');
    await expect.poll(() => op.textContent()).toMatch(/Copied 15 objects/);
    await expect.poll(() => op.textContent()).toMatch(/5 skipped/);

    const junk = page.locator('[data-testid=interrupted-operation][data-id="cut-delete"]');
    await junk.getByTestId('interrupted-dismiss').click();
    await expect.poll(() => page.getByTestId('interrupted-operations').count()).toBe(0);

    // What the bucket holds now, as the page lists it.
    await page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`).dblclick();
    await listed(page, '');
    await objectRow(page, 'dst/').dblclick();
    await listed(page, 'dst/');
    await objectRow(page, 'dst/src/').dblclick();
    await listed(page, 'dst/src/');
    // The table is a virtual list: it shows the first rows; the bucket holds all twenty.
    await objectRow(page, `dst/${SRC[0]}`).waitFor();
    for (const k of SRC) expect(await seeder.exists(BUCKET, `dst/${k}`), k).toBe(true);
    expect(await seeder.exists(BUCKET, 'junk/keep.txt')).toBe(true);

    // A reload starts the page again: nothing is left to resume.
    await page.reload();
    await openAccount(page, 'rgw');
    await page.locator(`[data-testid=account-workspace]`).waitFor();
    await page.waitForTimeout(1000);
    expect(await page.getByTestId('interrupted-notice').count()).toBe(0);
  }, 240_000);
});
