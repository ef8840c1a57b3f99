import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DragOutRequest } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { StorageService } from '../storage/service';
import { cleanDir, PRIVATE_FILE_MODE, privateDir, unguessableName } from './private-dir';
import { keepBothName, safeLocalPath, safeSegment } from './safe-path';

/** A drag holds the mouse while bytes arrive: beyond this, the Download command is the way. */
export const DRAG_OUT_LIMIT_BYTES = 256 * 1024 * 1024;

/** Where drag-out copies live: a private folder under the data folder, not a shared /tmp. */
export function dragOutRoot(dataDir: string): string {
  return join(dataDir, 'tmp', 'drag-out');
}

/**
 * Fetch the dragged objects into a fresh folder with a name nobody can guess, inside the
 * private (0700) `root`, under safe local names (0600), so the desktop can receive real
 * files. Folder keys are skipped; the total size is capped. Nothing stays behind on failure.
 */
export async function prepareDragOut(
  storage: Pick<StorageService, 'headObject' | 'getObject'>,
  req: DragOutRequest,
  root: string,
  limitBytes = DRAG_OUT_LIMIT_BYTES,
): Promise<string[]> {
  const keys = req.keys.filter((k) => !k.endsWith('/'));
  if (keys.length === 0) return [];
  const at = { accountId: req.accountId, bucket: req.bucket, region: req.region };
  let total = 0;
  for (const key of keys) {
    total += (await storage.headObject({ ...at, key })).size;
    if (total > limitBytes) {
      throw new AppError(
        'VALIDATION',
        `Dragging out is for up to ${limitBytes / 1024 / 1024} MiB at a time. Use Download for larger objects.`,
      );
    }
  }
  await privateDir(root);
  const dir = join(root, unguessableName());
  await mkdir(dir, { mode: 0o700 });
  try {
    const paths: string[] = [];
    const used = new Set<string>();
    for (const key of keys) {
      // Only the name travels: the folder structure of the bucket stays behind.
      const base = localName(key);
      const name = used.has(base) ? await keepBothName(base, async (c) => used.has(c)) : base;
      used.add(name);
      const path = safeLocalPath(dir, name);
      const res = await storage.getObject({ ...at, key });
      await pipeline(res.body, createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE }));
      paths.push(path);
    }
    return paths;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** What a crashed run left in the drag-out folder. */
export async function cleanDragOut(root: string): Promise<number> {
  return cleanDir(root);
}

/**
 * The copies of one drag, removed once the drop target has had time to copy them (the OS
 * gives no signal for that), or at the latest when the app quits or starts again.
 */
export function releaseDragOut(files: string[], root: string, afterMs: number): void {
  // Only the drag's own folders, directly inside the root, are removed.
  const dirs = new Set(files.map((f) => dirname(f)).filter((d) => dirname(d) === root));
  const t = setTimeout(() => {
    for (const d of dirs) void rm(d, { recursive: true, force: true }).catch(() => undefined);
  }, afterMs);
  t.unref?.();
}

function localName(key: string): string {
  return safeSegment(key.slice(key.lastIndexOf('/') + 1)) || 'object';
}
