import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngineLock, type EngineLock } from '../../src-main/data-lock';
import { requireEnv } from '../support/main';

// One owner of a data folder's transfer queue: the built CLI as a user runs it, real
// processes on one COSDESK_HOME, against RGW on loopback.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');

type Env = Record<string, string | undefined>;
const home = () => mkdtempSync(join(tmpdir(), 'cosdesk-lock-'));
const unique = () => `lock-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
// Ad-hoc account (no keychain) and a generous response deadline: the throttled upload below
// takes about half a minute.
const adHoc = (dir: string): Env => ({
  COSDESK_HOME: dir,
  COSDESK_ACCOUNT: undefined,
  COSDESK_SECRET_ID: AK,
  COSDESK_SECRET_KEY: SK,
  COSDESK_TOKEN: undefined,
  COSDESK_TIMEOUT_MS: '600000',
});
const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];

function cosdesk(args: string[], env: Env) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * `cosdesk(...)` without blocking this process: where this test process holds the lock itself,
 * a spawnSync would stop it refreshing the lock, and on a busy machine the lock would go stale
 * (and be taken over) before the child looked at it.
 */
async function cosdeskAsync(args: string[], env: Env, script = BIN) {
  const r = start(args, env, script);
  const code = await exitOf(r);
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

function start(args: string[], env: Env, script = BIN): Running {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `check` every 100 ms until it holds; fails after `ms` (generous: a busy machine). */
async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Exit code within a bound; kills the process on timeout so no test leaves one behind. */
async function exitOf(r: Running, ms = 120_000): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      r.child.kill('SIGKILL');
      fail(new Error(`process did not exit in ${ms} ms:\n${r.stderr()}`));
    }, ms);
  });
  try {
    return await Promise.race([r.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const owner = (dir: string) => {
  const p = join(dir, 'transfers', 'engine.owner.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { pid: number; kind: string }) : undefined;
};
const journalIno = (dir: string) => statSync(join(dir, 'transfers', 'journal.jsonl')).ino;

function oneLineError(r: { code: number | null; stderr: string }, re: RegExp) {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cosdesk: /);
  expect(lines[0]).toMatch(re);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const B = unique();
const files = mkdtempSync(join(tmpdir(), 'cosdesk-lock-files-'));
const big = join(files, 'big.bin');
const small = join(files, 'small.txt');
const children: Running[] = [];

beforeAll(() => {
  writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 7));
  writeFileSync(small, 'small\n');
  const mb = cosdesk(['mb', `s3://${B}`, ...conn], adHoc(home()));
  expect(mb.code, mb.stderr).toBe(0);
});

afterAll(() => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
});

describe('one process at a time runs the transfer queue of a data folder', () => {
  const dir = home();
  const env = adHoc(dir);
  let first: Running;
  let ino: number;

  it('a running cp holds the lock and says who it is', async () => {
    // ~3 MiB at 100 KiB/s: about 30 s, long enough for everything below to happen meanwhile.
    first = start(['cp', big, `s3://${B}/big.bin`, '--limit-rate', '100k', ...conn], env);
    children.push(first);
    await until('the first cp to take the lock', () => owner(dir)?.pid === first.child.pid);
    // The lock comes first, then the journal (the saved settings are read in between).
    await until('the first cp to open its journal', () =>
      existsSync(join(dir, 'transfers', 'journal.jsonl')),
    );
    expect(owner(dir)).toMatchObject({ pid: first.child.pid, kind: 'cli' });
    expect(statSync(join(dir, 'transfers', 'engine.lock')).isDirectory()).toBe(true);
    ino = journalIno(dir);
  });

  it('a second cp with --no-wait refuses, naming the first, and leaves its journal alone', () => {
    const r = cosdesk(['cp', small, `s3://${B}/refused.txt`, '--no-wait', ...conn], env);
    oneLineError(
      r,
      new RegExp(
        `Another cosdesk transfer \\(pid ${first.child.pid}\\b.*is running on the transfer queue in `,
      ),
    );
    expect(r.stderr).toContain(dir);
    expect(first.child.exitCode).toBe(null);
    expect(journalIno(dir)).toBe(ino);
  });

  it('transfers list shows the running job and leaves the journal inode unchanged', async () => {
    // Read-only: it neither takes the lock nor writes the journal (--no-wait: were it to
    // want the lock, it fails here rather than wait for the first cp to finish).
    const list = cosdesk(['transfers', 'list', '--json', '--no-wait', ...conn], env);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain('big.bin');
    expect(journalIno(dir)).toBe(ino);
  });

  it('a second cp waits, saying for whom, and goes on once the holder is killed (kill -9)', async () => {
    const second = start(['cp', small, `s3://${B}/waited.txt`, ...conn], env);
    children.push(second);
    await until('the waiting message', () =>
      second.stderr().includes(`waiting for another cosdesk transfer (pid ${first.child.pid}) to finish`),
    );
    expect(first.child.exitCode).toBe(null);
    // The waiting process has not opened (and so not rewritten) the journal.
    expect(journalIno(dir)).toBe(ino);
    expect(owner(dir)?.pid).toBe(first.child.pid);

    // A crash leaves the lock behind; it goes stale (10 s) and the waiting cp takes it over.
    first.child.kill('SIGKILL');
    await first.exited;
    const code = await exitOf(second);
    expect(code, second.stderr()).toBe(0);
    expect(second.stdout()).toMatch(/Transferred/);
    const st = cosdesk(['stat', `s3://${B}/waited.txt`, '--json', ...conn], env);
    expect(st.code, st.stderr).toBe(0);
    // The lock went with the process that exited normally.
    expect(existsSync(join(dir, 'transfers', 'engine.lock'))).toBe(false);
    expect(owner(dir)).toBe(undefined);
  }, 240_000);
});

