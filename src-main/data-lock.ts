import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type lockfileModule from 'proper-lockfile';
import { AppError } from '../src-shared/errors';
import { writeFileAtomic } from './fs-atomic';
import { lazyRequire } from './lazy-require';

// CommonJS: its module.exports is the lock function carrying lock/unlock/check. Loaded on first
// use (it loads graceful-fs, which patches fs): commands that take no lock do not pay for it.
const lockfile = lazyRequire<typeof lockfileModule>('proper-lockfile');

/**
 * Locks between cosdesk processes that share one data folder (the desktop app, web mode and
 * every CLI command), on proper-lockfile: a lock is a directory made with mkdir (atomic),
 * whose mtime the holder refreshes every few seconds; one not refreshed for STALE_MS belongs
 * to a process that died (kill -9, power loss) and the next process takes it over.
 */

/** A lock not refreshed for this long is taken over. */
export const STALE_MS = 10_000;
/** How often a holder refreshes its lock (well inside STALE_MS, so a busy machine keeps it). */
const UPDATE_MS = 2_000;
/** How often a process waiting for the transfer queue tries again. */
const POLL_MS = 500;

export type LockKind = 'app' | 'web' | 'cli';

/** Who holds the transfer queue: written next to the lock so a refused process can say so. */
export interface LockHolder {
  pid: number;
  kind: LockKind;
  /** ISO time the lock was taken. */
  since: string;
  host: string;
}

export interface EngineLockOptions {
  kind: LockKind;
  /**
   * When another CLI command holds the queue: wait for it (true) or refuse at once (false).
   * A running app or web mode is never waited for (it does not finish on its own); the lock
   * of one that has ended (crashed) is always waited for, until it goes stale (STALE_MS).
   */
  wait?: boolean;
  /** Told once, when this process starts waiting, with a line for the user. */
  onWait?(message: string): void;
  /** The lock was lost (another process took it over after this one stalled). */
  onCompromised?(err: Error): void;
}

export interface EngineLock {
  readonly dir: string;
  release(): Promise<void>;
}

/** The lock on a data folder's transfer engine and journal: `<dataDir>/transfers/engine.lock`. */
export function engineLockPaths(dataDir: string) {
  const dir = join(dataDir, 'transfers');
  return { dir, lock: join(dir, 'engine.lock'), owner: join(dir, 'engine.owner.json') };
}

/** The process that holds the data folder's transfer queue, or undefined when nobody does. */
export async function engineHolder(dataDir: string): Promise<LockHolder | undefined> {
  const p = engineLockPaths(dataDir);
  const held = await lockfile().check(p.dir, { lockfilePath: p.lock, realpath: false, stale: STALE_MS });
  return held ? readHolder(p.owner) : undefined;
}

/**
 * Takes the data folder's transfer queue for this process, held until release() or exit
 * (proper-lockfile removes its locks on exit; a crash leaves one that goes stale).
 * Refuses with a message that names the holder when a running app or web mode has it, or
 * when `wait` is false.
 */
