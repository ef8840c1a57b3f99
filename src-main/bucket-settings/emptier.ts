import type { EmptyCounts } from '../../src-shared/contract';
import type { StorageClient } from '../storage/client';
import { malformedResponseError } from '../storage/errors';
import { bodyHeaders } from '../storage/ops/body';
import { mapLimit } from '../storage/ops/pool';
import type { BucketLoc } from '../storage/ops/types';
import { escapeXml, list, text } from '../storage/xml';

/** One listed version: the current object, an older version, or a delete marker. */
interface Entry {
  key: string;
  versionId: string;
  kind: keyof Pick<EmptyCounts, 'objects' | 'versions' | 'deleteMarkers'>;
}

export interface EmptyOptions {
  signal: AbortSignal;
  onProgress(counts: EmptyCounts, firstError?: string): void;
}

const PAGE = 1000;
// A listing that never ends, or passes that never empty the bucket, are server bugs: stop.
const MAX_PAGES = 100_000;
const MAX_PASSES = 5;

const dec = (s: string | undefined, encoded: boolean) => {
  if (s === undefined) return '';
  if (!encoded) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
};

/**
 * Deletes everything in a bucket: every version and delete marker (GET ?versions, which lists
 * plain objects as version "null" in a bucket that was never versioned), in multi-deletes of
 * 1000 with Content-MD5, then every incomplete multipart upload (GET ?uploads, DELETE
 * ?uploadId). Counts go to `onProgress` as they grow; the signal stops it between requests.
 * Resolves with the final counts; `failed` counts keys the server refused.
 */
export async function emptyBucket(
  client: StorageClient,
  loc: BucketLoc,
  opts: EmptyOptions,
): Promise<{ counts: EmptyCounts; firstError?: string }> {
  const counts: EmptyCounts = { objects: 0, versions: 0, deleteMarkers: 0, uploads: 0, failed: 0 };
  let firstError: string | undefined;
  const report = () => opts.onProgress({ ...counts }, firstError);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let found = 0;
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      opts.signal.throwIfAborted();
      const query: Record<string, string> = {
        versions: '',
        'max-keys': String(PAGE),
        'encoding-type': 'url',
      };
      if (keyMarker !== undefined) query['key-marker'] = keyMarker;
      if (versionMarker !== undefined) query['version-id-marker'] = versionMarker;
      const { doc, headers } = await client.requestXml({
        method: 'GET',
        bucket: loc.bucket,
        region: loc.region,
        query,
        signal: opts.signal,
      });
      const root = doc['ListVersionsResult'];
      if (root === undefined)
        throw malformedResponseError(
          { bucket: loc.bucket },
          200,
          headers['x-cos-request-id'] ?? headers['x-amz-request-id'],
        );
      const encoded = text(root, 'EncodingType') === 'url';
      const entries: Entry[] = [
        ...list(root, 'Version').map((v) => ({
          key: dec(text(v, 'Key'), encoded),
          versionId: text(v, 'VersionId') ?? 'null',
          kind: text(v, 'IsLatest') === 'false' ? ('versions' as const) : ('objects' as const),
        })),
        ...list(root, 'DeleteMarker').map((v) => ({
          key: dec(text(v, 'Key'), encoded),
          versionId: text(v, 'VersionId') ?? 'null',
          kind: 'deleteMarkers' as const,
        })),
      ];
      found += entries.length;
      if (entries.length) {
        const r = await deleteVersions(client, loc, entries, opts.signal);
        for (const e of r.done) counts[e.kind]++;
        counts.failed += r.failed.length;
        if (r.failed.length && !firstError) firstError = r.failed[0];
        report();
      }
      if (text(root, 'IsTruncated') !== 'true') break;
      const nk = dec(text(root, 'NextKeyMarker'), encoded);
      const nv = text(root, 'NextVersionIdMarker');
      if (!nk || (nk === keyMarker && nv === versionMarker)) break;
      keyMarker = nk;
      versionMarker = nv;
    }
    // Refusals would come back on every pass; a pass that found nothing means the bucket is empty.
    if (found === 0 || counts.failed > 0) break;
  }
  await abortUploads(client, loc, counts, opts, report);
  report();
  return { counts, firstError };
}

async function deleteVersions(
  client: StorageClient,
  loc: BucketLoc,
  entries: readonly Entry[],
  signal: AbortSignal,
): Promise<{ done: Entry[]; failed: string[] }> {
  const body =
    '<Delete><Quiet>true</Quiet>' +
    entries
      .map(
        (e) =>
          `<Object><Key>${escapeXml(e.key)}</Key><VersionId>${escapeXml(e.versionId)}</VersionId></Object>`,
      )
      .join('') +
    '</Delete>';
  const { doc } = await client.requestXml({
    method: 'POST',
    bucket: loc.bucket,
    region: loc.region,
    query: { delete: '' },
    headers: bodyHeaders(body),
    body,
    idempotent: true,
    signal,
  });
  const errors = list(doc['DeleteResult'], 'Error');
  const bad = new Set(errors.map((e) => `${text(e, 'Key') ?? ''}\n${text(e, 'VersionId') ?? ''}`));
  // Our XML reader trims text: compare trimmed keys; an error without a VersionId names the key.
  const isBad = (e: Entry) => bad.has(`${e.key.trim()}\n${e.versionId}`) || bad.has(`${e.key.trim()}\n`);
  return {
    done: entries.filter((e) => !isBad(e)),
    failed: errors.map(
      (e) => `${text(e, 'Key') ?? ''}: ${text(e, 'Message') || text(e, 'Code') || 'refused'}`,
    ),
  };
}

