import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A folder only this user can enter (0700), for temporary copies of the user's data (web-mode
 * spool, drag-out files). Refuses a link or a folder owned by someone else in its place.
 */
export async function privateDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const st = await lstat(path);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new Error(`${path} is not a private folder of this user: remove it, then try again.`);
  }
  if ((st.mode & 0o777) !== 0o700) await chmod(path, 0o700);
  return path;
}

/** A name nobody can guess, for a file or folder in a private folder. */
export function unguessableName(suffix = ''): string {
  return randomBytes(16).toString('hex') + suffix;
}

/** Removes what a crashed run left in `dir`, except the names `keep` says are still in use. */
export async function cleanDir(dir: string, keep: (path: string) => boolean = () => false): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let n = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (keep(path)) continue;
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    n++;
  }
  return n;
}

/** Files in private folders: readable and writable by this user only. */
export const PRIVATE_FILE_MODE = 0o600;
