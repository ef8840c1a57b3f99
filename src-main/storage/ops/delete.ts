import type { BatchResult, KeyError } from '../../../src-shared/contract';
import type { StorageClient } from '../client';
import { describeStorageError, malformedResponseError, StorageError } from '../errors';
import { escapeXml, list, text } from '../xml';
import { bodyHeaders } from './body';
import { listAllKeys } from './list';
import type { BucketLoc, OpOptions } from './types';

/** The most keys one multi-delete request may carry (COS and S3). */
export const DELETE_BATCH = 1000;

/**
 * Deletes keys; a key ending in `/` stands for the folder: its marker and everything under it.
 * Never rejects for a per-key failure: those come back in `errors`, the rest in `done`.
 */
export async function deleteObjects(
  client: StorageClient,
  loc: BucketLoc,
  keys: readonly string[],
  opts: OpOptions = {},
): Promise<BatchResult> {
  const errors: KeyError[] = [];
  const targets = new Set<string>();
  for (const key of keys) {
    if (!key.endsWith('/')) {
      targets.add(key);
      continue;
    }
    try {
      for (const o of await listAllKeys(client, loc, key, opts)) targets.add(o.key);
      // The marker may not show up in the listing (or not exist): deleting a missing key is a success.
      targets.add(key);
    } catch (e) {
      errors.push(keyError(key, e, loc.bucket));
    }
  }
  const all = [...targets];
  const done: string[] = [];
  for (let i = 0; i < all.length; i += DELETE_BATCH) {
    const r = await deleteBatch(client, loc, all.slice(i, i + DELETE_BATCH), opts);
    done.push(...r.done);
    errors.push(...r.errors);
  }
  return { done, errors };
}

/** One `POST /?delete` of at most DELETE_BATCH keys, quiet: the answer lists failures only. */
export async function deleteBatch(
  client: StorageClient,
  loc: BucketLoc,
  keys: readonly string[],
  opts: OpOptions = {},
): Promise<BatchResult> {
  if (keys.length === 0) return { done: [], errors: [] };
  const body = deleteRequestXml(keys);
  let failed: KeyError[];
  try {
    const { doc, headers } = await client.requestXml({
      method: 'POST',
      bucket: loc.bucket,
      region: loc.region,
      query: { delete: '' },
      body,
      headers: bodyHeaders(body),
      // Deleting the same keys again has the same outcome.
      idempotent: true,
      signal: opts.signal,
    });
    const root = doc['DeleteResult'];
    if (root === undefined) {
      throw malformedResponseError(
        { bucket: loc.bucket },
        200,
        headers['x-cos-request-id'] ?? headers['x-amz-request-id'],
      );
    }
    // Our XML reader trims text, so a key with outer spaces comes back trimmed: map it home.
    const byTrimmed = new Map(keys.map((k) => [k.trim(), k]));
    failed = list(root, 'Error').map((e) => {
      const raw = text(e, 'Key') ?? '';
      const key = keys.includes(raw) ? raw : (byTrimmed.get(raw) ?? raw);
      const code = text(e, 'Code') || 'InternalError';
      return { key, code, message: describeStorageError(code, 'en', { bucket: loc.bucket, key }) };
    });
  } catch (e) {
    return { done: [], errors: keys.map((key) => keyError(key, e, loc.bucket)) };
  }
  const bad = new Set(failed.map((f) => f.key));
  return { done: keys.filter((k) => !bad.has(k)), errors: failed };
}

export function deleteRequestXml(keys: readonly string[]): string {
  const objects = keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>${objects}</Delete>`;
}

/** A failure of one key, in the shape the batch results carry. */
export function keyError(key: string, e: unknown, bucket: string): KeyError {
  if (e instanceof StorageError) return { key, code: e.storageCode, message: e.message };
  return { key, code: 'INTERNAL', message: describeStorageError('InternalError', 'en', { bucket, key }) };
}
