import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { StorageError } from '../../src-main/storage/errors';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 11 item 6 in the UI (web mode, Chromium, real RGW): a new statement starts empty and
// cannot be saved, a prefix means everything under it and the diff shows it, a public statement
// is confirmed, Restore shows the diff first, and a public ACL asks before it is set. What the UI
// writes is checked with real requests as the second user and as anyone.
const { S3_ENDPOINT, AK, SK, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2');
const BUCKET = `pe-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-policy-e2e-'));

let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const anon = async (path: string) => (await fetch(`${S3_ENDPOINT}/${BUCKET}/${path}`)).status;

/** What the second RGW user (tester2) really gets: a signed GET of a key, or a listing of a prefix. */
async function user2(op: 'get' | 'list', keyOrPrefix: string): Promise<number> {
  const client = new StorageClient(rgwAccount(S3_ENDPOINT, AK2, SK2), { maxAttempts: 1 });
  try {
    const res = await client.request(
      op === 'list'
        ? { method: 'GET', bucket: BUCKET, query: { prefix: keyOrPrefix } }
        : { method: 'GET', bucket: BUCKET, key: keyOrPrefix },
    );
    await res.body.dump();
    return res.status;
  } catch (e) {
    if (e instanceof StorageError && e.status !== undefined) return e.status;
    throw e;
  } finally {
    await client.close();
  }
}

const drawer = () => page.getByTestId('permissions-drawer');
const dialog = () => page.getByTestId('policy-diff-dialog');
const lastStatement = () => drawer().getByTestId('policy-statement').last();
const problems = (st: Locator) => st.getByTestId('statement-problem');

async function addStatement(): Promise<Locator> {
  const before = await drawer().getByTestId('policy-statement').count();
  await drawer().getByTestId('policy-add-statement').click();
  await expect.poll(() => drawer().getByTestId('policy-statement').count()).toBe(before + 1);
  return lastStatement();
}

async function pickKind(st: Locator, kind: 'root' | 'all'): Promise<void> {
  await st.getByTestId('statement-principal-kind').click();
  await page.locator(`[data-testid=statement-principal-kind-${kind}]:visible`).click();
}

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  try {
    await seeder.createBucket(BUCKET);
    await seeder.putMany(BUCKET, ['2025/a.jpg', '2025/deep/b.jpg', '2024/c.jpg', 'public/p.txt', 'top.txt'], {
      body: 'x',
    });
  } finally {
    await seeder.close();
  }
  const add = spawnSync(
    process.execPath,
    [
      resolve('bin/cosdesk.js'),
      'accounts',
      'add',
      '--kind',
      's3',
      '--name',
      'rgw',
      '--endpoint',
      S3_ENDPOINT,
      '--region',
      'us-east-1',
      '--path-style',
      '--secret-id',
      AK,
    ],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, COSDESK_HOME: home, COSDESK_SECRET_KEY: SK },
    },
  );
  expect(add.status, add.stderr).toBe(0);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(web.url);
  await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
  const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
  await bucketRow.waitFor({ timeout: 20_000 });
  await bucketRow.dblclick();
  await page.locator('[data-testid=object-row][data-key="2025/"]').waitFor();
  await page.getByTestId('permissions').click();
  // Once in a clean-clone CI run the tab's click did not take (the pane stayed hidden for 30 s);
  // clicked again until the policy pane shows (see the stop 21 note: the drawer may re-render
  // its tabs when its data arrives).
  for (let i = 0; ; i++) {
    await drawer().locator('#tab-policy').click();
    const shown = await drawer()
      .getByTestId('policy-none')
      .waitFor({ timeout: 5_000 })
      .then(
        () => true,
        () => false,
      );
    if (shown) break;
    if (i >= 11) throw new Error('the policy tab did not show its pane after 12 clicks');
  }
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
});

describe('the policy editor cannot surprise (Chromium, RGW)', () => {
  it('a new statement starts empty and is refused until it names who and what; a prefix, the diff, save', async () => {
    const st = await addStatement();
    expect(await st.getByTestId('statement-principals').inputValue()).toBe('');
    expect(await st.getByTestId('statement-resources').inputValue()).toBe('');
    expect(await st.getAttribute('data-public')).toBe('false');
    expect(await problems(st).evaluateAll((els) => els.map((e) => e.getAttribute('data-field')))).toEqual([
      'principals',
      'actions',
      'resources',
    ]);
    expect(await problems(st).first().textContent()).toMatch(/Choose who this statement is for/);
    expect(await drawer().getByTestId('policy-review').isDisabled()).toBe(true);
    await drawer().getByTestId('policy-incomplete').waitFor();
    // An empty statement is not an invalid policy: it is said under the statement, not as an error.
    expect(await drawer().getByTestId('policy-problems').count()).toBe(0);

    // Who: the second user, picked as an account.
    await pickKind(st, 'root');
    await st.getByTestId('statement-principal-account').fill('tester2');
    await st.getByTestId('statement-principal-add').click();
    await expect.poll(() => st.getByTestId('statement-principals').inputValue()).toContain('tester2');
    await st.getByTestId('statement-group-read').click();
    await st.getByTestId('statement-group-list').click();
    await expect.poll(() => problems(st).count()).toBe(1);
    expect(await problems(st).first().getAttribute('data-field')).toBe('resources');
    expect(await drawer().getByTestId('policy-review').isDisabled()).toBe(true);

    // What: the prefix 2025/, which is everything under it; listing goes on the bucket by condition.
    await st.getByTestId('statement-resources').fill('2025/');
    await expect.poll(() => problems(st).count()).toBe(0);
    const sent = st.getByTestId('statement-sent-resource');
    await expect
      .poll(() => sent.allTextContents())
      .toEqual([`arn:aws:s3:::${BUCKET}/2025/*`, `arn:aws:s3:::${BUCKET}`]);
    expect(await st.getByTestId('statement-sent-condition').textContent()).toContain(
      '"s3:prefix":["2025/*"]',
    );

    expect(await user2('get', '2025/a.jpg')).toBe(403);
    await drawer().getByTestId('policy-review').click();
    const added = dialog().locator('[data-testid=policy-diff-line][data-op=add]');
    await added.first().waitFor();
    const text = (await added.allTextContents()).join('\n');
    expect(text).toContain(`"arn:aws:s3:::${BUCKET}/2025/*"`);
    expect(text).toContain('"s3:prefix"');
    expect(text).not.toContain(`"arn:aws:s3:::${BUCKET}/2025/"`);
    expect(await dialog().getByTestId('policy-public-warning').count()).toBe(0);
    // Nothing is written before the confirmation.
    expect(await user2('get', '2025/a.jpg')).toBe(403);
    await dialog().getByTestId('policy-save').click();
    await expect.poll(() => drawer().getByTestId('policy-version').count(), { timeout: 15_000 }).toBe(1);

    expect(await user2('get', '2025/a.jpg')).toBe(200);
    expect(await user2('get', '2025/deep/b.jpg')).toBe(200);
    expect(await user2('list', '2025/')).toBe(200);
    expect(await user2('list', '')).toBe(403);
    expect(await user2('get', '2024/c.jpg')).toBe(403);
    expect(await user2('get', 'top.txt')).toBe(403);
  }, 90_000);

  it('a statement for anyone is marked, and saving it needs an explicit confirmation', async () => {
    const st = await addStatement();
    await pickKind(st, 'all');
    await st.getByTestId('statement-principal-add').click();
    await expect.poll(() => st.getAttribute('data-public')).toBe('true');
    await st.getByTestId('statement-public').waitFor();
    await st.getByTestId('statement-group-read').click();
    await st.getByTestId('statement-resources').fill('public/');
    await expect.poll(() => problems(st).count()).toBe(0);

    await drawer().getByTestId('policy-review').click();
    await dialog().getByTestId('policy-public-warning').waitFor();
    expect(await dialog().getByTestId('policy-public-warning').textContent()).toContain(
      `arn:aws:s3:::${BUCKET}/public/*`,
    );
    const save = dialog().getByTestId('policy-save');
    expect(await save.isDisabled()).toBe(true);
    await dialog().getByTestId('policy-public-ack').click();
    await expect.poll(() => save.isDisabled()).toBe(false);
    expect(await anon('public/p.txt')).toBe(403);
    await save.click();
    await expect.poll(() => drawer().getByTestId('policy-version').count(), { timeout: 15_000 }).toBe(2);
    expect(await anon('public/p.txt')).toBe(200);
    expect(await anon('2025/a.jpg')).toBe(403);
  }, 90_000);

  it('Restore shows the diff first; cancel leaves the server as it is', async () => {
    // The older version (only the tester2 statement) would take the public one away.
    await drawer().getByTestId('policy-restore').nth(1).click();
    await dialog().waitFor();
    expect(await dialog().textContent()).toContain('Restore this version');
    const removed = dialog().locator('[data-testid=policy-diff-line][data-op=del]');
    await removed.first().waitFor();
    expect((await removed.allTextContents()).join('\n')).toContain(`arn:aws:s3:::${BUCKET}/public/*`);
    expect(await anon('public/p.txt')).toBe(200);
    await dialog().getByTestId('diff-cancel').click();
    await dialog().waitFor({ state: 'hidden' });
    expect(await anon('public/p.txt')).toBe(200);
    expect(await drawer().getByTestId('policy-version').count()).toBe(2);

    await drawer().getByTestId('policy-restore').nth(1).click();
    await dialog().getByTestId('policy-save').click();
    await expect.poll(() => anon('public/p.txt'), { timeout: 15_000 }).toBe(403);
    expect(await user2('get', '2025/a.jpg')).toBe(200);
    await expect.poll(() => drawer().getByTestId('policy-version').count()).toBe(3);
  }, 90_000);

  it('the bucket ACL: public-read asks first (cancel changes nothing), public-read-write must be typed', async () => {
    await drawer().locator('#tab-bucketAcl').click();
    const editor = drawer().locator('[data-testid=acl-editor][data-target=bucket]');
    await editor.waitFor();
    const confirm = page.getByTestId('acl-public-confirm');

    await editor.getByTestId('acl-canned-public-read').click();
    await editor.getByTestId('acl-save').click();
    await confirm.waitFor();
    expect(await confirm.getByTestId('acl-public-confirm-text').textContent()).toContain(
      `list every object in ${BUCKET}`,
    );
    await confirm.getByTestId('acl-public-confirm-cancel').click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await anon('')).toBe(403);

    await editor.getByTestId('acl-canned-public-read-write').click();
    await editor.getByTestId('acl-save').click();
    await confirm.waitFor();
    expect(await confirm.getAttribute('data-level')).toBe('write');
    expect(await confirm.getByTestId('acl-public-confirm-text').textContent()).toMatch(
      /upload, overwrite and delete/,
    );
    const ok = confirm.getByTestId('acl-public-confirm-ok');
    expect(await ok.isDisabled()).toBe(true);
    await confirm.getByTestId('acl-public-confirm-input').fill('not-the-bucket');
    expect(await ok.isDisabled()).toBe(true);
    await confirm.getByTestId('acl-public-confirm-input').fill(BUCKET);
    await expect.poll(() => ok.isDisabled()).toBe(false);
    await confirm.getByTestId('acl-public-confirm-cancel').click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await anon('')).toBe(403);

    await editor.getByTestId('acl-canned-public-read').click();
    await editor.getByTestId('acl-save').click();
    await confirm.getByTestId('acl-public-confirm-ok').click();
    await expect.poll(() => anon(''), { timeout: 15_000 }).toBe(200);
  }, 90_000);
  it('the object ACL: public-read asks first, naming the object; cancel changes nothing', async () => {
    await page.keyboard.press('Escape');
    await drawer().waitFor({ state: 'hidden' });
    await page.locator('[data-testid=object-row][data-key="top.txt"]').click();
    await page.getByTestId('permissions').click();
    const editor = drawer().locator('[data-testid=acl-editor][data-target=object]');
    await editor.waitFor();
    const confirm = page.getByTestId('acl-public-confirm');
    await editor.getByTestId('acl-canned-public-read').click();
    await editor.getByTestId('acl-save').click();
    await confirm.waitFor();
    expect(await confirm.getByTestId('acl-public-confirm-text').textContent()).toContain('read top.txt');
    await confirm.getByTestId('acl-public-confirm-cancel').click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await anon('top.txt')).toBe(403);
    await editor.getByTestId('acl-save').click();
    await confirm.getByTestId('acl-public-confirm-ok').click();
    await expect.poll(() => anon('top.txt'), { timeout: 15_000 }).toBe(200);
  }, 90_000);
});
