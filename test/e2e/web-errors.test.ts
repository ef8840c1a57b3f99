import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { APPID, REGION, getFederationToken, rgwEnv, startGateway } from '../conformance/helpers';
import type { CosGateway } from '../cos-gateway/server';
import { cosAccount } from '../integration/storage/helpers';
import { runCli } from '../support/cli';
import { startDateProxy } from '../support/date-proxy';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import type { WebMode } from '../support/web-mode';
import {
  addS3Account,
  openAccount as openWebAccount,
  startWebApp,
  stopWebApp,
  tempHome,
  uniqueName,
} from '../support/web-app';

// Issue 11 item 8 in the UI (web mode, Chromium): failures produced for real against RGW are
// told apart (a kind line and what to do), and a browse that gets no answer can be cancelled,
// times out (a short timeout for this test) with a clear message, and Retry lists it.
const { S3_ENDPOINT, AK, SK, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2');
const BUCKET = uniqueName('errors');
const home = tempHome('errors');

let browser: Browser;
let web: WebMode | undefined;
let page: Page;
let stall: FaultProxy;
let skew: Awaited<ReturnType<typeof startDateProxy>>;
let gw: CosGateway;
/** When the COS gateway's temporary key (1 s of life) has run out, in Unix seconds. */
let tokenEnd = 0;

const status = () => page.getByTestId('listing-status');
const alert = () => page.getByTestId('browser-error');

const openAccount = (name: string) => openWebAccount(page, name);

async function openByName(bucket: string): Promise<string> {
  await page.getByTestId('open-bucket-by-name').click();
  await page.getByTestId('bucket-name-input').fill(bucket);
  await page.getByTestId('confirm-ok').click();
  const err = page.getByTestId('bucket-dialog-error');
  await err.waitFor({ timeout: 30_000 });
  const text = (await err.textContent()) ?? '';
  await page.keyboard.press('Escape');
  return text;
}

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK), 1);
  try {
    await seeder.createBucket(BUCKET);
    await seeder.putMany(BUCKET, ['a.txt', 'b.txt'], { body: 'x' });
  } finally {
    await seeder.close();
  }
  stall = await startFaultProxy(S3_ENDPOINT);
  skew = await startDateProxy(S3_ENDPOINT, 2 * 3600_000);
  addS3Account(home, 'wrong', S3_ENDPOINT, AK, 'not-the-secret');
  addS3Account(home, 'user2', S3_ENDPOINT, AK2, SK2);
  addS3Account(home, 'skew', skew.url, AK, SK);
  addS3Account(home, 'stall', stall.url, AK, SK);

  // A COS account on a temporary key of one second from the COS gateway's STS.
  const env = rgwEnv();
  gw = await startGateway(env);
  const c = new StorageClient(cosAccount(gw.port, env.ak, env.sk));
  try {
    await (await c.request({ method: 'PUT', bucket: `${BUCKET}-${APPID}` })).body.dump();
  } finally {
    await c.close();
  }
  const { Response: r } = await getFederationToken(gw, env.ak, env.sk, {
    Name: 'web-errors',
    DurationSeconds: 1,
  });
  if (r.Error) throw new Error(JSON.stringify(r.Error));
  tokenEnd = r.ExpiredTime;
  const add = runCli(
    home,
    [
      'accounts',
      'add',
      '--kind',
      'cos',
      '--name',
      'expired',
      '--endpoint',
      `http://{bucket}.cos.{region}.localhost:${gw.port}`,
      '--service-endpoint',
      `http://service.cos.localhost:${gw.port}`,
      '--region',
      REGION,
      '--app-id',
      APPID,
      '--secret-id',
      r.Credentials.TmpSecretId,
    ],
    { COSDESK_SECRET_KEY: r.Credentials.TmpSecretKey, COSDESK_TOKEN: r.Credentials.Token },
  );
  if (add.status !== 0) throw new Error(`cosdesk accounts add expired failed: ${add.stderr}`);
  // One attempt and 8 s of silence at most, so the test need not wait minutes for a timeout.
  ({ browser, web } = await startWebApp(home, { COSDESK_TIMEOUT_MS: '8000', COSDESK_MAX_ATTEMPTS: '1' }));
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(web.url);
}, 180_000);

