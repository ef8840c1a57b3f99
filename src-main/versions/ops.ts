import type {
  DeletedObject,
  ObjectVersion,
  VersionsPage,
  VersioningStatus,
} from '../../src-shared/contract/versions';
import { AppError } from '../../src-shared/errors';
import type { StorageClient } from '../storage/client';
import { storageErrorFromResponse, malformedResponseError } from '../storage/errors';
import { copySource, metadataDirective } from '../storage/ops/copy';
import { decodeListValue, unquote } from '../storage/ops/list';
import type { BucketLoc, OpOptions } from '../storage/ops/types';
import { list, text } from '../storage/xml';
import { bodyHeaders } from '../storage/ops/body';
import { parseVersioning, versioningXml } from '../bucket-settings/xml';

/*
 * Versioning, in both dialects. The shapes are S3's, which COS follows element by element:
 * - GET / PUT Bucket versioning: COS 436/19888, 436/19889; S3 GetBucketVersioning /
 *   PutBucketVersioning. A bucket that never had versioning answers an empty
 *   <VersioningConfiguration/>; once enabled it can only be suspended.
 * - GET Bucket Object versions (`GET /?versions`, COS 436/35521; S3 ListObjectVersions):
 *   prefix, delimiter, encoding-type, key-marker, version-id-marker, max-keys ≤ 1000;
 *   answers ListVersionsResult › Version / DeleteMarker (Key, VersionId, IsLatest, LastModified…).
 * - A version is read, copied from and deleted with `?versionId=` (COS GET Object 436/7753,
 *   PUT Object - Copy 436/10881 takes `…/<key>?versionId=<id>` in x-cos-copy-source,
 *   DELETE Object 436/7743).
 */

// Listing every version of a folder is bounded: a person needs the first ten thousand, not all.
const MAX_PAGES = 10;

/**
 * GET /?versioning: the one place the app reads a bucket's versioning (the versions service and
 * bucket settings both call it; the document is read by bucket-settings/xml.ts).
 */
export async function getVersioning(
  client: StorageClient,
  loc: BucketLoc,
  opts: OpOptions = {},
): Promise<VersioningStatus> {
  const { doc, headers } = await client.requestXml({
    method: 'GET',
    bucket: loc.bucket,
    region: loc.region,
    query: { versioning: '' },
    signal: opts.signal,
  });
  if (doc['VersioningConfiguration'] === undefined) throw malformed(loc, headers);
  return parseVersioning(doc).status;
}

/**
 * PUT /?versioning: the one place the app writes it, as the official COS SDK writes it (no
 * namespace) or as S3 documents it (the S3 namespace), with Content-MD5.
 */
export async function setVersioning(
  client: StorageClient,
  loc: BucketLoc,
  status: 'Enabled' | 'Suspended',
  opts: OpOptions = {},
): Promise<void> {
  const body = versioningXml(client.dialect.kind, { status });
  const res = await client.request({
    method: 'PUT',
    bucket: loc.bucket,
    region: loc.region,
    query: { versioning: '' },
    headers: bodyHeaders(body),
    body,
    signal: opts.signal,
  });
  await res.body.dump();
}

export interface ListVersionsParams extends OpOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  maxKeys?: number;
}

