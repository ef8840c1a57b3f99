import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { requireEnv } from '../support/main';
import { startWebMode, type WebMode } from '../support/web-mode';

// Bad input end to end: each failure gives a clear message in the UI and in the CLI, and
// neither crashes. Faults come from the real RGW (wrong secret, unknown bucket) and from
// small local servers (a refused port, one that never answers, one that answers garbage).
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BIN = resolve('bin/cosdesk.js');
const FAST = { COSDESK_TIMEOUT_MS: '1500', COSDESK_MAX_ATTEMPTS: '1' };

let hang: Server;
let garbage: Server;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-bad-'));
let web: WebMode;
let browser: Browser;
let page: Page;

function listen(server: Server): Promise<string> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

// Asynchronous on purpose: the fault servers live in this process and must keep answering.
function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...FAST, COSDESK_HOME: home, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

const cases: { name: string; endpoint: () => string; secret: string; expect: RegExp }[] = [
  {
    name: 'wrong-secret',
    endpoint: () => S3_ENDPOINT,
    secret: 'not-the-secret',
    expect: /secret key is wrong/,
  },
  { name: 'refused', endpoint: () => 'http://127.0.0.1:1', secret: SK, expect: /connection was refused/ },
  { name: 'timeout', endpoint: () => hangUrl, secret: SK, expect: /did not answer in time/ },
  { name: 'garbage', endpoint: () => garbageUrl, secret: SK, expect: /not valid XML/ },
];
let hangUrl = '';
let garbageUrl = '';

beforeAll(async () => {
  hang = createServer(() => undefined);
  garbage = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end('<<<this is not <xml');
  });
  hangUrl = await listen(hang);
  garbageUrl = await listen(garbage);
  for (const c of [...cases, { name: 'good', endpoint: () => S3_ENDPOINT, secret: SK }]) {
    const add = await cli(
      [
        'accounts',
        'add',
        '--kind',
        's3',
        '--name',
        c.name,
        '--endpoint',
        c.endpoint(),
        '--path-style',
        '--secret-id',
        AK,
      ],
      { COSDESK_SECRET_KEY: c.secret },
    );
    expect(add.code, add.stderr).toBe(0);
  }
  web = await startWebMode({ COSDESK_HOME: home, ...FAST });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(web.url);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  hang?.closeAllConnections();
  hang?.close();
  garbage?.close();
});

describe('bad input', () => {
  it.each(cases)('CLI: $name gives a one-line reason and exit 1', async (c) => {
    const r = await cli(['ls', 's3://', '--account', c.name]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cosdesk: /);
    expect(r.stderr).toMatch(c.expect);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('CLI: an unknown bucket is named as missing', async () => {
    const r = await cli(['ls', 's3://no-such-bucket-here/', '--account', 'good']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no-such-bucket-here/);
    expect(r.stderr).toMatch(/does not exist/i);
  });

  it.each(cases)('UI: $name shows its message in the bucket view, and the app stays usable', async (c) => {
    await page.locator(`[data-testid=account-item][data-account-name="${c.name}"]`).click();
    const alert = page.getByTestId('buckets-error');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toMatch(c.expect);
    // Still responsive: the settings tab opens and the retry button is there.
    expect(await alert.getByTestId('retry').isVisible()).toBe(true);
  });

  it('UI: opening an unknown bucket by name says it does not exist', async () => {
    await page.locator('[data-testid=account-item][data-account-name="good"]').click();
    await page.getByTestId('open-bucket-by-name').click();
    await page.getByTestId('bucket-name-input').fill('no-such-bucket-here');
    await page.getByTestId('confirm-ok').click();
    const err = page.getByTestId('bucket-dialog-error');
    await err.waitFor({ timeout: 20_000 });
    expect(await err.textContent()).toMatch(/no bucket named "no-such-bucket-here"|does not exist/i);
  });
});
