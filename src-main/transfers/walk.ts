import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, join } from 'node:path';

/** What a folder upload does with symbolic links found inside the folders it walks. */
export type SymlinkChoice = 'follow' | 'skip';
export const SYMLINK_CHOICES: readonly SymlinkChoice[] = ['follow', 'skip'];
/** Links may point anywhere (a home folder, ~/.ssh): inside a folder they are skipped and reported unless asked. */
export const DEFAULT_SYMLINKS: SymlinkChoice = 'skip';

export interface LocalFile {
  /**
   * The file to read. For a followed link this is the link's target, so the upload reads a
   * regular file; for a skipped entry it is the entry itself (the upload reports it as skipped).
   */
  path: string;
  /** Path relative to the dropped item's parent, with `/` separators: the key suffix. */
  relative: string;
  size: number;
  mtimeMs: number;
  /** Set when the entry is not uploaded: why, in the user's words. */
  skip?: string;
}

export interface WalkOptions {
  symlinks?: SymlinkChoice;
  batchSize?: number;
}

/**
 * Every file under the given paths, yielded in batches as the walk goes, so a folder of
 * 100,000 files starts uploading long before the walk ends and the event loop stays free.
 *
 * Only regular files are uploaded. Links inside folders are followed or skipped as chosen
 * (the paths given themselves are always followed: the user named them); a link to a folder
 * that contains it is never followed twice. Whatever is not uploaded (a skipped link, a FIFO,
 * a socket, a device, a folder that cannot be read) comes out with `skip` set, never dropped.
 */
export async function* walkFiles(paths: string[], o: WalkOptions = {}): AsyncGenerator<LocalFile[]> {
  const symlinks = o.symlinks ?? DEFAULT_SYMLINKS;
  const batchSize = o.batchSize ?? 1000;
  let batch: LocalFile[] = [];
  const push = (f: LocalFile): LocalFile[] | undefined => {
    batch.push(f);
    if (batch.length < batchSize) return undefined;
    const out = batch;
    batch = [];
    return out;
  };
  const skipped = (path: string, relative: string, skip: string): LocalFile => ({
    path,
    relative,
    size: 0,
    mtimeMs: 0,
    skip,
  });

  for (const root of paths) {
    let st: Stats;
    try {
      st = await stat(root);
    } catch (e) {
      const full = push(skipped(root, basename(root), cannotRead(root, e)));
      if (full) yield full;
      continue;
    }
    if (!st.isDirectory()) {
      const real = st.isFile() ? await realpath(root).catch(() => root) : root;
      const full = push(
        st.isFile()
          ? { path: real, relative: basename(root), size: st.size, mtimeMs: st.mtimeMs }
          : skipped(root, basename(root), notRegular(root, st)),
      );
      if (full) yield full;
      continue;
    }
    // Each folder carries the identities of the folders above it: a link back up is a loop.
    const stack: Array<{ dir: string; rel: string; above: string[] }> = [
      { dir: root, rel: basename(root), above: [inode(st)] },
    ];
    while (stack.length > 0) {
      const { dir, rel, above } = stack.pop()!;
      let entries;
      try {
        entries = await opendir(dir);
      } catch (e) {
        const full = push(skipped(dir, rel, cannotRead(dir, e)));
        if (full) yield full;
        continue;
      }
      for await (const d of entries) {
        const path = join(dir, d.name);
        const r = `${rel}/${d.name}`;
        let entry: LocalFile | undefined;
        let s: Stats;
        try {
          s = await lstat(path);
          if (s.isSymbolicLink()) {
            if (symlinks === 'skip') {
              entry = skipped(
                path,
                r,
                `${path} is a symbolic link: skipped (cp --symlinks follow uploads what links point to).`,
              );
            } else {
              const target = await stat(path).catch(() => undefined);
              if (!target)
                entry = skipped(
                  path,
                  r,
                  `${path} is a symbolic link to something that does not exist: skipped.`,
                );
              else if (target.isDirectory() && above.includes(inode(target))) {
                entry = skipped(
                  path,
                  r,
                  `${path} is a symbolic link to a folder that contains it (a loop): skipped.`,
                );
              } else if (target.isDirectory()) {
                stack.push({ dir: path, rel: r, above: [...above, inode(target)] });
              } else if (target.isFile()) {
                const real = await realpath(path).catch(() => path);
                entry = { path: real, relative: r, size: target.size, mtimeMs: target.mtimeMs };
              } else entry = skipped(path, r, notRegular(path, target));
            }
          } else if (s.isDirectory()) stack.push({ dir: path, rel: r, above: [...above, inode(s)] });
          else if (s.isFile()) entry = { path, relative: r, size: s.size, mtimeMs: s.mtimeMs };
          else entry = skipped(path, r, notRegular(path, s));
        } catch (e) {
          entry = skipped(path, r, cannotRead(path, e));
        }
        if (entry) {
          const full = push(entry);
          if (full) yield full;
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}

function inode(s: Stats): string {
  return `${s.dev}:${s.ino}`;
}

/** What kind of thing a non-regular file is, for messages. */
export function fileKind(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isDirectory()) return 'a folder';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function notRegular(path: string, s: Stats): string {
  return `${path} is ${fileKind(s)}, not a regular file: only regular files are uploaded, so it was skipped.`;
}

function cannotRead(path: string, e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return `${path} no longer exists: skipped.`;
  if (code === 'EACCES' || code === 'EPERM')
    return `${path} cannot be read (permission denied): skipped. Check its permissions and upload it again.`;
  return `${path} cannot be read (${code ?? (e instanceof Error ? e.message : String(e))}): skipped.`;
}
