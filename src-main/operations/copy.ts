import { Readable } from 'node:stream';
import { AppError } from '../../src-shared/errors';
import type { StorageClient } from '../storage/client';
import { copyObject, multipartCopy } from '../storage/ops/copy';
import { listAllKeys } from '../storage/ops/list';
import { describingHeaders, headObjectDetail } from '../storage/ops/objects';
import { mapLimit } from '../storage/ops/pool';
import type { BucketLoc } from '../storage/ops/types';
import { abortUpload, completeUpload, initiateUpload, uploadPart } from '../transfers/multipart';
import type { RunCtx } from './service';
import { baseName, topLevelNames } from './service';

/** One end of an operation: an account's client and a bucket. */
export interface Side {
  accountId: string;
  client: StorageClient;
  loc: BucketLoc;
}

export interface CopyTuning {
  /** Objects above this size are copied part by part (default 5 GiB, the single-copy limit). */
  multipartThreshold: number;
  /** Part size of a server-side multipart copy. */
  partSize: number;
  /** Across accounts: objects up to this size go in one GET + PUT, larger ones in parts of it. */
  streamPartSize: number;
  /** Keys per multi-delete request (default 1000, the most COS and S3 take). */
  deleteBatch: number;
}

/** What was copied, to verify the copy against before the source is deleted. */
export interface CopiedObject {
  size: number;
  etag?: string;
  crc64?: string;
}

interface RootPlan {
  to: string;
  /** Keys (destination) that exist and are to be skipped (conflict policy 'skip' into a folder). */
  skip?: Set<string>;
}

export interface CopyPlan {
  roots: string[];
  /** The destination key of `key` found under `root`, or undefined to skip it. */
  destination(root: string, key: string): string | undefined;
}

/**
 * Decides where each pasted item goes: `target.prefix + name`, or `name (1)` when keeping both,
 * and which items are refused (into itself, onto itself) or skipped.
 */
export async function planCopy(
  src: Side,
  dst: Side,
  req: {
    kind: 'copy' | 'move';
    keys: readonly string[];
    target: { prefix: string };
    conflict: 'overwrite' | 'skip' | 'keepBoth';
    toName?: string;
  },
  ctx: RunCtx,
): Promise<CopyPlan> {
  const prefix = req.target.prefix;
  if (prefix !== '' && !prefix.endsWith('/')) {
    throw new AppError('VALIDATION', `The destination "${prefix}" is not a folder: it must end with "/".`);
  }
  if (req.toName !== undefined) checkToName(req.keys, req.toName);
  const existing = await topLevelNames(dst, prefix, ctx.signal);
  const samePlace = src.accountId === dst.accountId && src.loc.bucket === dst.loc.bucket;
  const plans = new Map<string, RootPlan>();
  const verb = req.kind === 'move' ? 'moved' : 'copied';
  for (const key of req.keys) {
    const name = req.toName ?? baseName(key);
    // '' is the whole bucket: a folder whose name is nothing (into the prefix itself).
    const folder = key.endsWith('/') || key === '';
    let to = prefix + name;
    const onItself = samePlace && to === key;
    if (samePlace && folder && !onItself && to.startsWith(key)) {
      ctx.fail([
        {
          key,
          code: 'VALIDATION',
          message: `A folder cannot be ${verb} into itself: "${to}" is inside "${key}".`,
        },
      ]);
      continue;
    }
    if (existing.has(name) || onItself || (name === '' && req.conflict === 'skip')) {
      if (req.conflict === 'keepBoth') {
        to = prefix + uniqueName(name, existing);
        existing.add(to.slice(prefix.length));
      } else if (onItself) {
        ctx.fail([
          {
            key,
            code: 'VALIDATION',
            message: `"${key}" is already there: paste into another folder, or choose "keep both".`,
          },
        ]);
        continue;
      } else if (req.conflict === 'skip') {
        if (!folder) {
          ctx.view.skipped++;
          continue;
        }
        const there = await listAllKeys(dst.client, dst.loc, to, { signal: ctx.signal });
        plans.set(key, { to, skip: new Set(there.map((o) => o.key)) });
        continue;
      }
    }
    plans.set(key, { to });
  }
  return {
    roots: [...plans.keys()],
    destination(root, key) {
      const p = plans.get(root);
      if (!p) return undefined;
      const to = p.to + key.slice(root.length);
      return p.skip?.has(to) ? undefined : to;
    },
  };
}

/** A rename names one item, as what it is: a folder's name ends in '/', an object's does not. */
function checkToName(keys: readonly string[], toName: string): void {
  const folder = (k: string) => k === '' || k.endsWith('/');
  const bare = toName.endsWith('/') ? toName.slice(0, -1) : toName;
  const ok =
    keys.length === 1 &&
    folder(keys[0]) === (toName === '' || toName.endsWith('/')) &&
    (keys[0] === '') === (toName === '') &&
    !bare.includes('/');
  if (!ok) {
    throw new AppError(
      'VALIDATION',
      `The new name "${toName}" does not fit: give it for one item, ending in "/" exactly when that item is a folder, without other "/".`,
    );
  }
}

