import type { ListObjectsPage, ObjectSummary } from '../../../src-shared/contract';
import type { StorageClient } from '../client';
import { malformedResponseError } from '../errors';
import { list, text } from '../xml';
import type { BucketLoc, OpOptions } from './types';

export interface ListParams extends OpOptions {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  maxKeys?: number;
}

/** One page of `GET /?prefix&delimiter&marker&max-keys&encoding-type=url`. */
export async function listObjects(
  client: StorageClient,
  loc: BucketLoc,
  p: ListParams = {},
): Promise<ListObjectsPage> {
  const query: Record<string, string> = { 'encoding-type': 'url', prefix: p.prefix ?? '' };
  if (p.delimiter) query['delimiter'] = p.delimiter;
  if (p.marker) query['marker'] = p.marker;
  if (p.maxKeys !== undefined) query['max-keys'] = String(p.maxKeys);
  const { doc, headers } = await client.requestXml({
    method: 'GET',
    bucket: loc.bucket,
    region: loc.region,
    query,
    signal: p.signal,
  });
  const root = doc['ListBucketResult'];
  if (root === undefined) {
    throw malformedResponseError(
      { bucket: loc.bucket },
      200,
      headers['x-cos-request-id'] ?? headers['x-amz-request-id'],
    );
  }
  // A server that ignores encoding-type sends raw keys, and decoding those would corrupt `%` in them.
  const encoded = text(root, 'EncodingType')?.toLowerCase() === 'url';
  // Decoding copies; a raw key is a copy too: V8 keeps a substring as a view of the string it
  // was cut from, and a key kept (a queued download's) would keep the whole page's text alive.
  const decode = (s: string) => (encoded ? decodeListValue(s) : ownString(s));

  const objects: ObjectSummary[] = list(root, 'Contents').map((c) => ({
    key: decode(text(c, 'Key') ?? ''),
    size: Number(text(c, 'Size') ?? 0),
    lastModified: isoOrRaw(text(c, 'LastModified') ?? ''),
    etag: unquote(text(c, 'ETag') ?? ''),
    storageClass: text(c, 'StorageClass') || undefined,
  }));
  const prefixes = list(root, 'CommonPrefixes')
    .map((cp) => text(cp, 'Prefix'))
    .filter((s): s is string => s !== undefined && s !== '')
    .map(decode);
  const isTruncated = text(root, 'IsTruncated') === 'true';
  return {
    objects,
    prefixes,
    isTruncated,
    nextMarker: isTruncated ? nextMarkerOf(objects, prefixes, text(root, 'NextMarker'), encoded) : undefined,
  };
}

/**
 * Where the next page starts. By definition that is the last key or common prefix of this page,
 * whichever sorts later (S3 omits NextMarker without a delimiter). We derive it from the page
 * rather than trusting NextMarker: Ceph RGW sends NextMarker unencoded even with
 * encoding-type=url while AWS and COS encode it, so its text alone is ambiguous.
 */
export function nextMarkerOf(
  objects: readonly { key: string }[],
  prefixes: readonly string[],
  rawNextMarker: string | undefined,
  encoded: boolean,
): string | undefined {
  const lastKey = objects.at(-1)?.key;
  const lastPrefix = prefixes.at(-1);
  const last =
    lastKey === undefined ? lastPrefix : lastPrefix === undefined ? lastKey : utf8Max(lastKey, lastPrefix);
  if (last !== undefined) return last;
  if (!rawNextMarker) return undefined;
  return encoded ? decodeListValue(rawNextMarker) : rawNextMarker;
}

/**
 * Decodes a value of an `encoding-type=url` listing. AWS form-encodes (a space is `+`), RGW and
 * COS percent-encode (a space is `%20`); every one of them escapes a literal `+` as `%2B`, so a
 * bare `+` can only ever mean a space.
 */
/** A flat copy (JSON round trips copy any string exactly, lone surrogates too). */
function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

export function decodeListValue(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Not valid percent-encoding: the server did not encode this value after all.
    return s;
  }
}

/** Servers compare keys by their UTF-8 bytes, which is not JavaScript's UTF-16 order. */
function utf8Max(a: string, b: string): string {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) >= 0 ? a : b;
}

export function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

function isoOrRaw(s: string): string {
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString() : s;
}

/** Every key under `prefix`, page by page, for folder operations. */
export async function listAllKeys(
  client: StorageClient,
  loc: BucketLoc,
  prefix: string,
  opts: OpOptions = {},
): Promise<ObjectSummary[]> {
  const out: ObjectSummary[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await listObjects(client, loc, { prefix, marker, maxKeys: 1000, signal: opts.signal });
    out.push(...page.objects);
    if (!page.isTruncated || page.nextMarker === undefined || page.nextMarker === marker) return out;
    marker = page.nextMarker;
  }
}
