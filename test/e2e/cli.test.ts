import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';

// The built CLI (npm run build), as a user runs it: `npx cosdesk` -> bin/cosdesk.js.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');

function cosdesk(args: string[], env: Record<string, string | undefined> = {}, input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    input,
    timeout: 60_000,
    env: {
      ...process.env,
      COSDESK_SECRET_ID: undefined,
      COSDESK_SECRET_KEY: undefined,
      COSDESK_TOKEN: undefined,
      ...env,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function home() {
  return mkdtempSync(join(tmpdir(), 'cosdesk-cli-'));
}

const s3Add = (name: string) => [
  'accounts',
  'add',
  '--kind',
  's3',
  '--name',
  name,
  '--endpoint',
  S3_ENDPOINT,
  '--region',
  'us-east-1',
  '--path-style',
  '--secret-id',
  AK,
];

describe('cosdesk CLI', () => {
  it('adds, lists, tests and removes an account; the secret stays in the keychain', () => {
    const dir = home();
    const env = { COSDESK_HOME: dir };
    const add = cosdesk([...s3Add('rgw'), '--json'], { ...env, COSDESK_SECRET_KEY: SK });
    expect(add.code, add.stderr).toBe(0);
    const { account } = JSON.parse(add.stdout);
    expect(account).toMatchObject({ kind: 's3', name: 'rgw', secretStorage: 'keychain' });
    expect(readFileSync(join(dir, 'accounts.json'), 'utf8')).not.toContain(SK);

    const list = cosdesk(['accounts', 'list', '--json'], env);
    expect(JSON.parse(list.stdout).accounts.map((a: { id: string }) => a.id)).toEqual([account.id]);
    expect(list.stdout).not.toContain(SK);
    const human = cosdesk(['accounts', 'list'], env);
    expect(human.stdout).toMatch(/rgw\s+s3\s+AKID…0001/);

    const test = cosdesk(['accounts', 'test', 'rgw'], env);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/^Connection OK/);

    const rm = cosdesk(['accounts', 'remove', account.id], env);
    expect(rm.code).toBe(0);
    expect(JSON.parse(cosdesk(['accounts', 'list', '--json'], env).stdout).accounts).toEqual([]);
  });

  it('reads the secret from stdin when piped', () => {
    const env = { COSDESK_HOME: home() };
    const add = cosdesk(s3Add('piped'), env, `${SK}\n`);
    expect(add.code, add.stderr).toBe(0);
    expect(cosdesk(['accounts', 'test', 'piped'], env).code).toBe(0);
  });

  it('says the secret key is wrong, in one line, with a non-zero exit', () => {
    const env = { COSDESK_HOME: home() };
    expect(cosdesk(s3Add('bad'), { ...env, COSDESK_SECRET_KEY: 'not-the-secret' }).code).toBe(0);
    const r = cosdesk(['accounts', 'test', 'bad'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cosdesk: .*secret key.*wrong/i);
    const j = cosdesk(['accounts', 'test', 'bad', '--json'], env);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'STORAGE' } });
  });

  it('runs without a stored account from flags and COSDESK_* variables', () => {
    const env = { COSDESK_HOME: home(), COSDESK_SECRET_ID: AK, COSDESK_SECRET_KEY: SK };
    const ok = cosdesk(
      ['accounts', 'test', 's3://', '--endpoint', S3_ENDPOINT, '--path-style', '--json'],
      env,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const wrong = cosdesk(['accounts', 'test', 's3://', '--endpoint', S3_ENDPOINT, '--path-style'], {
      ...env,
      COSDESK_SECRET_KEY: 'wrong',
    });
    expect(wrong.code).toBe(1);
    const none = cosdesk(['accounts', 'test', 's3://', '--endpoint', S3_ENDPOINT], { COSDESK_HOME: home() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/COSDESK_SECRET_ID and COSDESK_SECRET_KEY/);
  });

  it('explains a missing keychain and can keep the secret for this session only', () => {
    const dir = home();
    const noBus = {
      COSDESK_HOME: dir,
      COSDESK_SECRET_KEY: SK,
      DBUS_SESSION_BUS_ADDRESS: undefined,
      DISPLAY: undefined,
    };
    const r = cosdesk(s3Add('nokeychain'), noBus);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/keychain is not available: .*D-Bus/);
    expect(r.stderr).toMatch(/session only/);
    const s = cosdesk([...s3Add('nokeychain'), '--session-only', '--json'], noBus);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).account.secretStorage).toBe('session');
    expect(readFileSync(join(dir, 'accounts.json'), 'utf8')).not.toContain(SK);
    // The next process has no such session: the account is listed, its secret is missing.
    const list = cosdesk(['accounts', 'list', '--json'], noBus);
    expect(JSON.parse(list.stdout).accounts[0].secretStorage).toBe('missing');
  });

  it('answers bad usage with exit 2 and a one-line reason', () => {
    const r = cosdesk(['accounts', 'frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^cosdesk: /);
    const bad = cosdesk(
      ['accounts', 'add', '--kind', 's3', '--name', 'x', '--secret-id', 'AK', '--endpoint', 'ftp://x'],
      {
        COSDESK_HOME: home(),
        COSDESK_SECRET_KEY: 'k',
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/endpoint: must be an http/);
  });
});
