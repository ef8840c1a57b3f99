/**
 * Tencent Cloud API 3.0 (TC3-HMAC-SHA256) verification, written from Tencent's published
 * algorithm (independent of any SDK), and GetFederationToken backed by RGW STS AssumeRole.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Tc3Request {
  method: string;
  /** Path with query as received, e.g. "/" */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type Tc3Result =
  { ok: true; secretId: string; service: string } | { ok: false; code: string; message: string };

const sha256hex = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const hmac = (key: string | Buffer, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest();

function one(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** The TC3 signature for given inputs (used by the verifier and by tests as a client). */
export function tc3Sign(p: {
  secretKey: string;
  method: string;
  path: string;
  query: string;
  signedHeaders: Array<[string, string]>;
  body: Buffer | string;
  timestamp: number;
  service: string;
}): string {
  const headers = [...p.signedHeaders]
    .map(([k, v]) => [k.toLowerCase(), v.trim().toLowerCase()] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const canonicalHeaders = headers.map(([k, v]) => `${k}:${v}\n`).join('');
  const signedHeaderNames = headers.map(([k]) => k).join(';');
  const canonicalRequest = [
    p.method.toUpperCase(),
    p.path || '/',
    p.query,
    canonicalHeaders,
    signedHeaderNames,
    sha256hex(p.body),
  ].join('\n');
  const date = tc3Date(p.timestamp);
  const scope = `${date}/${p.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(p.timestamp), scope, sha256hex(canonicalRequest)].join(
    '\n',
  );
  const kDate = hmac(`TC3${p.secretKey}`, date);
  const kService = hmac(kDate, p.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

/** Verify a TC3-HMAC-SHA256 request. `lookup` returns the SecretKey of a SecretId (or undefined). */
export function verifyTc3(
  req: Tc3Request,
  lookup: (secretId: string) => string | undefined,
  now = Math.floor(Date.now() / 1000),
): Tc3Result {
  const auth = one(req.headers['authorization']);
  const m =
    /^TC3-HMAC-SHA256\s+Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/i.exec(
      auth.trim(),
    );
  if (!m)
    return {
      ok: false,
      code: 'AuthFailure.InvalidAuthorization',
      message: 'Authorization header is invalid',
    };
  const [, secretId, date, service, signedHeaderList, signature] = m;
  const tsRaw = one(req.headers['x-tc-timestamp']);
  if (!/^\d+$/.test(tsRaw)) {
    return {
      ok: false,
      code: 'MissingParameter',
      message: 'The request is missing a required parameter `X-TC-Timestamp`.',
    };
  }
  const timestamp = Number(tsRaw);
  if (Math.abs(now - timestamp) > 300) {
    return {
      ok: false,
      code: 'AuthFailure.SignatureExpire',
      message: `Signature expired. Timestamp is ${timestamp}, server time is ${now}.`,
    };
  }
  if (tc3Date(timestamp) !== date) {
    return {
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      message: 'Credential date does not match X-TC-Timestamp.',
    };
  }
  const secretKey = lookup(secretId);
  if (!secretKey)
    return { ok: false, code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found.' };
  const names = signedHeaderList.split(';').map((s) => s.trim().toLowerCase());
  if (!names.includes('content-type') || !names.includes('host')) {
    return {
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      message: 'SignedHeaders must include content-type and host.',
    };
  }
  const signedHeaders: Array<[string, string]> = [];
  for (const n of names) {
    const v = req.headers[n];
    if (v === undefined)
      return { ok: false, code: 'AuthFailure.SignatureFailure', message: `Signed header ${n} is missing.` };
    signedHeaders.push([n, one(v)]);
  }
  const expected = tc3Sign({
    secretKey,
    method: req.method,
    path: req.path,
    query: req.method.toUpperCase() === 'GET' ? req.query : '',
    signedHeaders,
    body: req.method.toUpperCase() === 'GET' ? '' : req.body,
    timestamp,
    service,
  });
  const a = Buffer.from(expected);
  const b = Buffer.from(signature.toLowerCase());
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return {
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      message: 'The provided credentials could not be validated. Please check your signature is correct.',
    };
  }
  return { ok: true, secretId, service };
}

export interface TempKey {
  tmpSecretId: string;
  tmpSecretKey: string;
  token: string;
  expiredTime: number;
  rgw: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /**
   * The COS actions the token's policy allows (undefined: no policy). RGW sees them translated,
   * and PostObject becomes s3:PutObject there: the gateway itself checks `name/cos:PostObject`.
   */
  allowed?: string[];
}

/** Temporary keys the gateway issued: TmpSecretId → key. */
export class TempKeys {
  private readonly byId = new Map<string, TempKey>();

  issue(rgw: TempKey['rgw'], expiredTime: number, allowed?: string[]): TempKey {
    const k: TempKey = {
      allowed,
      tmpSecretId: `AKIDtmp${randomBytes(14).toString('hex')}`,
      tmpSecretKey: randomBytes(24).toString('base64url'),
      token: randomBytes(32).toString('hex'),
      expiredTime,
      rgw,
    };
    this.byId.set(k.tmpSecretId, k);
    return k;
  }

  get(tmpSecretId: string): TempKey | undefined {
    return this.byId.get(tmpSecretId);
  }
}
