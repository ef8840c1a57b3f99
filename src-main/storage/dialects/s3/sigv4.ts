import { createHash, createHmac } from 'node:crypto';
import { uriEncode } from '../../encode';

/**
 * SigV4 with Node's crypto: the request signer (an `Authorization` header, every S3 request) and
 * the query-string signer (a pre-signed link). One canonical form, one signing-key cache.
 *
 * Hand-written rather than @smithy/signature-v4 (which the tests compare against byte for byte:
 * test/unit/storage/s3-sign.test.ts over random requests, test/unit/sharing/sigv4-presign.test.ts
 * over random links): that one clones the request, walks its headers several times, awaits a
 * credential provider and re-derives an HMAC of the secret for every request; with the pure-JS
 * SHA-256 it was ~137 µs per request on the bench machine (2-3 requests per small file), and its
 * `presign` caps near 30,000 links/s (issue 13 (g) asks ≥ 50,000).
 *
 * Request signing keeps smithy's rules for what the S3 dialect uses (`uriEscapePath: false`,
 * `applyChecksum: false`): the path is taken as already encoded; authorization, date and
 * x-amz-date given by the caller are dropped; x-amz-date (and x-amz-security-token with a token)
 * is set; the payload hash is the x-amz-content-sha256 header's value; every header is signed but
 * the hop-by-hop/unsignable ones (user-agent, expect, transfer-encoding, …, proxy-*, sec-*).
 *
 * Links: `x-amz-content-sha256: UNSIGNED-PAYLOAD` is declared but neither signed nor hoisted,
 * every other header is signed, and the query keeps the caller's parameters first, then the
 * X-Amz-* ones in smithy's order.
 *
 * The signing key (four HMACs) is derived once per day and region and reused.
 */
export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4PresignInput {
  method: string;
  /** Percent-encoded path as sent on the wire. */
  path: string;
  /** Raw (decoded) query parameters to sign and send. */
  query: Record<string, string>;
  /** Lower-case header names (must include `host`); all are signed. */
  headers: Record<string, string>;
  signingDate: Date;
  expiresIn: number;
}

/** SigV4 links cannot last longer than a week (the S3 API rejects them). */
export const SIGV4_MAX_EXPIRES = 7 * 24 * 3600;

function longDate(d: Date): string {
  // 2024-01-02T03:04:05.678Z → 20240102T030405Z
  const iso = d.toISOString();
  return (
    iso.slice(0, 4) +
    iso.slice(5, 7) +
    iso.slice(8, 10) +
    'T' +
    iso.slice(11, 13) +
    iso.slice(14, 16) +
    iso.slice(17, 19) +
    'Z'
  );
}

/** Header value as SigV4 canonicalises it: line breaks and runs of blanks become one space, trimmed. */
function canonicalValue(v: string): string {
  return v
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

/** Derives the day's signing key (four HMACs) and keeps it until the day changes. */
function signingKeys(creds: SigV4Credentials, region: string, service: string): (day: string) => Buffer {
  let keyDay = '';
  let signingKey: Buffer = Buffer.alloc(0);
  return (day) => {
    if (day !== keyDay) {
      const k1 = createHmac('sha256', `AWS4${creds.secretAccessKey}`).update(day).digest();
      const k2 = createHmac('sha256', k1).update(region).digest();
      const k3 = createHmac('sha256', k2).update(service).digest();
      signingKey = createHmac('sha256', k3).update('aws4_request').digest();
      keyDay = day;
    }
    return signingKey;
  };
}

/** `k=v&…` of already-encoded pairs, sorted by encoded name (names are unique). */
function canonicalQuery(encoded: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...encoded].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let query = '';
  for (const [k, v] of sorted) query += (query ? '&' : '') + k + '=' + v;
  return query;
}

/** The hex signature of a canonical request. */
function signatureOf(key: Buffer, date: string, scope: string, canonical: string): string {
  const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

export function createSigV4Presigner(creds: SigV4Credentials, region: string, service = 's3') {
  const keyFor = signingKeys(creds, region, service);

  /** The full query, in the order it goes on the wire, X-Amz-Signature last. */
  return function presign(input: SigV4PresignInput): Array<[string, string]> {
    if (!(input.expiresIn <= SIGV4_MAX_EXPIRES))
      throw new RangeError('S3 signatures are valid for at most 7 days: choose a shorter validity');
    const date = longDate(input.signingDate);
    const day = date.slice(0, 8);
    const scope = `${day}/${region}/${service}/aws4_request`;
    const headerNames = Object.keys(input.headers).sort();
    const signedHeaders = headerNames.join(';');
    const pairs: Array<[string, string]> = Object.entries(input.query);
    if (creds.sessionToken) pairs.push(['X-Amz-Security-Token', creds.sessionToken]);
    pairs.push(
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Credential', `${creds.accessKeyId}/${scope}`],
      ['X-Amz-Date', date],
      ['X-Amz-Expires', String(input.expiresIn)],
      ['X-Amz-SignedHeaders', signedHeaders],
    );
    const query = canonicalQuery(pairs.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const));
    let headers = '';
    for (const h of headerNames) headers += `${h}:${canonicalValue(input.headers[h])}\n`;
    const canonical = `${input.method}\n${input.path}\n${query}\n${headers}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
    pairs.push(['X-Amz-Signature', signatureOf(keyFor(day), date, scope, canonical)]);
    return pairs;
  };
}

export interface SigV4SignInput {
  method: string;
  /** Percent-encoded path as sent on the wire. */
  path: string;
  /** Raw (decoded) query parameters, as sent. */
  query: Record<string, string>;
  /** Lower-case header names; must hold `host` and `x-amz-content-sha256` (the payload hash). */
  headers: Record<string, string>;
  signingDate: Date;
}

/** The payload hash of no body (smithy's, when x-amz-content-sha256 is not given). */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Headers SigV4 never signs (smithy's ALWAYS_UNSIGNABLE_HEADERS), besides proxy-* and sec-*. */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

const signable = (name: string) =>
  !UNSIGNABLE.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-');

/** Signs requests with an `Authorization` header; returns the headers to send. */
export function createSigV4Signer(creds: SigV4Credentials, region: string, service = 's3') {
  const keyFor = signingKeys(creds, region, service);

  return function sign(input: SigV4SignInput): Record<string, string> {
    const date = longDate(input.signingDate);
    const day = date.slice(0, 8);
    const scope = `${day}/${region}/${service}/aws4_request`;
    const out: Record<string, string> = {};
    for (const name in input.headers) {
      if (name === 'authorization' || name === 'x-amz-date' || name === 'date') continue;
      out[name] = input.headers[name];
    }
    out['x-amz-date'] = date;
    if (creds.sessionToken) out['x-amz-security-token'] = creds.sessionToken;
    const names = Object.keys(out)
      .filter((n) => out[n] != undefined && signable(n))
      .sort();
    let headers = '';
    for (const h of names) headers += `${h}:${canonicalValue(out[h])}\n`;
    const signedHeaders = names.join(';');
    const query = canonicalQuery(
      Object.keys(input.query)
        .filter((k) => k.toLowerCase() !== 'x-amz-signature')
        .map((k) => [uriEncode(k), uriEncode(input.query[k])] as const),
    );
    const canonical = `${input.method}\n${input.path}\n${query}\n${headers}\n${signedHeaders}\n${out['x-amz-content-sha256'] ?? EMPTY_SHA256}`;
    out['authorization'] =
      `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, ` +
      `Signature=${signatureOf(keyFor(day), date, scope, canonical)}`;
    return out;
  };
}
