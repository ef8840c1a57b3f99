/**
 * COS request-signature verifier. Deliberately shares nothing with the app's signer
 * (src-main): the expected signature is recomputed by the official SDK's
 * `COS.getAuthorization`, fed with what the request itself declares it signed
 * (`q-header-list`, `q-url-param-list`, `q-key-time`).
 */
import { timingSafeEqual } from 'node:crypto';
import COS from 'cos-nodejs-sdk-v5';

export interface CosAuth {
  /** Where the signature came from. */
  source: 'header' | 'query';
  algorithm: string;
  ak: string;
  signTime: string;
  keyTime: string;
  headerList: string[];
  urlParamList: string[];
  signature: string;
}

export type VerifyFailure = {
  ok: false;
  status: number;
  code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'RequestTimeTooSkewed';
  message: string;
};
export type VerifyResult = { ok: true } | VerifyFailure;

/** Query parameter names that carry the signature itself (never part of the signed params). */
export const AUTH_QUERY_KEYS = new Set([
  'q-sign-algorithm',
  'q-ak',
  'q-sign-time',
  'q-key-time',
  'q-header-list',
  'q-url-param-list',
  'q-signature',
]);

/** Percent-decode without treating '+' as a space (COS clients encode space as %20). */
export function pctDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parse a raw query string into ordered [name, value] pairs (names and values decoded). */
export function parseQuery(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.push([pctDecode(part), '']);
    else out.push([pctDecode(part.slice(0, eq)), pctDecode(part.slice(eq + 1))]);
  }
  return out;
}

function splitList(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(';')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function parseFields(pairs: Iterable<[string, string]>, source: 'header' | 'query'): CosAuth | null {
  const f = new Map<string, string>();
  for (const [k, v] of pairs) f.set(k.toLowerCase(), v);
  if (!f.has('q-signature') && !f.has('q-ak')) return null;
  return {
    source,
    algorithm: f.get('q-sign-algorithm') ?? '',
    ak: f.get('q-ak') ?? '',
    signTime: f.get('q-sign-time') ?? '',
    keyTime: f.get('q-key-time') ?? '',
    headerList: splitList(f.get('q-header-list')),
    urlParamList: splitList(f.get('q-url-param-list')),
    signature: (f.get('q-signature') ?? '').toLowerCase(),
  };
}

/** The COS signature a request carries (Authorization header first, then q-* query), or null. */
export function parseCosAuth(
  authorization: string | undefined,
  query: Array<[string, string]>,
): CosAuth | null {
  if (authorization && /q-sign-algorithm=|q-signature=/i.test(authorization)) {
    return parseFields(parseQuery(authorization), 'header');
  }
  const q = query.filter(([k]) => AUTH_QUERY_KEYS.has(k.toLowerCase()));
  return q.length ? parseFields(q, 'query') : null;
}

export interface SignedRequest {
  method: string;
  /** Decoded object path with a leading slash ("/" for bucket and service requests). */
  pathname: string;
  /** All query parameters of the request (decoded), auth parameters included. */
  query: Array<[string, string]>;
  /** Request headers with lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

const deny = (status: number, code: VerifyFailure['code'], message: string): VerifyFailure => ({
  ok: false,
  status,
  code,
  message,
});

/**
 * Verify `auth` for `req` with `secretKey`. `now` in Unix seconds.
 * Time checks come first (COS answers an expired link with "Request has expired" whatever
 * its signature), then the signature.
 */
export function verifyCosSignature(
  auth: CosAuth,
  req: SignedRequest,
  secretKey: string,
  now = Math.floor(Date.now() / 1000),
  maxSkewSeconds = 900,
): VerifyResult {
  if (auth.algorithm.toLowerCase() !== 'sha1') {
    return deny(403, 'AccessDenied', `Unsupported q-sign-algorithm "${auth.algorithm}"`);
  }
  const m = /^(\d+);(\d+)$/.exec(auth.keyTime);
  if (!m || !/^\d+;\d+$/.test(auth.signTime)) {
    return deny(403, 'AccessDenied', 'Invalid q-key-time / q-sign-time');
  }
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (now > end) return deny(403, 'AccessDenied', 'Request has expired');
  if (start > now + maxSkewSeconds) {
    return deny(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the server time is too large',
    );
  }
  if (auth.signTime !== auth.keyTime) {
    // The official signer uses the same window for both; a different q-sign-time cannot verify.
    return deny(403, 'SignatureDoesNotMatch', 'q-sign-time differs from q-key-time');
  }

  // Collect exactly what the request claims it signed.
  const headers: Record<string, string> = {};
  for (const name of auth.headerList) {
    const v = headerValue(req.headers[pctDecode(name).toLowerCase()]);
    if (v === undefined) {
      return deny(403, 'SignatureDoesNotMatch', `Signed header "${name}" is missing from the request`);
    }
    headers[pctDecode(name)] = v;
  }
  const query: Record<string, string> = {};
  const wanted = new Set(auth.urlParamList.map((n) => pctDecode(n).toLowerCase()));
  for (const [k, v] of req.query) {
    if (AUTH_QUERY_KEYS.has(k.toLowerCase())) continue;
    if (wanted.has(k.toLowerCase())) query[k] = v;
  }
  for (const n of wanted) {
    if (!Object.keys(query).some((k) => k.toLowerCase() === n)) {
      return deny(403, 'SignatureDoesNotMatch', `Signed parameter "${n}" is missing from the request`);
    }
  }

  const expected = COS.getAuthorization({
    SecretId: auth.ak,
    SecretKey: secretKey,
    Method: req.method,
    Pathname: req.pathname,
    Query: query,
    Headers: headers,
    KeyTime: auth.keyTime,
  } as unknown as COS.StaticGetAuthorizationOptions);
  const fields = new Map(parseQuery(expected).map(([k, v]) => [k, v]));
  const expectedSig = fields.get('q-signature') ?? '';
  // The SDK's signer drops headers it never signs; if the request listed one, it cannot verify.
  if ((fields.get('q-header-list') ?? '') !== [...auth.headerList].sort().join(';')) {
    return deny(403, 'SignatureDoesNotMatch', 'q-header-list does not match the signable headers');
  }
  const a = Buffer.from(expectedSig);
  const b = Buffer.from(auth.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return deny(
      403,
      'SignatureDoesNotMatch',
      'The Signature you specified does not match what we calculated',
    );
  }
  return { ok: true };
}
