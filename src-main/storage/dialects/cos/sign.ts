import { createHash, createHmac } from 'node:crypto';
import { uriEncode } from '../../encode';

export interface CosSignInput {
  secretId: string;
  secretKey: string;
  method: string;
  /** The decoded object path with a leading slash, as the server sees it. */
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** `"<start>;<end>"` in Unix seconds. */
  keyTime: string;
}

/** Headers the official SDKs sign when present, besides host and x-cos-/x-ci- headers. */
const STANDARD_SIGNED = new Set([
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-length',
  'content-md5',
  'content-type',
  'expect',
  'expires',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'origin',
  'range',
  'transfer-encoding',
  'pic-operations',
]);

/** Date, User-Agent and Authorization are rewritten by proxies and the client itself, so never signed. */
const NEVER_SIGNED = new Set(['date', 'user-agent', 'authorization']);

export function isSignedCosHeader(name: string): boolean {
  const n = name.toLowerCase();
  if (NEVER_SIGNED.has(n)) return false;
  return STANDARD_SIGNED.has(n) || n.includes('x-cos-') || n.includes('x-ci-');
}

/** Builds `key=value` pairs sorted by lower-cased encoded key, plus the `;`-joined key list. */
function canonicalPairs(entries: [string, string][]): { list: string; joined: string } {
  const pairs = entries
    .map(([k, v]) => [uriEncode(k).toLowerCase(), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    list: pairs.map(([k]) => k).join(';'),
    joined: pairs.map(([k, v]) => `${k}=${v}`).join('&'),
  };
}

const hmacSha1Hex = (key: string, msg: string) => createHmac('sha1', key).update(msg, 'utf8').digest('hex');

/**
 * SignKey = HMAC(secretKey, keyTime): the same for every request or link of one key time, so the
 * last one is kept (a batch of 10,000 links shares one key time).
 */
let lastSignKey = { secretKey: '', keyTime: '', value: '' };
function signKeyFor(secretKey: string, keyTime: string): string {
  if (lastSignKey.secretKey !== secretKey || lastSignKey.keyTime !== keyTime)
    lastSignKey = { secretKey, keyTime, value: hmacSha1Hex(secretKey, keyTime) };
  return lastSignKey.value;
}

/** The `Authorization` value for a COS request (shared/cos/PROTOCOL.md §1). */
export function signCos(input: CosSignInput): string {
  const params = canonicalPairs(Object.entries(input.query));
  const headers = canonicalPairs(Object.entries(input.headers).filter(([name]) => isSignedCosHeader(name)));
  const httpString = [input.method.toLowerCase(), input.pathname, params.joined, headers.joined, ''].join(
    '\n',
  );
  const stringToSign = [
    'sha1',
    input.keyTime,
    createHash('sha1').update(httpString, 'utf8').digest('hex'),
    '',
  ].join('\n');
  const signature = hmacSha1Hex(signKeyFor(input.secretKey, input.keyTime), stringToSign);
  return [
    'q-sign-algorithm=sha1',
    `q-ak=${input.secretId}`,
    `q-sign-time=${input.keyTime}`,
    `q-key-time=${input.keyTime}`,
    `q-header-list=${headers.list}`,
    `q-url-param-list=${params.list}`,
    `q-signature=${signature}`,
  ].join('&');
}

export const DEFAULT_KEY_TIME_SECONDS = 900;

/**
 * A key time like the official SDK's: start one second early so a server clock a little
 * behind ours still accepts it. `clockOffsetMs` is server time minus local time.
 */
export function buildKeyTime(
  opts: { nowMs?: number; clockOffsetMs?: number; expiresSeconds?: number } = {},
): string {
  const now = (opts.nowMs ?? Date.now()) + (opts.clockOffsetMs ?? 0);
  const start = Math.round(now / 1000) - 1;
  return `${start};${start + (opts.expiresSeconds ?? DEFAULT_KEY_TIME_SECONDS)}`;
}
