import type { ObjectProperties } from '../../../src-shared/contract';
import type { StorageClient } from '../client';
import type { HttpResponse } from '../http';
import { contentTypeFor } from '../content-type';
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
    cacheControl: h['cache-control'] || undefined,
    contentDisposition: h['content-disposition'] || undefined,
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
  /** See StorageRequest.closeAfter. */
  closeAfter?: number;
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
    closeAfter: opts.closeAfter,
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
  /** Left out: the key's extension decides (application/octet-stream when unknown). */
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
  // A folder marker goes without one, as the official SDK sends it (an empty body has no type).
  if (!key.endsWith('/')) headers['content-type'] = contentTypeFor(key, opts.contentType);
  else if (opts.contentType) headers['content-type'] = opts.contentType;
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

/** The standard headers of an object that a copy with REPLACE must send again to keep them. */
const KEPT_HEADERS = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;

/**
 * The headers describing an object (its HTTP headers and user metadata) from a HEAD or GET
 * answer, in the target dialect's spelling: what a copy onto itself with REPLACE, or an upload
 * to another account, sends so nothing the user did not change is lost.
 */
export function describingHeaders(
  h: Record<string, string>,
  from: 'x-cos-' | 'x-amz-',
  to: 'x-cos-' | 'x-amz-' = from,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) if (h[name]) out[name] = h[name];
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith(`${from}meta-`)) out[`${to}meta-${name.slice(from.length + 5)}`] = value;
  }
  return out;
}

/** One edit of an object's headers; null removes a header. */
export interface HeaderPatch {
  contentType?: string;
  cacheControl?: string | null;
  contentDisposition?: string | null;
  setMeta?: Record<string, string>;
  removeMeta?: readonly string[];
}

/** Applies `patch` to the describing headers of an object (see describingHeaders). */
export function patchHeaders(
  current: Record<string, string>,
  patch: HeaderPatch,
  prefix: 'x-cos-' | 'x-amz-',
): Record<string, string> {
  const out = { ...current };
  const put = (name: string, v: string | null | undefined) => {
    if (v === undefined) return;
    if (v === null || v === '') delete out[name];
    else out[name] = v;
  };
  put('content-type', patch.contentType);
  put('cache-control', patch.cacheControl);
  put('content-disposition', patch.contentDisposition);
  for (const name of patch.removeMeta ?? []) delete out[`${prefix}meta-${name.toLowerCase()}`];
  for (const [name, value] of Object.entries(patch.setMeta ?? {})) {
    out[`${prefix}meta-${name.toLowerCase()}`] = value;
  }
  return out;
}

/** User metadata names: what COS and S3 accept in a header name (RFC 7230 token, lower case). */
export const META_NAME = /^[a-z0-9][a-z0-9!#$%&'*+.^_`|~-]*$/;
/** COS and S3 both cap the user metadata of an object at 2 KB (names and values). */
export const META_LIMIT = 2048;

/** Why a set of user metadata would be refused, or undefined when it is acceptable. */
export function metadataProblem(meta: Record<string, string>): string | undefined {
  let bytes = 0;
  for (const [name, value] of Object.entries(meta)) {
    if (!META_NAME.test(name)) {
      return `The metadata name "${name}" may hold only lower-case letters, digits and - _ . (no spaces): rename it.`;
    }
    if (/[^\x20-\x7e]/.test(value)) {
      return `The value of "${name}" holds characters an HTTP header cannot carry (only printable ASCII): remove them or encode the value.`;
    }
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (bytes > META_LIMIT) {
    return `The user metadata is ${bytes} bytes; COS and S3 allow at most 2 KB (2,048 bytes, names and values together): shorten it.`;
  }
  return undefined;
}
