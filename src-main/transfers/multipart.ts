import type { Readable } from 'node:stream';
import type { StorageClient } from '../storage/client';
import { StorageError } from '../storage/errors';
import { etagIsOpaque } from '../storage/ops/objects';
import type { BucketLoc } from '../storage/ops/types';
import { list, text } from '../storage/xml';

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

const unquote = (s: string | undefined): string => (s ?? '').replace(/^"|"$/g, '');
const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function initiateUpload(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const { doc } = await client.requestXml({
    method: 'POST',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: { uploads: '' },
    headers,
  });
  const id = text(doc['InitiateMultipartUploadResult'], 'UploadId');
  if (!id) throw new Error('the server started a multipart upload without naming it');
  return id;
}

export interface PartResult {
  etag: string;
  /** `x-cos-hash-crc64ecma` of the part as the server received it (COS). */
  crc64?: string;
  /** Stored with SSE-KMS / SSE-C: the ETag is not the part's MD5. */
  opaque?: boolean;
}

export async function uploadPart(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  p: {
    uploadId: string;
    partNumber: number;
    size: number;
    body: () => Readable;
    contentMd5?: string;
    signal?: AbortSignal;
  },
): Promise<PartResult> {
  const headers: Record<string, string> = { 'content-length': String(p.size) };
  if (p.contentMd5) headers['content-md5'] = p.contentMd5;
  const res = await client.request({
    method: 'PUT',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: { partNumber: String(p.partNumber), uploadId: p.uploadId },
    headers,
    body: p.body,
    signal: p.signal,
  });
  await res.body.dump();
  return {
    etag: unquote(res.headers['etag']),
    crc64: res.headers['x-cos-hash-crc64ecma'] || undefined,
    opaque: etagIsOpaque(res.headers),
  };
}

/** Every part the server holds for the upload; undefined when the upload is gone. */
export async function listParts(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  uploadId: string,
): Promise<UploadedPart[] | undefined> {
  const out: UploadedPart[] = [];
  let marker = '';
  for (let page = 0; page < 1000; page++) {
    const query: Record<string, string> = { uploadId };
    if (marker) query['part-number-marker'] = marker;
    let doc;
    try {
      ({ doc } = await client.requestXml({
        method: 'GET',
        bucket: loc.bucket,
        region: loc.region,
        key,
        query,
      }));
    } catch (e) {
      if (e instanceof StorageError && (e.storageCode === 'NoSuchUpload' || e.status === 404))
        return undefined;
      throw e;
    }
    const root = doc['ListPartsResult'];
    for (const p of list(root, 'Part')) {
      out.push({
        partNumber: Number(text(p, 'PartNumber')),
        etag: unquote(text(p, 'ETag')),
        size: Number(text(p, 'Size')),
      });
    }
    const next = text(root, 'NextPartNumberMarker');
    if (text(root, 'IsTruncated') !== 'true' || !next || next === marker) break;
    marker = next;
  }
  return out;
}

export async function completeUpload(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  uploadId: string,
  parts: ReadonlyArray<{ partNumber: number; etag: string }>,
): Promise<{ etag: string; crc64?: string }> {
  const body =
    '<CompleteMultipartUpload>' +
    [...parts]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${xmlEscape(p.etag)}"</ETag></Part>`)
      .join('') +
    '</CompleteMultipartUpload>';
  // Completing twice is harmless (the second finds no upload), so a lost answer may be retried.
  const { doc, headers } = await client.requestXml({
    method: 'POST',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: { uploadId },
    headers: { 'content-type': 'application/xml' },
    body,
    idempotent: true,
  });
  const root = doc['CompleteMultipartUploadResult'];
  if (root === undefined) {
    // S3 may answer 200 with an error document after a long assembly.
    const err = doc['Error'];
    throw new Error(`the upload could not be completed: ${text(err, 'Code') ?? 'unknown error'}`);
  }
  return { etag: unquote(text(root, 'ETag')), crc64: headers['x-cos-hash-crc64ecma'] || undefined };
}

export async function abortUpload(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  uploadId: string,
): Promise<void> {
  try {
    const res = await client.request({
      method: 'DELETE',
      bucket: loc.bucket,
      region: loc.region,
      key,
      query: { uploadId },
    });
    await res.body.dump();
  } catch (e) {
    if (e instanceof StorageError && (e.storageCode === 'NoSuchUpload' || e.status === 404)) return;
    throw e;
  }
}

export interface PendingUpload {
  key: string;
  uploadId: string;
  initiated?: string;
}

/** Multipart uploads begun and neither completed nor aborted, under `prefix`. */
export async function listMultipartUploads(
  client: StorageClient,
  loc: BucketLoc,
  prefix = '',
): Promise<PendingUpload[]> {
  const out: PendingUpload[] = [];
  let keyMarker = '';
  let idMarker = '';
  for (let page = 0; page < 1000; page++) {
    const query: Record<string, string> = { uploads: '' };
    if (prefix) query.prefix = prefix;
    if (keyMarker) query['key-marker'] = keyMarker;
    if (idMarker) query['upload-id-marker'] = idMarker;
    const { doc } = await client.requestXml({ method: 'GET', bucket: loc.bucket, region: loc.region, query });
    const root = doc['ListMultipartUploadsResult'];
    for (const u of list(root, 'Upload')) {
      out.push({
        key: text(u, 'Key') ?? '',
        uploadId: text(u, 'UploadId') ?? '',
        initiated: text(u, 'Initiated') || undefined,
      });
    }
    if (text(root, 'IsTruncated') !== 'true') break;
    keyMarker = text(root, 'NextKeyMarker') ?? '';
    idMarker = text(root, 'NextUploadIdMarker') ?? '';
    if (!keyMarker) break;
  }
  return out;
}

/** Parts of at least 8 MiB, large enough that no file needs more than 10,000 of them. */
export function choosePartSize(size: number, preferred = 8 * 1024 * 1024): number {
  const MiB = 1024 * 1024;
  const needed = Math.ceil(Math.ceil(size / 10_000) / MiB) * MiB;
  return Math.max(preferred, needed, 5 * MiB);
}
