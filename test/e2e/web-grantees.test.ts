import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { StorageError } from '../../src-main/storage/errors';
import { startCosGateway, type CosGateway } from '../cos-gateway/server';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { startWebMode, type WebMode } from '../support/web-mode';
import { APPID, COS_REGION, UIN1, UIN2, cosAccount } from '../integration/storage/helpers';

// Issue 11 in the UI: the ACL editor and the policy statement ask who a grant is for (another
// root account, a sub-account, anyone, authenticated users) and show the CAM id before saving.
// A COS account in web mode, through the strict COS gateway in front of RGW.
const { S3_ENDPOINT, AK, SK, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2');
const BUCKET = `grantee-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}-${APPID}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-grantee-e2e-'));

let gw: CosGateway;
let browser: Browser;
let web: WebMode | undefined;
let page: Page;

const drawer = () => page.getByTestId('permissions-drawer');

/** What tester2 (root account 100000000002) really gets when listing the bucket. */
async function user2Lists(): Promise<number> {
  const c = new StorageClient(cosAccount(gw.port, AK2, SK2), { maxAttempts: 1 });
  try {
    const r = await c.request({ method: 'GET', bucket: BUCKET, query: { prefix: '' } });
    await r.body.dump();
    return r.status;
  } catch (e) {
    if (e instanceof StorageError && e.status !== undefined) return e.status;
    throw e;
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  gw = await startCosGateway({
    port: 0,
    s3Endpoint: S3_ENDPOINT,
    users: [
      { secretId: AK, secretKey: SK, uin: UIN1 },
      { secretId: AK2, secretKey: SK2, uin: UIN2 },
    ],
  });
  const owner = new StorageClient(cosAccount(gw.port, AK, SK));
  try {
    await (await owner.request({ method: 'PUT', bucket: BUCKET })).body.dump();
    await (await owner.request({ method: 'PUT', bucket: BUCKET, key: 'a.txt', body: 'a' })).body.dump();
  } finally {
    await owner.close();
  }
  const add = spawnSync(
    process.execPath,
    [
      resolve('bin/cosdesk.js'),
      'accounts',
      'add',
      '--kind',
      'cos',
      '--name',
      'gw',
      '--endpoint',
      `http://{bucket}.cos.{region}.localhost:${gw.port}`,
      '--service-endpoint',
      `http://service.cos.localhost:${gw.port}`,
      '--region',
      COS_REGION,
      '--app-id',
      APPID,
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
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(web.url);
  await page.locator('[data-testid=account-item][data-account-name="gw"]').click();
  const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
  await bucketRow.waitFor({ timeout: 20_000 });
  await bucketRow.dblclick();
  await page.locator('[data-testid=object-row][data-key="a.txt"]').waitFor();
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await browser?.close();
  const owner = gw ? new StorageClient(cosAccount(gw.port, AK, SK)) : undefined;
  try {
    await (await owner?.request({ method: 'DELETE', bucket: BUCKET, key: 'a.txt' }))?.body.dump();
    await (await owner?.request({ method: 'DELETE', bucket: BUCKET }))?.body.dump();
  } catch {
    // best effort
  } finally {
    await owner?.close();
    await gw?.close();
  }
});

describe('who a grant is for (Chromium, COS through the strict gateway)', () => {
  it('the ACL editor asks which kind of grantee, shows the CAM id, and the grant really works', async () => {
    expect(await user2Lists()).toBe(403);
    await page.getByTestId('permissions').click();
    const editor = drawer().locator('[data-testid=acl-editor][data-target=bucket]');
    await editor.waitFor();
    await editor.getByTestId('acl-add-grant').click();
    const row = editor.getByTestId('acl-grant-row').last();

    // The kinds on offer, the sub-account one naming the bucket owner.
    await row.getByTestId('acl-grant-kind').click();
    const options = page.locator('.el-select-dropdown__item:visible');
    await expect
      .poll(() => options.allTextContents())
      .toEqual(['Another root account', `A sub-account of ${UIN1}`, 'Anyone', 'Authenticated users']);
    await page.getByTestId('acl-grant-kind-sub').click();
    await row.getByTestId('acl-grant-sub').fill('100000000011');
    await expect
      .poll(() => row.getByTestId('acl-grant-preview').textContent())
      .toBe(`qcs::cam::uin/${UIN1}:uin/100000000011`);

    await row.getByTestId('acl-grant-kind').click();
    await page.getByTestId('acl-grant-kind-authenticated').click();
    await expect
      .poll(() => row.getByTestId('acl-grant-preview').textContent())
      .toBe('http://cam.qcloud.com/groups/global/AuthenticatedUsers');

    await row.getByTestId('acl-grant-kind').click();
    await page.getByTestId('acl-grant-kind-root').click();
    await row.getByTestId('acl-grant-id').fill(UIN2);
    await expect
      .poll(() => row.getByTestId('acl-grant-preview').textContent())
      .toBe(`qcs::cam::uin/${UIN2}:uin/${UIN2}`);
    await editor.getByTestId('acl-save').click();
    await expect.poll(() => user2Lists(), { timeout: 10_000 }).toBe(200);
    await page.keyboard.press('Escape');
    await drawer().waitFor({ state: 'hidden' });
  });

  it('a policy statement picks its principal the same way and shows what is sent', async () => {
    await page.getByTestId('permissions').click();
    await drawer().locator('#tab-policy').click();
    await drawer().getByTestId('policy-add-statement').click();
    const statement = drawer().getByTestId('policy-statement').last();
    await statement.waitFor();
    const picker = statement.getByTestId('statement-principal-picker');
    await picker.getByTestId('statement-principal-account').fill(UIN2);
    await expect
      .poll(() => picker.getByTestId('statement-principal-preview').textContent())
      .toBe(`qcs::cam::uin/${UIN2}:uin/${UIN2}`);
    await picker.getByTestId('statement-principal-add').click();
    const principals = statement.getByTestId('statement-principals');
    await expect.poll(() => principals.inputValue()).toContain(UIN2);
    await expect
      .poll(() => statement.getByTestId('statement-principals-resolved').textContent())
      .toContain(`qcs::cam::uin/${UIN2}:uin/${UIN2}`);
    await page.keyboard.press('Escape');
  });
});