afterAll(async () => {
  await stopWebApp({ web, browser });
  await stall?.close();
  await skew?.close();
  await gw?.close();
});

describe('errors that say what happened (web mode, Chromium, RGW)', () => {
  it('a wrong secret: the bucket list says the key may not list buckets or is wrong; opening by name says the credentials', async () => {
    await openAccount('wrong');
    const list = page.getByTestId('buckets-error');
    await list.waitFor({ timeout: 30_000 });
    expect(await list.getAttribute('data-kind')).toBe('listDenied');
    expect(await list.getByTestId('error-kind').textContent()).toMatch(/may not list buckets/);
    expect(await list.textContent()).toMatch(
      /may not list buckets: open a bucket by name, or ask for ListBuckets/,
    );
    expect(await openByName(BUCKET)).toMatch(/the secret key is wrong, or the key id is unknown/);
  });

  it('user2 on user1’s bucket: access denied, the key is valid, ask the owner (not "the secret key is wrong")', async () => {
    await openAccount('user2');
    await page.getByTestId('bucket-list').waitFor();
    const text = await openByName(BUCKET);
    expect(text).toMatch(/Access denied "errors-[^"]+": the key is valid, but .* Ask the bucket's owner/);
    expect(text).not.toMatch(/secret key is wrong/);
  });

  it('a temporary key past its life (COS gateway STS): the token expired, mint or paste fresh keys', async () => {
    const until = Date.now() + 15_000;
    while (Date.now() / 1000 <= tokenEnd + 1 && Date.now() < until)
      await new Promise((d) => setTimeout(d, 250));
    await openAccount('expired');
    const list = page.getByTestId('buckets-error');
    await expect.poll(() => list.getAttribute('data-kind'), { timeout: 30_000 }).toBe('expiredToken');
    expect(await list.getByTestId('error-kind').textContent()).toMatch(/Temporary key expired/);
    expect(await list.textContent()).toMatch(/Mint fresh temporary keys, or paste new ones/);
    expect(await list.textContent()).not.toMatch(/secret key is wrong/);
  });

  it('a server whose Date is 2 hours off: the clock is off, by how much', async () => {
    await openAccount('skew');
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 30_000 });
    await bucketRow.dblclick();
    await alert().waitFor({ timeout: 30_000 });
    expect(await alert().getAttribute('data-kind')).toBe('clockSkew');
    expect(await alert().getByTestId('error-kind').textContent()).toMatch(/clock is off/);
    expect(await alert().textContent()).toMatch(
      /This computer's clock is 2 hours behind the server's.* Fix the clock/,
    );
  });

  it('a listing that gets no answer: Cancel while loading, a timeout with what to do, and Retry', async () => {
    stall.add({
      kind: 'stall',
      seconds: 600,
      count: Infinity,
      when: (r) => r.method === 'GET' && r.url.startsWith(`/${BUCKET}`),
    });
    await openAccount('stall');
    const bucketRow = page.locator(`[data-testid=bucket-row][data-bucket="${BUCKET}"]`);
    await bucketRow.waitFor({ timeout: 30_000 });
    await bucketRow.dblclick();

    // Loading shows progress and a Cancel button; Cancel stops it.
    await expect.poll(() => status().getAttribute('data-state')).toBe('loading');
    await page.getByTestId('listing-cancel').click();
    await expect.poll(() => status().getAttribute('data-state')).toBe('cancelled');
    expect(await status().textContent()).toMatch(/Listing cancelled after 0 items/);

    // Listed again, the silence ends in a timeout that says so and what to do.
    await page.getByTestId('refresh').click();
    await expect.poll(() => status().getAttribute('data-state'), { timeout: 60_000 }).toBe('error');
    expect(await alert().getAttribute('data-kind')).toBe('timeout');
    expect(await alert().getByTestId('error-kind').textContent()).toMatch(/No answer \(timeout\)/);
    expect(await alert().textContent()).toMatch(
      /did not answer in time \(timeout\)\. Check your network, proxy/,
    );

    // The server answers again: Retry lists the folder.
    stall.clear();
    await alert().getByTestId('retry').click();
    await expect.poll(() => status().getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    expect(await status().getAttribute('data-count')).toBe('2');
  });
});