export async function acquireEngineLock(dataDir: string, opts: EngineLockOptions): Promise<EngineLock> {
  const p = engineLockPaths(dataDir);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  let told = false;
  for (;;) {
    try {
      const release = await lockfile().lock(p.dir, {
        lockfilePath: p.lock,
        realpath: false,
        stale: STALE_MS,
        update: UPDATE_MS,
        onCompromised: (err) => opts.onCompromised?.(err),
      });
      const me: LockHolder = {
        pid: process.pid,
        kind: opts.kind,
        since: new Date().toISOString(),
        host: hostname(),
      };
      await writeFileAtomic(p.owner, JSON.stringify(me) + '\n');
      const mine = (text: string | undefined) => {
        const now = text === undefined ? undefined : parseHolder(text);
        return now?.pid === me.pid && now.since === me.since;
      };
      // proper-lockfile removes the lock itself on exit (the CLI ends with process.exit()).
      const onExit = () => {
        try {
          if (mine(readFileSync(p.owner, 'utf8'))) rmSync(p.owner, { force: true });
        } catch {
          // already gone
        }
      };
      process.once('exit', onExit);
      return {
        dir: dataDir,
        async release() {
          process.removeListener('exit', onExit);
          if (mine(await readFile(p.owner, 'utf8').catch(() => undefined)))
            await rm(p.owner, { force: true });
          await release().catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    }
    const holder = await readHolder(p.owner);
    const alive = holder !== undefined && isAlive(holder);
    // A running app or web mode does not finish on its own; this very process would wait for itself.
    if (alive && (holder.kind !== 'cli' || holder.pid === process.pid))
      throw busyError(dataDir, holder, opts.kind);
    // A holder that has ended (kill -9, crash) left a lock that goes stale within STALE_MS:
    // worth waiting for even when told not to wait for a running one.
    const ended = holder !== undefined && !alive;
    if (!opts.wait && !ended) throw busyError(dataDir, holder, opts.kind);
    if (!told) {
      told = true;
      opts.onWait?.(waitingLine(holder, alive));
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Runs `fn` holding a lock on `file` across processes (for read-modify-write of a small
 * metadata file): concurrent callers wait their turn, a crashed holder's lock goes stale.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockfile()
    .lock(file, {
      lockfilePath: `${file}.lock`,
      realpath: false,
      stale: STALE_MS,
      update: UPDATE_MS,
      // About a minute of trying: long enough for a dozen writers, or a crashed one's lock
      // to go stale; never forever.
      retries: { retries: 200, factor: 1.3, minTimeout: 20, maxTimeout: 500, randomize: true },
      onCompromised: () => undefined,
    })
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ELOCKED') throw err;
      throw new AppError(
        'INTERNAL',
        `Another cosdesk process has kept ${file} locked for over a minute. Try again; if this persists, remove ${file}.lock.`,
      );
    });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/** The busy error's message, for a process of kind `asker` refused the transfer queue. */
export function busyMessage(
  dataDir: string,
  holder: LockHolder | undefined,
  asker: LockKind = 'cli',
): string {
  const where = `the transfer queue in ${dataDir}`;
  const then =
    asker === 'cli'
      ? 'Wait for it to finish, or leave out --no-wait to wait for it.'
      : asker === 'web'
        ? 'Wait for it to finish, then start web mode again.'
        : 'Transfers work here once it has finished.';
  if (!holder) return `Another cosdesk process is using ${where}. ${then}`;
  switch (holder.kind) {
    case 'app':
      return `cosdesk (the desktop app, pid ${holder.pid}) is running and owns ${where}. Quit it, or add the transfer there.`;
    case 'web':
      return `cosdesk web mode (pid ${holder.pid}) is running and owns ${where}. Stop it, or add the transfer there.`;
    default:
      return `Another cosdesk transfer (pid ${holder.pid}, since ${holder.since}) is running on ${where}. ${then}`;
  }
}

function busyError(dataDir: string, holder: LockHolder | undefined, asker: LockKind): AppError {
  return new AppError('FORBIDDEN', busyMessage(dataDir, holder, asker), {
    reason: 'TRANSFER_QUEUE_BUSY',
    holder,
  });
}

/** True for the error a process gets when another one holds the transfer queue. */
export function isQueueBusy(err: unknown): boolean {
  return err instanceof AppError && err.details?.reason === 'TRANSFER_QUEUE_BUSY';
}

function waitingLine(holder: LockHolder | undefined, alive: boolean): string {
  if (!holder) return 'waiting for another cosdesk process to release the transfer queue…';
  if (!alive) {
    return `waiting for the transfer queue left locked by cosdesk (pid ${holder.pid}), which has ended (at most ${STALE_MS / 1000} s)…`;
  }
  return `waiting for another cosdesk transfer (pid ${holder.pid}) to finish…`;
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  return parseHolder(await readFile(path, 'utf8').catch(() => ''));
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== 'number' || !['app', 'web', 'cli'].includes(String(v.kind))) return undefined;
    return {
      pid: v.pid,
      kind: v.kind as LockKind,
      since: String(v.since ?? ''),
      host: String(v.host ?? ''),
    };
  } catch {
    return undefined;
  }
}

/** Whether the holder still runs (only knowable on this machine; elsewhere assume it does). */
function isAlive(h: LockHolder): boolean {
  if (h.host && h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