describe('a running app or web mode owns the queue', () => {
  let held: EngineLock | undefined;
  afterAll(async () => held?.release());

  it('the CLI refuses a running desktop app with who, where and what to do, exit 1', async () => {
    const dir = home();
    // This test process stands in for the app (an Electron binary cannot run here).
    held = await acquireEngineLock(dir, { kind: 'app' });
    const r = await cosdeskAsync(['cp', small, `s3://${B}/app.txt`, ...conn], adHoc(dir));
    oneLineError(
      r,
      new RegExp(
        `cosdesk \\(the desktop app, pid ${process.pid}\\) is running and owns the transfer queue in .*\\. Quit it, or add the transfer there\\.`,
      ),
    );
    // Nothing that moves no bytes needs the queue: ls still works while the app runs.
    const ls = await cosdeskAsync(['ls', `s3://${B}`, ...conn], adHoc(dir));
    expect(ls.code, ls.stderr).toBe(0);
    await held.release();
    held = undefined;
    const again = cosdesk(['cp', small, `s3://${B}/app.txt`, ...conn], adHoc(dir));
    expect(again.code, again.stderr).toBe(0);
  });

  it('web mode refuses to start while another process runs the queue, and says who', async () => {
    const dir = home();
    held = await acquireEngineLock(dir, { kind: 'cli' });
    const r = await cosdeskAsync(['--port', '0'], { COSDESK_HOME: dir }, resolve('out/main/web.js'));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Another cosdesk transfer \\(pid ${process.pid}\\b`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toMatch(/token=/);
  });

  it('the CLI refuses a running web mode', async () => {
    await held?.release();
    held = undefined;
    const dir = home();
    const w = spawn(process.execPath, [resolve('out/main/web.js'), '--port', '0'], {
      env: { ...process.env, COSDESK_HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    w.stdout.on('data', (c) => (out += c));
    try {
      await until('web mode to start', () => /token=/.test(out));
      const r = cosdesk(['cp', small, `s3://${B}/web.txt`, ...conn], adHoc(dir));
      oneLineError(
        r,
        new RegExp(
          `cosdesk web mode \\(pid ${w.pid}\\) is running and owns the transfer queue in .*\\. Stop it`,
        ),
      );
    } finally {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('close', r));
    }
  });
});

describe('a crashed holder', () => {
  it('web mode started right after a kill -9 of the holder waits for its lock to go stale, then runs', async () => {
    const dir = home();
    const holder = start(['cp', big, `s3://${B}/crashed.bin`, '--limit-rate', '100k', ...conn], adHoc(dir));
    children.push(holder);
    await until('the cp to take the lock', () => owner(dir)?.pid === holder.child.pid);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const w = spawn(process.execPath, [resolve('out/main/web.js'), '--port', '0'], {
      env: { ...process.env, COSDESK_HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    w.stdout.on('data', (c) => (out += c));
    w.stderr.on('data', (c) => (err += c));
    try {
      await until(`web mode to start:\n${err}`, () => /token=/.test(out) || w.exitCode !== null);
      expect(w.exitCode, err).toBe(null);
      expect(owner(dir)).toMatchObject({ pid: w.pid, kind: 'web' });
    } finally {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('close', r));
    }
  }, 240_000);
});

describe('accounts', () => {
  it('8 concurrent `accounts add` keep all 8', async () => {
    const dir = home();
    const adds = Array.from({ length: 8 }, (_, i) =>
      start(
        [
          'accounts',
          'add',
          '--kind',
          's3',
          '--name',
          `acc${i}`,
          '--endpoint',
          S3_ENDPOINT,
          '--region',
          'us-east-1',
          '--path-style',
          '--secret-id',
          AK,
        ],
        { COSDESK_HOME: dir, COSDESK_SECRET_ID: undefined, COSDESK_SECRET_KEY: SK },
      ),
    );
    children.push(...adds);
    for (const a of adds) expect(await exitOf(a), a.stderr()).toBe(0);
    const list = cosdesk(['accounts', 'list', '--json'], {
      COSDESK_HOME: dir,
      COSDESK_SECRET_KEY: undefined,
    });
    expect(list.code, list.stderr).toBe(0);
    const names = (JSON.parse(list.stdout).accounts as Array<{ name: string }>).map((a) => a.name).sort();
    expect(names).toEqual(Array.from({ length: 8 }, (_, i) => `acc${i}`));
    // Clean the keychain of this test's secrets.
    for (const n of names) cosdesk(['accounts', 'remove', n], { COSDESK_HOME: dir });
  }, 240_000);
});
