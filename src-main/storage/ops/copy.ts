import type { BatchResult, KeyError } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import type { StorageClient } from '../client';
import { uriEncode } from '../encode';
import { storageErrorFromResponse } from '../errors';
import { deleteBatch, DELETE_BATCH, keyError } from './delete';
import { listAllKeys } from './list';
import { mapLimit } from './pool';
import type { BucketLoc, OpOptions } from './types';

// Server-side copies cost the client nothing but a request; a few at a time keep a folder move quick.
const COPY_CONCURRENCY = 8;

/**
 * The copy-source header value. The whole key is percent-encoded, `/` included, so a server
 * cannot read `.` or `..` segments as a path to normalise.
 *
 * COS names the source by its canonical bucket host, whatever endpoint the client talks to
 * (accelerate, custom domain, private endpoint, port): `<bucket>-<appid>.cos.<region>.myqcloud.com/<key>`
 * (PUT Object - Copy, cloud.tencent.com/document/product/436/10881).
 */
export function copySource(client: StorageClient, src: BucketLoc, key: string): string {
  if (client.dialect.kind === 's3') return `/${src.bucket}/${uriEncode(key)}`;
  const region = src.region ?? client.dialect.region;
  if (!region) {
    throw new AppError(
      'VALIDATION',
      `The region of the bucket "${src.bucket}" is not known, so the copy source cannot be named: set the account's region.`,
      { messageZh: `不知道存储桶“${src.bucket}”所在的地域，无法指定复制源：请设置账号的地域。` },
    );
  }
  return `${src.bucket}.cos.${region}.myqcloud.com/${uriEncode(key)}`;
}

/**
 * Keep the source's metadata. COS spells the directive `Copy` (or `Replaced`) and refuses
 * anything else (436/10881); S3 spells it `COPY` (or `REPLACE`).
 */
export function metadataDirective(client: StorageClient): string {
  return client.dialect.kind === 'cos' ? 'Copy' : 'COPY';
}

/** Server-side copy of one object. A 200 whose body is an `<Error>` is a failure too. */
export async function copyObject(
  client: StorageClient,
  src: BucketLoc,
  key: string,
  dst: BucketLoc,
  toKey: string,
  opts: OpOptions = {},
): Promise<void> {
  const prefix = client.dialect.headerPrefix;
  const res = await client.requestText({
    method: 'PUT',
    bucket: dst.bucket,
    region: dst.region,
    key: toKey,
    headers: {
      [`${prefix}copy-source`]: copySource(client, src, key),
      [`${prefix}metadata-directive`]: metadataDirective(client),
    },
    signal: opts.signal,
  });
  if (/<Error[\s>]/.test(res.text) && !/<CopyObjectResult[\s>]/.test(res.text)) {
    throw storageErrorFromResponse({
      status: res.status,
      body: res.text,
      requestIdHeader: res.headers['x-cos-request-id'] ?? res.headers['x-amz-request-id'],
      ctx: { bucket: dst.bucket, key: toKey },
    });
  }
}

export interface TransferRequest {
  src: BucketLoc;
  key: string;
  dst: BucketLoc;
  toKey: string;
  /** Delete each source once its copy succeeded. */
  move: boolean;
}

/**
 * Copies or moves one key, or a folder (key ending in `/`) with everything under it, keeping
 * paths relative to the folder. A source is deleted only after its own copy succeeded.
 */
export async function transfer(
  client: StorageClient,
  req: TransferRequest,
  opts: OpOptions = {},
): Promise<BatchResult> {
  const folder = req.key.endsWith('/');
  const toKey = destinationKey(req.key, req.toKey);
  refuseSelf(req, toKey, folder);

  const pairs: [string, string][] = folder
    ? (await listAllKeys(client, req.src, req.key, opts)).map((o) => [
        o.key,
        toKey + o.key.slice(req.key.length),
      ])
    : [[req.key, toKey]];
  if (folder && pairs.length === 0) {
    throw new AppError(
      'NOT_FOUND',
      `The folder "${req.key}" is empty or does not exist: there is nothing to ${verb(req)}.`,
      {
        key: req.key,
      },
    );
  }

  const errors: KeyError[] = [];
  const copied: string[] = [];
  await mapLimit(pairs, COPY_CONCURRENCY, async ([from, to]) => {
    try {
      await copyObject(client, req.src, from, req.dst, to, opts);
      copied.push(from);
    } catch (e) {
      errors.push(keyError(from, e, req.dst.bucket));
    }
  });
  if (!req.move) return { done: copied, errors };

  const done: string[] = [];
  for (let i = 0; i < copied.length; i += DELETE_BATCH) {
    const r = await deleteBatch(client, req.src, copied.slice(i, i + DELETE_BATCH), opts);
    done.push(...r.done);
    for (const e of r.errors) {
      errors.push({ ...e, message: `Copied, but the original could not be deleted: ${e.message}` });
    }
  }
  return { done, errors };
}

/** A folder lands on a folder key; a file dropped on a folder key keeps its name inside it. */
export function destinationKey(key: string, toKey: string): string {
  if (key.endsWith('/')) return toKey.endsWith('/') ? toKey : `${toKey}/`;
  if (!toKey.endsWith('/')) return toKey;
  return toKey + key.slice(key.lastIndexOf('/') + 1);
}

function refuseSelf(req: TransferRequest, toKey: string, folder: boolean): void {
  if (req.src.bucket !== req.dst.bucket) return;
  if (toKey === req.key) {
    throw new AppError('VALIDATION', `"${req.key}" is already there: choose a different name or folder.`, {
      messageZh: `“${req.key}”已在目标位置：请选择其他名称或文件夹。`,
    });
  }
  if (folder && toKey.startsWith(req.key)) {
    throw new AppError(
      'VALIDATION',
      `A folder cannot be ${req.move ? 'moved' : 'copied'} into itself: "${toKey}" is inside "${req.key}".`,
      { messageZh: `不能将文件夹${req.move ? '移动' : '复制'}到它自身之中：“${toKey}”位于“${req.key}”内。` },
    );
  }
}

function verb(req: TransferRequest): string {
  return req.move ? 'move' : 'copy';
}