/** One page of `GET /?versions`. */
export async function listVersions(
  client: StorageClient,
  loc: BucketLoc,
  p: ListVersionsParams = {},
): Promise<VersionsPage> {
  const query: Record<string, string> = { versions: '', 'encoding-type': 'url', prefix: p.prefix ?? '' };
  if (p.delimiter) query['delimiter'] = p.delimiter;
  if (p.keyMarker) query['key-marker'] = p.keyMarker;
  if (p.keyMarker && p.versionIdMarker) query['version-id-marker'] = p.versionIdMarker;
  if (p.maxKeys !== undefined) query['max-keys'] = String(p.maxKeys);
  const { doc, headers } = await client.requestXml({
    method: 'GET',
    bucket: loc.bucket,
    region: loc.region,
    query,
    signal: p.signal,
  });
  const root = doc['ListVersionsResult'];
  if (root === undefined) throw malformed(loc, headers);
  const encoded = text(root, 'EncodingType')?.toLowerCase() === 'url';
  const decode = (s: string) => (encoded ? decodeListValue(s) : s);
  const versions: ObjectVersion[] = [];
  // The parser groups same-named siblings, losing their order: put them back in the server's
  // order (by key, then newest first), which is what IsLatest and the markers describe.
  for (const v of list(root, 'Version')) versions.push(entry(v, false, decode));
  for (const m of list(root, 'DeleteMarker')) versions.push(entry(m, true, decode));
  versions.sort(serverOrder);
  const prefixes = list(root, 'CommonPrefixes')
    .map((cp) => text(cp, 'Prefix'))
    .filter((s): s is string => !!s)
    .map(decode);
  const isTruncated = text(root, 'IsTruncated') === 'true';
  let nextKeyMarker = text(root, 'NextKeyMarker') || undefined;
  let nextVersionIdMarker = text(root, 'NextVersionIdMarker') || undefined;
  if (isTruncated) {
    // RGW sends markers unencoded even with encoding-type=url: derive them from the page when we can.
    const last = versions.at(-1);
    const lastPrefix = prefixes.at(-1);
    if (last && (!lastPrefix || Buffer.compare(Buffer.from(last.key), Buffer.from(lastPrefix)) >= 0)) {
      nextKeyMarker = last.key;
      nextVersionIdMarker = last.versionId;
    } else if (lastPrefix) {
      nextKeyMarker = lastPrefix;
      nextVersionIdMarker = undefined;
    } else if (nextKeyMarker) {
      nextKeyMarker = decode(nextKeyMarker);
    }
  }
  return {
    versions,
    prefixes,
    isTruncated,
    nextKeyMarker: isTruncated ? nextKeyMarker : undefined,
    nextVersionIdMarker: isTruncated ? nextVersionIdMarker : undefined,
  };
}

function entry(n: unknown, deleteMarker: boolean, decode: (s: string) => string): ObjectVersion {
  const modified = Date.parse(text(n, 'LastModified') ?? '');
  const out: ObjectVersion = {
    key: decode(text(n, 'Key') ?? ''),
    versionId: text(n, 'VersionId') || 'null',
    isLatest: text(n, 'IsLatest') === 'true',
    deleteMarker,
    lastModified: Number.isFinite(modified)
      ? new Date(modified).toISOString()
      : (text(n, 'LastModified') ?? ''),
  };
  if (!deleteMarker) {
    out.size = Number(text(n, 'Size') ?? 0);
    out.etag = unquote(text(n, 'ETag') ?? '');
    out.storageClass = text(n, 'StorageClass') || undefined;
  }
  return out;
}

function serverOrder(a: ObjectVersion, b: ObjectVersion): number {
  const byKey = Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));
  if (byKey !== 0) return byKey;
  if (a.isLatest !== b.isLatest) return a.isLatest ? -1 : 1;
  return b.lastModified.localeCompare(a.lastModified);
}

/** Every version and delete marker of exactly `key`, newest first. */
export async function versionsOfKey(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: OpOptions = {},
): Promise<{ versions: ObjectVersion[]; truncated: boolean }> {
  const out: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const p = await listVersions(client, loc, {
      prefix: key,
      keyMarker,
      versionIdMarker,
      maxKeys: 1000,
      signal: opts.signal,
    });
    for (const v of p.versions) if (v.key === key) out.push(v);
    // Keys sort after `key` once its own versions are done: stop there.
    const pastKey = p.versions.some((v) => v.key !== key);
    if (!p.isTruncated || pastKey || !p.nextKeyMarker) return { versions: out, truncated: false };
    if (p.nextKeyMarker === keyMarker && p.nextVersionIdMarker === versionIdMarker) break;
    keyMarker = p.nextKeyMarker;
    versionIdMarker = p.nextVersionIdMarker;
  }
  return { versions: out, truncated: true };
}