async function abortUploads(
  client: StorageClient,
  loc: BucketLoc,
  counts: EmptyCounts,
  opts: EmptyOptions,
  report: () => void,
): Promise<void> {
  let keyMarker: string | undefined;
  let uploadMarker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    opts.signal.throwIfAborted();
    const query: Record<string, string> = {
      uploads: '',
      'max-uploads': String(PAGE),
      'encoding-type': 'url',
    };
    if (keyMarker !== undefined) query['key-marker'] = keyMarker;
    if (uploadMarker !== undefined) query['upload-id-marker'] = uploadMarker;
    const { doc } = await client.requestXml({
      method: 'GET',
      bucket: loc.bucket,
      region: loc.region,
      query,
      signal: opts.signal,
    });
    const root = doc['ListMultipartUploadsResult'];
    const encoded = text(root, 'EncodingType') === 'url';
    const uploads = list(root, 'Upload').map((u) => ({
      key: dec(text(u, 'Key'), encoded),
      uploadId: text(u, 'UploadId') ?? '',
    }));
    await mapLimit(uploads, 8, async (u) => {
      opts.signal.throwIfAborted();
      try {
        const res = await client.request({
          method: 'DELETE',
          bucket: loc.bucket,
          region: loc.region,
          key: u.key,
          query: { uploadId: u.uploadId },
          signal: opts.signal,
        });
        await res.body.dump();
        counts.uploads++;
      } catch (e) {
        if ((e as { storageCode?: string }).storageCode === 'NoSuchUpload') return;
        if (opts.signal.aborted) throw e;
        counts.failed++;
      }
      report();
    });
    if (text(root, 'IsTruncated') !== 'true') break;
    const nk = dec(text(root, 'NextKeyMarker'), encoded);
    const nu = text(root, 'NextUploadIdMarker');
    if (!nk || (nk === keyMarker && nu === uploadMarker)) break;
    keyMarker = nk;
    uploadMarker = nu;
  }
}

/** What is left in a bucket: versions and delete markers, and unfinished uploads. */
export interface LeftCounts {
  versions: number;
  uploads: number;
  /** More than LEFT_PAGES pages of either: the counts are a lower bound. */
  more: boolean;
}

const LEFT_PAGES = 10;

/**
 * Counts what an emptying left behind (after a refusal or an error), a few pages at most, so
 * the message can say what is still there. Plain objects of a never-versioned bucket count as
 * versions ("null"), as GET ?versions lists them.
 */
export async function countLeft(
  client: StorageClient,
  loc: BucketLoc,
  signal?: AbortSignal,
): Promise<LeftCounts> {
  const left: LeftCounts = { versions: 0, uploads: 0, more: false };
  const walk = async (
    sub: 'versions' | 'uploads',
    root: string,
    markers: [string, string, string, string],
    count: (node: unknown) => number,
  ) => {
    const [keyQ, idQ, nextKey, nextId] = markers;
    let key: string | undefined;
    let id: string | undefined;
    for (let page = 0; page < LEFT_PAGES; page++) {
      const query: Record<string, string> = { [sub]: '', 'encoding-type': 'url' };
      if (key !== undefined) query[keyQ] = key;
      if (id !== undefined) query[idQ] = id;
      const { doc } = await client.requestXml({
        method: 'GET',
        bucket: loc.bucket,
        region: loc.region,
        query,
        signal,
      });
      const r = doc[root];
      if (sub === 'versions') left.versions += count(r);
      else left.uploads += count(r);
      if (text(r, 'IsTruncated') !== 'true') return;
      const nk = dec(text(r, nextKey), text(r, 'EncodingType') === 'url');
      const ni = text(r, nextId);
      if (!nk || (nk === key && ni === id)) return;
      key = nk;
      id = ni;
    }
    left.more = true;
  };
  await walk(
    'versions',
    'ListVersionsResult',
    ['key-marker', 'version-id-marker', 'NextKeyMarker', 'NextVersionIdMarker'],
    (r) => list(r, 'Version').length + list(r, 'DeleteMarker').length,
  );
  await walk(
    'uploads',
    'ListMultipartUploadsResult',
    ['key-marker', 'upload-id-marker', 'NextKeyMarker', 'NextUploadIdMarker'],
    (r) => list(r, 'Upload').length,
  );
  return left;
}

/** "3 versions or delete markers and 1 unfinished upload" (with "at least" when not all were counted). */
export function describeLeft(l: LeftCounts): { en: string; zh: string } {
  const n = (c: number, one: string, many: string) => `${c.toLocaleString('en')} ${c === 1 ? one : many}`;
  const atLeast = l.more ? 'at least ' : '';
  return {
    en: `${atLeast}${n(l.versions, 'object version or delete marker', 'object versions or delete markers')} and ${n(l.uploads, 'unfinished upload', 'unfinished uploads')}`,
    zh: `${l.more ? '至少 ' : ''}${l.versions} 个对象版本或删除标记、${l.uploads} 个未完成的分块上传`,
  };
}
