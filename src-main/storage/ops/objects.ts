import type { ObjectProperties } from '../../../src-shared/contract';
import type { StorageClient } from '../client';
import type { HttpResponse } from '../http';
import { unquote } from './list';
import type { BucketLoc, OpOptions } from './types';

export async function headObject(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: OpOptions = {},
): Promise<ObjectProperties> {
  const res = await client.request({
    method: 'HEAD',
    bucket: loc.bucket,
    region: loc.region,
    key,
    signal: opts.signal,
  });
  await res.body.dump();
  return propertiesFromHeaders(key, res.headers, client.dialect.headerPrefix);
}

/** A HEAD's raw answer, for callers that need more than the properties (transfers checking bytes). */
export interface HeadDetail {
  props: ObjectProperties;
  status: number;
  headers: Record<string, string>;
}

/**
 * HEAD of an object, or of one part of a multipart object (`partNumber`: S3 answers 206 with
 * the part's length, `Content-Range` and `x-amz-mp-parts-count`; RGW 16 ignores it and
 * answers for the whole object).
 */
export async function headObjectDetail(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: OpOptions & { partNumber?: number; versionId?: string } = {},
): Promise<HeadDetail> {
  const query: Record<string, string> = {};
  if (opts.partNumber !== undefined) query['partNumber'] = String(opts.partNumber);
  if (opts.versionId) query['versionId'] = opts.versionId;
  const res = await client.request({
    method: 'HEAD',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: Object.keys(query).length ? query : undefined,
    signal: opts.signal,
  });
  await res.body.dump();
  return {
    props: propertiesFromHeaders(key, res.headers, client.dialect.headerPrefix),
    status: res.status,
    headers: res.headers,
  };
}

/**
 * The object is stored encrypted in a way that makes its ETag something other than the MD5 of
 * its bytes (SSE-KMS, SSE-C; COS: KMS or customer keys).
 */
export function etagIsOpaque(h: Record<string, string>): boolean {
  for (const prefix of ['x-amz-', 'x-cos-']) {
    const sse = (h[`${prefix}server-side-encryption`] ?? '').toLowerCase();
    if (sse && sse !== 'aes256') return true;
    if (h[`${prefix}server-side-encryption-customer-algorithm`]) return true;
  }
  return false;
}

export function propertiesFromHeaders(
  key: string,
  h: Record<string, string>,
  prefix: 'x-cos-' | 'x-amz-',
): ObjectProperties {
  const metaPrefix = `${prefix}meta-`;
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith(metaPrefix)) metadata[name.slice(metaPrefix.length)] = value;
  }
  const modified = Date.parse(h['last-modified'] ?? '');
  return {
    key,
    size: Number(h['content-length'] ?? 0),
    etag: h['etag'] ? unquote(h['etag']) : undefined,
    lastModified: Number.isFinite(modified) ? new Date(modified).toISOString() : undefined,
    contentType: h['content-type'] || undefined,
    // Both COS and S3 leave the header out for the default class.
    storageClass: h[`${prefix}storage-class`] || 'STANDARD',
    crc64: h['x-cos-hash-crc64ecma'] || undefined,
    metadata,
  };
}

export interface GetOptions extends OpOptions {
  /** An HTTP Range value, e.g. `bytes=0-99`. */
  range?: string;
  /** One version of the object (`?versionId=`) instead of its newest. */
  versionId?: string;
}

/** The response with its body unread: the caller streams it (transfers) or drains it. */
export function getObject(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: GetOptions = {},
): Promise<HttpResponse> {
  return client.request({
    method: 'GET',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: opts.versionId ? { versionId: opts.versionId } : undefined,
    headers: opts.range ? { range: opts.range } : undefined,
    signal: opts.signal,
  });
}

/** For small objects only: the whole body in memory. */
export async function getObjectBytes(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: GetOptions = {},
): Promise<Uint8Array> {
  const res = await getObject(client, loc, key, opts);
  return new Uint8Array(await res.body.arrayBuffer());
}

export interface PutOptions extends OpOptions {
  contentType?: string;
  /** User metadata, names without the x-cos-meta- / x-amz-meta- prefix. */
  metadata?: Record<string, string>;
}

export interface PutResult {
  etag?: string;
  /** `x-cos-hash-crc64ecma` of the stored object (unsigned decimal), when the server sends one. */
  crc64?: string;
}

export async function putObject(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  body: string | Uint8Array,
  opts: PutOptions = {},
): Promise<PutResult> {
  const headers: Record<string, string> = {};
  if (opts.contentType) headers['content-type'] = opts.contentType;
  for (const [name, value] of Object.entries(opts.metadata ?? {})) {
    headers[`${client.dialect.headerPrefix}meta-${name.toLowerCase()}`] = value;
  }
  const res = await client.request({
    method: 'PUT',
    bucket: loc.bucket,
    region: loc.region,
    key,
    body,
    headers,
    signal: opts.signal,
  });
  await res.body.dump();
  return {
    etag: res.headers['etag'] ? unquote(res.headers['etag']) : undefined,
    // COS answers every PUT with the CRC-64 it computed over what it received.
    crc64: res.headers['x-cos-hash-crc64ecma'] || undefined,
  };
}

export async function deleteObject(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: OpOptions = {},
): Promise<void> {
  const res = await client.request({
    method: 'DELETE',
    bucket: loc.bucket,
    region: loc.region,
    key,
    signal: opts.signal,
  });
  await res.body.dump();
}

/** A folder is a zero-byte object whose key ends in `/`. */
export async function createFolder(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: OpOptions = {},
): Promise<{ key: string }> {
  const folder = key.endsWith('/') ? key : `${key}/`;
  await putObject(client, loc, folder, new Uint8Array(0), opts);
  return { key: folder };
}
