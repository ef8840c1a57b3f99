import type { Readable } from 'node:stream';
import type { StorageClient } from '../storage/client';
import { malformedResponseError, StorageError } from '../storage/errors';
import { etagIsOpaque } from '../storage/ops/objects';
import { mapLimit } from '../storage/ops/pool';
import { bodyHeaders } from '../storage/ops/body';
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

/**
 * One Initiate request, sent once (a POST: the HTTP layer resends it only when it never left
 * this machine). An answer without an upload id is a MalformedResponse: the server may still
 * have started one, so the caller must look for it (see initiateSafely).
 */
export async function initiateUpload(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<string> {
  const {
    doc,
    status,
    headers: h,
  } = await client.requestXml({
    method: 'POST',
    bucket: loc.bucket,
    region: loc.region,
    key,
    query: { uploads: '' },
    headers,
    signal,
  });
  const id = text(doc['InitiateMultipartUploadResult'], 'UploadId');
  if (!id) {
    throw malformedResponseError(
      { bucket: loc.bucket, key },
      status,
      h['x-cos-request-id'] ?? h['x-amz-request-id'],
    );
  }
  return id;
}

/** What is known about an Initiate before it is sent: journaled, so a crash can find its upload. */
export interface InitiateMemo {
  key: string;
  /** The (server-corrected) clock when it was sent, in ms. */
  at: number;
  /** Upload ids of exactly this key that existed before it; undefined when they could not be listed. */
  before?: string[];
}

// Local and server clocks may differ by up to S3's signature tolerance (15 minutes) when no
// skew error has told us the server's time; an answer may take the response timeout to come.
const CLOCK_SLACK_MS = 15 * 60_000;
const ANSWER_WINDOW_MS = 5 * 60_000;
// The request never reached the network: nothing can have been started.
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Whether an Initiate that failed this way may still have started an upload on the server:
 * a lost or garbled answer, a timeout, a 5xx after sending. A plain 4xx answer started nothing.
 */
export function mayHaveStarted(e: unknown): boolean {
  if (!(e instanceof StorageError)) return true;
  if (e.storageCode === 'MalformedResponse') return true;
  if (e.status !== undefined) return e.status >= 500 || e.status === 408 || e.status === 429;
  const cause = e.details.cause ?? '';
  return !NOT_SENT.has(cause) && !NOT_SENT.has(e.storageCode);
}

/** A memo for an Initiate of `key` about to be sent now. */
export async function initiateMemo(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
): Promise<InitiateMemo> {
  let before: string[] | undefined;
  try {
    before = (await uploadsOfKey(client, loc, key)).map((u) => u.uploadId);
  } catch (e) {
    // A key that may upload but not list uploads: fall back to the initiation time alone.
    if (!(e instanceof StorageError && e.status === 403)) throw e;
  }
  return { key, at: client.http.signingTime(), before };
}

/** Unfinished uploads of exactly `key` (ListMultipartUploads lists by prefix). */
export async function uploadsOfKey(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
): Promise<PendingUpload[]> {
  return (await listMultipartUploads(client, loc, key)).filter((u) => u.key === key);
}

/** Uploads of the memo's key that its Initiate may have started: not there before, begun around then. */
export async function uploadsStartedBy(
  client: StorageClient,
  loc: BucketLoc,
  memo: InitiateMemo,
): Promise<PendingUpload[]> {
  const before = new Set(memo.before ?? []);
  const from = memo.at - CLOCK_SLACK_MS;
  const to = Math.max(memo.at, client.http.signingTime()) + CLOCK_SLACK_MS + ANSWER_WINDOW_MS;
  return (await uploadsOfKey(client, loc, memo.key)).filter((u) => {
    if (before.has(u.uploadId)) return false;
    const t = Date.parse(u.initiated ?? '');
    return !Number.isFinite(t) || (t >= from && t <= to);
  });
}

/**
 * After an Initiate whose answer never came (a crash, a lost answer): adopts the one upload it
 * started (returns its id) when `adopt`, and aborts any other it started. Never touches an upload
 * that existed before it (another tool's).
 */
export async function settleInitiate(
  client: StorageClient,
  loc: BucketLoc,
  memo: InitiateMemo,
  adopt: boolean,
): Promise<string | undefined> {
  let fresh: PendingUpload[];
  try {
    fresh = await uploadsStartedBy(client, loc, memo);
  } catch (e) {
    // A key that may not list uploads cannot find it; what is left shows under Leftover uploads.
    if (e instanceof StorageError && e.status === 403) return undefined;
    throw e;
  }
  if (adopt && fresh.length === 1) return fresh[0].uploadId;
  for (const u of fresh) await abortUpload(client, loc, memo.key, u.uploadId);
  return undefined;
}

/**
 * Starts a multipart upload without ever leaving a second one behind. Initiate is not
 * idempotent, so it is never simply sent again once it may have reached the server: after a
 * lost or garbled answer the upload is looked up by ListMultipartUploads and adopted when
 * exactly one new one is there; otherwise the new ones are aborted and Initiate is tried again.
 * `record` journals each attempt before it is sent, so a crash can be settled the same way.
 */
export async function initiateSafely(
  client: StorageClient,
  loc: BucketLoc,
  key: string,
  o: {
    signal: AbortSignal;
    record(memo: InitiateMemo): Promise<void>;
    retryable(e: unknown): boolean;
    sleep(attempt: number): Promise<void>;
    attempts?: number;
    /** Headers of the object to be (Content-Type): Initiate is where multipart sets them. */
    headers?: Record<string, string>;
  },
): Promise<string> {
  const attempts = o.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    const memo = await initiateMemo(client, loc, key);
    await o.record(memo);
    let failure: unknown;
    try {
      return await initiateUpload(client, loc, key, o.headers ?? {}, o.signal);
    } catch (e) {
      failure = e;
    }
    if (mayHaveStarted(failure) && memo.before === undefined && !o.signal.aborted) {
      // Without a list of uploads there is no telling whether one was started: do not send another.
      throw new Error(
        `The answer to starting the multipart upload of ${key} was lost, and this key may not list unfinished uploads to find it. An unfinished upload may be left in the bucket (see Leftover uploads, or cosdesk uploads ls); retry the transfer to start again.`,
      );
    }
    if (mayHaveStarted(failure)) {
      // A paused or cancelled job keeps nothing it did not record: abort what this attempt made.
      const adopted = await settleInitiate(client, loc, memo, !o.signal.aborted);
      if (adopted) return adopted;
    }
    if (o.signal.aborted || attempt >= attempts || !(o.retryable(failure) || mayHaveStarted(failure)))
      throw failure;
    await o.sleep(attempt);
  }
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
    headers: bodyHeaders(body),
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

export interface UploadDetails extends PendingUpload {
  /** Parts and bytes the server holds; undefined when it would not list them. */
  parts?: number;
  bytes?: number;
}

/**
 * Unfinished uploads under `prefix` with what each holds so far, oldest first. An upload that
 * is gone by the time its parts are asked for (completed or aborted meanwhile) is left out.
 */
export async function describeUploads(
  client: StorageClient,
  loc: BucketLoc,
  prefix = '',
): Promise<UploadDetails[]> {
  const uploads = await listMultipartUploads(client, loc, prefix);
  const out = await mapLimit(uploads, 8, async (u): Promise<UploadDetails | undefined> => {
    try {
      const parts = await listParts(client, loc, u.key, u.uploadId);
      if (parts === undefined) return undefined;
      return { ...u, parts: parts.length, bytes: parts.reduce((n, p) => n + (p.size || 0), 0) };
    } catch (e) {
      if (e instanceof StorageError && e.status === 403) return u;
      throw e;
    }
  });
  return out
    .filter((u): u is UploadDetails => u !== undefined)
    .sort((a, b) => (Date.parse(a.initiated ?? '') || 0) - (Date.parse(b.initiated ?? '') || 0));
}

/** Aborts each upload (at most 8 at a time); one already gone counts as aborted. */
export async function abortUploads(
  client: StorageClient,
  loc: BucketLoc,
  uploads: ReadonlyArray<{ key: string; uploadId: string }>,
): Promise<{
  aborted: Array<{ key: string; uploadId: string }>;
  errors: Array<{ key: string; uploadId: string; code: string; message: string }>;
}> {
  const results = await mapLimit(uploads, 8, async (u) => {
    try {
      await abortUpload(client, loc, u.key, u.uploadId);
      return { ok: true as const, u };
    } catch (e) {
      const se = e instanceof StorageError ? e : undefined;
      return {
        ok: false as const,
        u,
        code: se?.storageCode ?? 'INTERNAL',
        message: e instanceof Error ? e.message : String(e),
      };
    }
  });
  const aborted: Array<{ key: string; uploadId: string }> = [];
  const errors: Array<{ key: string; uploadId: string; code: string; message: string }> = [];
  for (const r of results) {
    if (r.ok) aborted.push({ key: r.u.key, uploadId: r.u.uploadId });
    else errors.push({ key: r.u.key, uploadId: r.u.uploadId, code: r.code, message: r.message });
  }
  return { aborted, errors };
}
