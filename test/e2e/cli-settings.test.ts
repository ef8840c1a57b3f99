import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createProxy } from 'proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';

// The CLI takes the settings page's proxy from the data folder, and `--proxy` for one run.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];

function cosdesk(
  home: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args, ...conn], {
      env: {
        ...process.env,
        COSDESK_HOME: home,
        COSDESK_ACCOUNT: undefined,
        COSDESK_SECRET_ID: AK,
        COSDESK_SECRET_KEY: SK,
        COSDESK_MAX_ATTEMPTS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      done({ code, stdout, stderr });
    });
  });
}

describe('the CLI honours the proxy setting', () => {
  const connects: string[] = [];
  const proxy = createProxy(createServer());
  let port = 0;
  beforeAll(async () => {
    proxy.on('connect', (req) => connects.push(String(req.url)));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    port = (proxy.address() as AddressInfo).port;
  });
  afterAll(() => void proxy.close());

  it('lists buckets through the saved proxy; --proxy none goes direct for one run; --proxy URL overrides', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cosdesk-cli-settings-'));
    writeFileSync(
      join(home, 'settings.json'),
      JSON.stringify({ proxy: { mode: 'http', host: '127.0.0.1', port } }),
    );
    const viaSaved = await cosdesk(home, 'ls', '--json');
    expect(viaSaved.code, viaSaved.stderr).toBe(0);
    expect(connects.length).toBeGreaterThan(0);

    const n = connects.length;
    const direct = await cosdesk(home, '--proxy', 'none', 'ls', '--json');
    expect(direct.code, direct.stderr).toBe(0);
    expect(connects.length).toBe(n);

    // A proxy that is not there: the saved one is replaced for this run, and the error says so.
    const dead = await cosdesk(home, '--proxy', 'http://127.0.0.1:1', 'ls');
    expect(dead.code).not.toBe(0);
    expect(dead.stderr).toMatch(/Cannot reach the HTTP proxy 127\.0\.0\.1:1/);

    const other = mkdtempSync(join(tmpdir(), 'cosdesk-cli-settings-'));
    const viaFlag = await cosdesk(other, '--proxy', `http://127.0.0.1:${port}`, 'ls', '--json');
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect(connects.length).toBeGreaterThan(n);
  });
});
