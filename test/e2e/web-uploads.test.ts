import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { addRgwAccount } from '../support/cli';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { startWebMode, type WebMode } from '../support/web-mode';

// Issue 10 §5 as a person does it: uploads another tool left unfinished show in the object
// browser's "Leftover uploads" dialog (this folder or the whole bucket) with their size so far,
// and Abort / Abort all (after a confirmation) remove them from the server.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `left-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-left-e2e-'));
const awsEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: AK,
  AWS_SECRET_ACCESS_KEY: SK,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
};

function aws(args: string[]) {
  const r = spawnSync('/usr/bin/aws', ['--endpoint-url', S3_ENDPOINT, 's3api', ...args, '--output', 'json'], {
    encoding: 'utf8',
    env: awsEnv,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}
const pendingKeys = () =>
  ((aws(['list-multipart-uploads', '--bucket', BUCKET])?.Uploads ?? []) as Array<{ Key: string }>)
    .map((u) => u.Key)
    .sort();

let browser: Browser;
let web: WebMode | undefined;
let page: Page;
let leftId: string;

const rows = () =>
  page.$$eval('[data-testid=leftover-row]', (els) => els.map((r) => r.getAttribute('data-key') ?? ''));

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, ['docs/readme.txt'], { body: 'hello' });
  await seeder.close();
  const part = join(home, 'part');
  writeFileSync(part, Buffer.alloc(3000, 7));
  leftId = aws(['create-multipart-upload', '--bucket', BUCKET, '--key', 'docs/big.iso']).UploadId;
  aws([
    'upload-part',
    '--bucket',
    BUCKET,
    '--key',
    'docs/big.iso',
    '--upload-id',
    leftId,
    '--part-number',
    '1',
    '--body',
    part,
  ]);
  aws(['create-multipart-upload', '--bucket', BUCKET, '--key', 'elsewhere.bin']);
  addRgwAccount(home);
  browser = await launchChromium();
  web = await startWebMode({ COSDESK_HOME: home });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(web.url);
}, 120_000);

afterAll(async () => {
  for (const u of (aws(['list-multipart-uploads', '--bucket', BUCKET])?.Uploads ?? []) as Array<{
    Key: string;
    UploadId: string;
  }>)
    aws(['abort-multipart-upload', '--bucket', BUCKET, '--key', u.Key, '--upload-id', u.UploadId]);
  spawnSync('/usr/bin/aws', ['s3', 'rb', `s3://${BUCKET}`, '--force', '--endpoint-url', S3_ENDPOINT], {
    env: awsEnv,
  });
  await web?.stop();
  await browser?.close();
});

describe('leftover uploads in web mode (Chromium)', () => {
  it('lists what another tool left under the folder and in the bucket; Abort and Abort all remove it', async () => {
    await page.locator('[data-testid=account-item][data-account-name="rgw"]').click();
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 20_000 });
    await bucketRow.dblclick();
    await page.locator('[data-testid=object-row][data-key="docs/"]').dblclick();
    await expect.poll(() => page.getByTestId('object-browser').getAttribute('data-prefix')).toBe('docs/');

    await page.getByTestId('leftover-uploads').click();
    const dialog = page.getByTestId('leftover-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect.poll(rows, { timeout: 20_000 }).toEqual(['docs/big.iso']);
    const row = page.locator('[data-testid=leftover-row][data-key="docs/big.iso"]');
    expect(await row.getAttribute('data-upload-id')).toBe(leftId);
    expect(await row.getAttribute('data-bytes')).toBe('3000');
    expect(await row.innerText()).toMatch(/2\.9 KB/);

    // The whole bucket shows the other one too.
    await page.getByTestId('leftover-scope-bucket').click();
    await expect.poll(rows, { timeout: 20_000 }).toEqual(['docs/big.iso', 'elsewhere.bin'].sort());

    // Abort one: a confirmation says the parts are thrown away; cancel keeps it.
    await row.getByTestId('leftover-abort').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expect.poll(() => confirm.innerText()).toMatch(/thrown away/);
    await page.getByTestId('confirm-cancel').click();
    expect(pendingKeys()).toEqual(['docs/big.iso', 'elsewhere.bin']);
    await row.getByTestId('leftover-abort').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(rows, { timeout: 20_000 }).toEqual(['elsewhere.bin']);
    expect(pendingKeys()).toEqual(['elsewhere.bin']);

    await page.getByTestId('leftover-abort-all').click();
    await expect.poll(() => confirm.innerText()).toMatch(/elsewhere\.bin/);
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('leftover-none').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(pendingKeys()).toEqual([]);
    await page.getByTestId('leftover-close').click();
    await expect.poll(() => dialog.count()).toBe(0);
  }, 120_000);
});
