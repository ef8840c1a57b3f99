import { opendir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface LocalFile {
  path: string;
  /** Path relative to the dropped item's parent, with `/` separators: the key suffix. */
  relative: string;
  size: number;
  mtimeMs: number;
}

/**
 * Every file under the given paths, yielded in batches as the walk goes, so a folder of
 * 100,000 files starts uploading long before the walk ends and the event loop stays free.
 */
export async function* walkFiles(paths: string[], batchSize = 1000): AsyncGenerator<LocalFile[]> {
  let batch: LocalFile[] = [];
  const push = async (f: LocalFile) => {
    batch.push(f);
    if (batch.length >= batchSize) {
      const out = batch;
      batch = [];
      return out;
    }
    return undefined;
  };
  for (const root of paths) {
    const st = await stat(root);
    if (st.isFile()) {
      const full = await push({ path: root, relative: basename(root), size: st.size, mtimeMs: st.mtimeMs });
      if (full) yield full;
      continue;
    }
    const stack: Array<{ dir: string; rel: string }> = [{ dir: root, rel: basename(root) }];
    while (stack.length > 0) {
      const { dir, rel } = stack.pop()!;
      for await (const d of await opendir(dir)) {
        const path = join(dir, d.name);
        const r = `${rel}/${d.name}`;
        if (d.isDirectory()) stack.push({ dir: path, rel: r });
        else if (d.isFile()) {
          const s = await stat(path);
          const full = await push({ path, relative: r, size: s.size, mtimeMs: s.mtimeMs });
          if (full) yield full;
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}
