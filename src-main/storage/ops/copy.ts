import type { BatchResult, KeyError } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import type { StorageClient } from '../client';
import { uriEncode } from '../encode';
import { storageErrorFromResponse } from '../errors';
import { deleteBatch, DELETE_BATCH, keyError } from './delete';
import { listAllKeys, unquote } from './list';
import { abortUpload, completeUpload, initiateUpload } from '../../transfers/multipart';
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

export interface CopyOptions extends OpOptions {
  /**
   * Replace the object's headers with exactly these (Content-Type, Cache-Control, user
   * metadata, …: the full set) instead of copying the source's: S3 `REPLACE`, COS `Replaced`.
   */
  replace?: Record<string, string>;
  /** The storage class of the copy (default: the server's, STANDARD). */
  storageClass?: string;
}

export interface CopyResult {
  etag?: string;
}

/** The REPLACE directive in the dialect's spelling (COS refuses `REPLACE`, 436/10881). */
export function replaceDirective(client: StorageClient): string {
  return client.dialect.kind === 'cos' ? 'Replaced' : 'REPLACE';
}

/** Server-side copy of one object. A 200 whose body is an `<Error>` is a failure too. */
export async function copyObject(
  client: StorageClient,
  src: BucketLoc,
  key: string,
  dst: BucketLoc,
  toKey: string,
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const prefix = client.dialect.headerPrefix;
  const headers: Record<string, string> = {
    ...(opts.replace ?? {}),
    [`${prefix}copy-source`]: copySource(client, src, key),
    [`${prefix}metadata-directive`]: opts.replace ? replaceDirective(client) : metadataDirective(client),
  };
  if (opts.storageClass) headers[`${prefix}storage-class`] = opts.storageClass;
  const res = await client.requestText({
    method: 'PUT',
    bucket: dst.bucket,
    region: dst.region,
    key: toKey,
    headers,
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
  const etag = /<ETag>([^<]*)<\/ETag>/.exec(res.text)?.[1];
  return { etag: etag ? unquote(etag.replace(/&quot;/g, '"')) : undefined };
}

/** The most a single PUT copy may copy (COS and S3: 5 GB); larger objects go part by part. */
export const MAX_SINGLE_COPY = 5 * 1024 ** 3;

export interface MultipartCopyOptions extends OpOptions {
  /** Headers of the new object (Content-Type, user metadata, storage class, …). */
  headers: Record<string, string>;
  partSize: number;
  concurrency?: number;
}

/**
 * Copies an object of `size` bytes part by part on the server (Upload Part - Copy, COS
 * 436/8287, S3 UploadPartCopy): for objects over 5 GB, or ones a single copy would take too
 * long to answer. The upload is aborted when a part fails or the copy is cancelled.
 */
export async function multipartCopy(
  client: StorageClient,
  src: BucketLoc,
  key: string,
  size: number,
  dst: BucketLoc,
  toKey: string,
  opts: MultipartCopyOptions,
): Promise<CopyResult> {
  const prefix = client.dialect.headerPrefix;
  const uploadId = await initiateUpload(client, dst, toKey, opts.headers, opts.signal);
  try {
    const count = Math.max(1, Math.ceil(size / opts.partSize));
    const numbers = Array.from({ length: count }, (_, i) => i + 1);
    const parts = await mapLimit(numbers, opts.concurrency ?? 4, async (n) => {
      const start = (n - 1) * opts.partSize;
      const end = Math.min(size, start + opts.partSize) - 1;
      const res = await client.requestText({
        method: 'PUT',
        bucket: dst.bucket,
        region: dst.region,
        key: toKey,
        query: { partNumber: String(n), uploadId },
        headers: {
          [`${prefix}copy-source`]: copySource(client, src, key),
          ...(size > 0 ? { [`${prefix}copy-source-range`]: `bytes=${start}-${end}` } : {}),
        },
        signal: opts.signal,
      });
      const etag = /<ETag>([^<]*)<\/ETag>/.exec(res.text)?.[1];
      if (!etag) {
        throw storageErrorFromResponse({
          status: res.status >= 300 ? res.status : 500,
          body: res.text,
          requestIdHeader: res.headers['x-cos-request-id'] ?? res.headers['x-amz-request-id'],
          ctx: { bucket: dst.bucket, key: toKey },
        });
      }
      return { partNumber: n, etag: unquote(etag.replace(/&quot;/g, '"')) };
    });
    const done = await completeUpload(client, dst, toKey, uploadId, parts);
    return { etag: done.etag };
  } catch (e) {
    await abortUpload(client, dst, toKey, uploadId).catch(() => undefined);
    throw e;
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