/** Objects right in `prefix` (one folder level) whose latest version is a delete marker. */
export async function deletedInFolder(
  client: StorageClient,
  loc: BucketLoc,
  prefix: string,
  opts: OpOptions = {},
): Promise<{ objects: DeletedObject[]; truncated: boolean }> {
  const latest = new Map<string, ObjectVersion>();
  const older = new Map<string, ObjectVersion>();
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  let truncated = true;
  for (let page = 0; page < MAX_PAGES; page++) {
    const p = await listVersions(client, loc, {
      prefix,
      delimiter: '/',
      keyMarker,
      versionIdMarker,
      maxKeys: 1000,
      signal: opts.signal,
    });
    for (const v of p.versions) {
      if (v.isLatest) latest.set(v.key, v);
      else if (!v.deleteMarker && !older.has(v.key)) older.set(v.key, v);
    }
    if (!p.isTruncated || !p.nextKeyMarker) {
      truncated = false;
      break;
    }
    if (p.nextKeyMarker === keyMarker && p.nextVersionIdMarker === versionIdMarker) break;
    keyMarker = p.nextKeyMarker;
    versionIdMarker = p.nextVersionIdMarker;
  }
  const objects: DeletedObject[] = [];
  for (const [key, v] of latest) {
    if (!v.deleteMarker || key === prefix) continue;
    const prev = older.get(key);
    objects.push({
      key,
      deletedAt: v.lastModified,
      markerVersionId: v.versionId,
      size: prev?.size,
      previousVersionId: prev?.versionId,
    });
  }
  objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  return { objects, truncated };
}

/** Makes `versionId` of `key` its newest version again: a server-side copy of that version onto the key. */
export async function restoreVersion(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  versionId: string,
  opts: OpOptions = {},
): Promise<{ versionId?: string }> {
  const prefix = client.dialect.headerPrefix;
  const res = await client.requestText({
    method: 'PUT',
    bucket: loc.bucket,
    region: loc.region,
    key,
    headers: {
      [`${prefix}copy-source`]: `${copySource(client, loc, key)}?versionId=${encodeURIComponent(versionId)}`,
      [`${prefix}metadata-directive`]: metadataDirective(client),
    },
    signal: opts.signal,
  });
  if (/<Error[\s>]/.test(res.text) && !/<CopyObjectResult[\s>]/.test(res.text)) {
    throw storageErrorFromResponse({
      status: res.status,
      body: res.text,
      requestIdHeader: res.headers['x-cos-request-id'] ?? res.headers['x-amz-request-id'],
      ctx: { bucket: loc.bucket, key },
    });
  }
  return { versionId: res.headers[`${prefix}version-id`] || undefined };
}

/** Deletes one version (or delete marker) for good: `DELETE /<key>?versionId=`. */
export async function deleteVersion(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  versionId: string,
  opts: OpOptions = {},
): Promise<{ deleteMarker: boolean }> {
  const res = await client.request({
    method: 'DELETE',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: { versionId },
    signal: opts.signal,
  });
  await res.body.dump();
  return { deleteMarker: res.headers[`${client.dialect.headerPrefix}delete-marker`] === 'true' };
}

/**
 * Brings a deleted object back: removes the delete markers on top of its newest real version.
 * Refused when the key has no version left to come back to.
 */
export async function undelete(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  opts: OpOptions = {},
): Promise<{ removedMarkers: number; versionId: string }> {
  const { versions } = await versionsOfKey(client, loc, key, opts);
  const firstReal = versions.findIndex((v) => !v.deleteMarker);
  if (firstReal < 0) {
    throw new AppError(
      'NOT_FOUND',
      `"${key}" has no earlier version to bring back: only delete markers are left. Nothing was changed.`,
      { key, messageZh: `“${key}”没有可恢复的早期版本，只剩删除标记。未做任何更改。` },
    );
  }
  if (firstReal === 0) {
    throw new AppError('VALIDATION', `"${key}" is not deleted: its newest version is already there.`, {
      key,
      messageZh: `“${key}”未被删除：其最新版本仍在。`,
    });
  }
  for (const m of versions.slice(0, firstReal)) await deleteVersion(client, loc, key, m.versionId, opts);
  return { removedMarkers: firstReal, versionId: versions[firstReal].versionId };
}

function malformed(loc: BucketLoc, headers: Record<string, string>) {
  return malformedResponseError(
    { bucket: loc.bucket },
    200,
    headers['x-cos-request-id'] ?? headers['x-amz-request-id'],
  );
}
