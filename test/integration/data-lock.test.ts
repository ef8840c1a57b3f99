import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountRegistry } from '../../src-main/accounts/registry';
import { acquireEngineLock, engineHolder, engineLockPaths, isQueueBusy } from '../../src-main/data-lock';
import type { Logger } from '../../src-main/log';
import { TransfersService } from '../../src-main/transfers/service';

const dataDir = () => mkdtempSync(join(tmpdir(), 'cosdesk-lock-'));

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the transfer queue lock', () => {
  it('takes over the lock a crashed process left, once it is stale, and says what it waits for', async () => {
    const dir = dataDir();
    const p = engineLockPaths(dir);
    // What kill -9 leaves: the lock directory, no longer refreshed, and the owner file.
    mkdirSync(p.lock, { recursive: true });
    const pid = deadPid();
    writeFileSync(
      p.owner,
      JSON.stringify({ pid, kind: 'app', since: new Date().toISOString(), host: hostname() }),
    );
    const waits: string[] = [];
    // wait: false refuses a running holder, not one that has ended.
    const lock = await acquireEngineLock(dir, { kind: 'web', onWait: (m) => waits.push(m) });
    expect(waits).toEqual([expect.stringContaining(`cosdesk (pid ${pid}), which has ended`)]);
    expect(JSON.parse(readFileSync(p.owner, 'utf8'))).toMatchObject({ pid: process.pid, kind: 'web' });
    expect(await engineHolder(dir)).toMatchObject({ pid: process.pid, kind: 'web' });
    await lock.release();
    expect(existsSync(p.lock)).toBe(false);
    expect(existsSync(p.owner)).toBe(false);
    expect(await engineHolder(dir)).toBe(undefined);
  }, 60_000);

  it('takes an old lock at once when its mtime is past the stale window', async () => {
    const dir = dataDir();
    const p = engineLockPaths(dir);
    mkdirSync(p.lock, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(p.lock, old, old);
    const waits: string[] = [];
    const lock = await acquireEngineLock(dir, { kind: 'cli', onWait: (m) => waits.push(m) });
    expect(waits).toEqual([]);
    await lock.release();
  });

  it('one engine per data folder, in one process too; the next call tries again', async () => {
    const dir = dataDir();
    const resolveAccount = async () => {
      throw new Error('no account needed');
    };
    const a = new TransfersService({ dataDir: dir, resolveAccount });
    const b = new TransfersService({ dataDir: dir, resolveAccount, lock: { kind: 'cli', wait: true } });
    await a.engine();
    const refused = await b.engine().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isQueueBusy(refused)).toBe(true);
    expect((refused as Error).message).toMatch(
      /Another cosdesk transfer \(pid \d+, since .*\) is running on/,
    );
    await a.close();
    await b.engine();
    expect(await engineHolder(dir)).toMatchObject({ pid: process.pid, kind: 'cli' });
    await b.close();
    expect(await engineHolder(dir)).toBe(undefined);
  });

  it('a process whose lock was taken away stops its engine, and opens afresh on the next call', async () => {
    const dir = dataDir();
    const errors: string[] = [];
    const log: Logger = { info() {}, warn() {}, error: (m) => errors.push(m) };
    const svc = new TransfersService({
      dataDir: dir,
      resolveAccount: async () => {
        throw new Error('no account needed');
      },
      log,
    });
    const first = await svc.engine();
    rmSync(engineLockPaths(dir).lock, { recursive: true });
    await until('the lost lock to be noticed', () => errors.length > 0);
    expect(errors[0]).toMatch(/lost the lock on the transfer queue/);
    const second = await svc.engine();
    expect(second).not.toBe(first);
    expect(existsSync(engineLockPaths(dir).lock)).toBe(true);
    await svc.close();
  });
});

describe('the account list', () => {
  it('sees changes another process wrote, and keeps both when two registries write at once', async () => {
    const dir = dataDir();
    const a = new AccountRegistry(dir);
    const b = new AccountRegistry(dir);
    expect(await a.all()).toEqual([]);
    const acc = (id: string) => ({
      id,
      fields: {
        kind: 's3' as const,
        name: id,
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        pathStyle: true,
        accessKeyId: 'AK',
      },
      secretStorage: 'keychain' as const,
      hasToken: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).mutate((all) => all.push(acc(`acc-${i}`)))),
    );
    expect((await a.all()).map((x) => x.id).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `acc-${i}`));
    expect((await b.all()).length).toBe(6);
    await b.mutate((all) => all.splice(0, 1));
    expect((await a.all()).length).toBe(5);
  });
});
