import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DragOutRequest } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { StorageService } from '../storage/service';
import { keepBothName, safeLocalPath, safeSegment } from './safe-path';

/** A drag holds the mouse while bytes arrive: beyond this, the Download command is the way. */
export const DRAG_OUT_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * Fetch the dragged objects into a fresh temporary folder, under safe local names, so the
 * desktop can receive real files. Folder keys are skipped; the total size is capped.
 */
export async function prepareDragOut(
  storage: Pick<StorageService, 'headObject' | 'getObject'>,
  req: DragOutRequest,
  root = join(tmpdir(), 'cosdesk-drag'),
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
  const dir = join(root, randomBytes(6).toString('hex'));
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const used = new Set<string>();
  for (const key of keys) {
    // Only the name travels: the folder structure of the bucket stays behind.
    const base = localName(key);
    const name = used.has(base) ? await keepBothName(base, async (c) => used.has(c)) : base;
    used.add(name);
    const path = safeLocalPath(dir, name);
    const res = await storage.getObject({ ...at, key });
    await pipeline(res.body, createWriteStream(path, { flags: 'wx' }));
    paths.push(path);
  }
  return paths;
}

function localName(key: string): string {
  return safeSegment(key.slice(key.lastIndexOf('/') + 1)) || 'object';
}
