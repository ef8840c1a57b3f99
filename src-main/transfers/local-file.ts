import { lstat, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { notRegular } from './walk';

/**
 * A problem with the local file itself (it changed, vanished, the disk is full): sending the
 * request again cannot help, so the job fails at once with this reason.
 */
export class LocalFileError extends Error {
  override name = 'LocalFileError';
}

/**
 * Why `path` is not uploaded (a link, a FIFO, a socket, a device, an unreadable folder), or
 * undefined for a regular file. A missing file is a failure, not a skip.
 */
export async function whyNotUploadable(path: string): Promise<string | undefined> {
  return (await uploadable(path)).why;
}

/**
 * `whyNotUploadable` with the lstat it took: for a regular file that is also its stat, so the
 * upload needs no second call per file (syscalls dominate 4 KiB uploads, issue 13 (c)).
 */
export async function uploadable(path: string): Promise<{ why?: string; stats: Stats }> {
  let s: Stats;
  try {
    s = await lstat(path);
  } catch (e) {
    throw localReadError(path, e);
  }
  return { why: s.isFile() ? undefined : await whyNot(path, s), stats: s };
}

async function whyNot(path: string, s: Stats): Promise<string | undefined> {
  if (s.isSymbolicLink()) {
    const target = await stat(path).catch(() => undefined);
    if (!target) return `${path} is a symbolic link to something that does not exist: skipped.`;
    if (target.isDirectory()) {
      return `${path} is a symbolic link to a folder: skipped (links are followed only with --symlinks follow, and never when they loop back to a folder that contains them).`;
    }
    return `${path} is a symbolic link: skipped (cosdesk cp --symlinks follow uploads what links point to).`;
  }
  if (s.isDirectory()) {
    return `${path} is a folder whose contents could not be read: skipped. Check its permissions, then upload it again.`;
  }
  return notRegular(path, s);
}

/** What the upload saw of a file when it started; every part is read against it. */
export interface Snapshot {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export function snapshotOf(s: Stats): Snapshot {
  return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev };
}

export function changedError(path: string): LocalFileError {
  return new LocalFileError(
    `${path} changed while it was being uploaded; upload it again when nothing is writing to it.`,
  );
}

/** Throws `changedError` unless the file is still the one in `snap` (size, mtime, identity). */
export async function checkUnchanged(path: string, snap: Snapshot): Promise<void> {
  let s: Stats;
  try {
    s = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LocalFileError(`${path} was removed while it was being uploaded.`);
    }
    throw localReadError(path, e);
  }
  if (s.size !== snap.size || s.mtimeMs !== snap.mtimeMs || s.ino !== snap.ino || s.dev !== snap.dev) {
    throw changedError(path);
  }
}

/**
 * Exactly `size` bytes of `path` into memory (for small files only): never more, whatever
 * the file turns out to be (a /proc file says 0 and then produces bytes); a file shorter than
 * that has changed. Growth shows in the stat the caller checks afterwards.
 */
export async function readExactly(path: string, size: number, cap: number): Promise<Buffer> {
  if (size > cap) throw new Error(`readExactly: ${size} bytes is over the ${cap}-byte cap`);
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw localReadFailure(path, e) ?? e;
  });
  try {
    const buf = Buffer.alloc(size);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, pos, size - pos, pos);
      if (bytesRead === 0) throw changedError(path);
      pos += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** A read of the local file that failed for a reason a retry cannot fix, in words; else undefined. */
export function localReadFailure(path: string, e: unknown): LocalFileError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EPERM') return undefined;
  return localReadError(path, e) as LocalFileError;
}

function localReadError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new LocalFileError(`${path} no longer exists: there is nothing to upload.`);
  if (code === 'EACCES' || code === 'EPERM') {
    return new LocalFileError(
      `${path} cannot be read (permission denied): check its permissions, then retry.`,
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}

const WRITE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);

/**
 * A write to the download folder that failed for a reason a retry cannot fix, in words a
 * person can act on; undefined for other errors.
 */
export function localWriteError(path: string, e: unknown): LocalFileError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !WRITE_CODES.has(code)) return undefined;
  const dir = dirname(path);
  const removed = ' The partial file was removed.';
  switch (code) {
    case 'ENOSPC':
      return new LocalFileError(
        `The disk is full: there was no room to save ${path}. Free some space (or choose another folder), then retry.${removed}`,
      );
    case 'EDQUOT':
      return new LocalFileError(
        `Your disk quota is used up: ${path} could not be saved. Free some space (or choose another folder), then retry.${removed}`,
      );
    case 'EROFS':
      return new LocalFileError(
        `${dir} is on a read-only disk: choose another folder to download to.${removed}`,
      );
    default:
      return new LocalFileError(
        `cosdesk may not write to ${dir} (permission denied): choose another folder or change its permissions, then retry.${removed}`,
      );
  }
}
