import { createHash, createHmac } from 'node:crypto';
import { uriEncode } from '../storage/encode';

/**
 * SigV4 query-string signing (a pre-signed S3 link) with Node's crypto, for the link dialog's
 * batches: 10,000 links must sign in well under a second (issue 13 (g): ≥ 50,000 links/s).
 *
 * Hand-written rather than @smithy/signature-v4's `presign`: that one clones the request, walks
 * its headers twice and awaits a credential provider per link, which caps it near 30,000 links/s
 * on the bench machine. This keeps exactly its canonical form for what links use (test/unit/
 * sharing/sigv4-presign.test.ts compares the two byte for byte over random keys and options):
 * the path is taken as already encoded (`uriEscapePath: false`), `x-amz-content-sha256:
 * UNSIGNED-PAYLOAD` is declared but neither signed nor hoisted, every other header is signed, and
 * the query keeps the caller's parameters first, then the X-Amz-* ones in smithy's order.
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

export function createSigV4Presigner(creds: SigV4Credentials, region: string, service = 's3') {
  let keyDay = '';
  let signingKey: Buffer = Buffer.alloc(0);
  const keyFor = (day: string): Buffer => {
    if (day !== keyDay) {
      const k1 = createHmac('sha256', `AWS4${creds.secretAccessKey}`).update(day).digest();
      const k2 = createHmac('sha256', k1).update(region).digest();
      const k3 = createHmac('sha256', k2).update(service).digest();
      signingKey = createHmac('sha256', k3).update('aws4_request').digest();
      keyDay = day;
    }
    return signingKey;
  };

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
    const encoded = pairs.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
    const sorted = [...encoded].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let query = '';
    for (const [k, v] of sorted) query += (query ? '&' : '') + k + '=' + v;
    let headers = '';
    for (const h of headerNames) headers += `${h}:${canonicalValue(input.headers[h])}\n`;
    const canonical = `${input.method}\n${input.path}\n${query}\n${headers}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
    const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    pairs.push(['X-Amz-Signature', createHmac('sha256', keyFor(day)).update(stringToSign).digest('hex')]);
    return pairs;
  };
}