/** `photo.jpg` → `photo (1).jpg`, `docs/` → `docs (1)/`: the first name not taken. */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  const folder = name.endsWith('/');
  const bare = folder ? name.slice(0, -1) : name;
  const dot = folder ? -1 : bare.lastIndexOf('.');
  const stem = dot > 0 ? bare.slice(0, dot) : bare;
  const ext = dot > 0 ? bare.slice(dot) : '';
  for (let i = 1; i < 10_000; i++) {
    const candidate = `${stem} (${i})${ext}${folder ? '/' : ''}`;
    if (!taken.has(candidate)) return candidate;
  }
  return `${stem} (${Date.now()})${ext}${folder ? '/' : ''}`;
}

/**
 * Copies one object. Within one account the server copies it (one PUT copy, or Upload Part -
 * Copy above the threshold), keeping its Content-Type and user metadata; across accounts the
 * bytes go through main (GET then PUT, or ranged GETs into a multipart upload), with the
 * describing headers translated to the destination's dialect.
 */
export async function copyOne(
  src: Side,
  key: string,
  dst: Side,
  toKey: string,
  tuning: CopyTuning,
  signal: AbortSignal,
  /** The size from the listing: a same-account copy below the threshold then skips the HEAD. */
  knownSize?: number,
): Promise<CopiedObject> {
  if (src.accountId === dst.accountId && knownSize !== undefined && knownSize <= tuning.multipartThreshold) {
    await copyObject(src.client, src.loc, key, dst.loc, toKey);
    return { size: knownSize };
  }
  // Single requests are let finish when cancelled (a copy the server made must be counted);
  // only multipart copies, which a cancel can undo, hear the signal.
  const head = await headObjectDetail(src.client, src.loc, key);
  const source: CopiedObject = {
    size: head.props.size,
    etag: head.props.etag,
    crc64: head.props.crc64,
  };
  const fromPrefix = src.client.dialect.headerPrefix;
  if (src.accountId === dst.accountId) {
    if (source.size > tuning.multipartThreshold) {
      await multipartCopy(src.client, src.loc, key, source.size, dst.loc, toKey, {
        headers: describingHeaders(head.headers, fromPrefix),
        partSize: tuning.partSize,
        signal,
      });
    } else {
      await copyObject(src.client, src.loc, key, dst.loc, toKey);
    }
    return source;
  }
  const headers = describingHeaders(head.headers, fromPrefix, dst.client.dialect.headerPrefix);
  const range = async (start: number, end: number): Promise<Buffer> => {
    const res = await src.client.request({
      method: 'GET',
      bucket: src.loc.bucket,
      region: src.loc.region,
      key,
      headers: source.size > 0 ? { range: `bytes=${start}-${end}`, 'if-match': `"${source.etag}"` } : {},
      signal: source.size > tuning.streamPartSize ? signal : undefined,
    });
    return Buffer.from(await res.body.arrayBuffer());
  };
  if (source.size <= tuning.streamPartSize) {
    const bytes = source.size > 0 ? await range(0, source.size - 1) : Buffer.alloc(0);
    const res = await dst.client.request({
      method: 'PUT',
      bucket: dst.loc.bucket,
      region: dst.loc.region,
      key: toKey,
      headers,
      body: bytes,
    });
    await res.body.dump();
    return source;
  }
  const uploadId = await initiateUpload(dst.client, dst.loc, toKey, headers, signal);
  try {
    const count = Math.ceil(source.size / tuning.streamPartSize);
    const numbers = Array.from({ length: count }, (_, i) => i + 1);
    const parts = await mapLimit(numbers, 2, async (n) => {
      const start = (n - 1) * tuning.streamPartSize;
      const end = Math.min(source.size, start + tuning.streamPartSize) - 1;
      const bytes = await range(start, end);
      const r = await uploadPart(dst.client, dst.loc, toKey, {
        uploadId,
        partNumber: n,
        size: bytes.length,
        body: () => Readable.from([bytes]),
        signal,
      });
      return { partNumber: n, etag: r.etag };
    });
    await completeUpload(dst.client, dst.loc, toKey, uploadId, parts);
  } catch (e) {
    await abortUpload(dst.client, dst.loc, toKey, uploadId).catch(() => undefined);
    throw e;
  }
  return { ...source, etag: undefined };
}

/**
 * Checks the copy before its source is deleted: the same size, and the same CRC64 when both
 * ends keep one, else the same ETag when both are plain (not multipart) ETags.
 */
export async function verifyCopy(
  dst: Side,
  toKey: string,
  source: CopiedObject,
  signal: AbortSignal,
): Promise<void> {
  void signal;
  const d = (await headObjectDetail(dst.client, dst.loc, toKey)).props;
  const mismatch = (what: string, a: string | number, b: string | number) =>
    new AppError(
      'STORAGE',
      `The copy "${toKey}" does not match its source (${what}: ${b} instead of ${a}), so the original was kept: try the move again.`,
      { messageZh: `副本“${toKey}”与源对象不一致（${what}），已保留原对象：请重试移动。` },
    );
  if (d.size !== source.size) throw mismatch('size', source.size, d.size);
  if (source.crc64 && d.crc64) {
    if (source.crc64 !== d.crc64) throw mismatch('CRC64', source.crc64, d.crc64);
    return;
  }
  const plain = (e?: string) => !!e && !e.includes('-');
  if (plain(source.etag) && plain(d.etag) && source.etag !== d.etag) {
    throw mismatch('ETag', source.etag!, d.etag!);
  }
}
