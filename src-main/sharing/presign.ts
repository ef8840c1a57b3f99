import type { LinkMethod } from '../../src-shared/contract';
import type { ResolvedAccount } from '../accounts/types';
import { signCos } from '../storage/dialects/cos/sign';
import { encodeKeyPath, encodeQuery, uriEncode } from '../storage/encode';
import { cosTarget, s3Target, type RequestTarget } from '../storage/endpoints';
import { createSigV4Presigner } from '../storage/dialects/s3/sigv4';

export interface LinkOptions {
  bucket: string;
  region?: string;
  key: string;
  method: LinkMethod;
  /** Unix seconds the signature counts from; the link works until `startSec + seconds`. */
  startSec: number;
  seconds: number;
  contentType?: string;
  downloadName?: string;
  /** `https://files.example.com`: the link's origin, and the host that is signed. */
  customDomain?: string;
  /** More signed query parameters (GET only): `versionId`, `response-content-type`. */
  query?: Record<string, string>;
}

export interface Presigner {
  sign(o: LinkOptions): Promise<string>;
  /** The address without any signature: for public-read objects. */
  plainUrl(o: Pick<LinkOptions, 'bucket' | 'region' | 'key' | 'customDomain'>): string;
}

/** `attachment` with an RFC 5987 name, so any characters survive. */
export function contentDisposition(name: string): string {
  return `attachment; filename*=UTF-8''${uriEncode(name)}`;
}

function target(
  account: ResolvedAccount,
  o: Pick<LinkOptions, 'bucket' | 'region'> & { key?: string },
  query = {},
) {
  const loc = { bucket: o.bucket, region: o.region, key: o.key, query };
  return account.kind === 'cos' ? cosTarget(account, loc) : s3Target(account, loc);
}

/**
 * The bucket's address, worked out once per bucket and region, with each key's encoded path
 * appended: the same result as `target()` for a key (test/unit/sharing/sigv4-presign.test.ts),
 * without parsing the endpoint URL again for every link of a batch.
 */
class BaseTargets {
  private readonly cache = new Map<string, RequestTarget>();
  constructor(private readonly account: ResolvedAccount) {}

  target(o: Pick<LinkOptions, 'bucket' | 'region' | 'key'>, query: Record<string, string>): RequestTarget {
    if (o.key === '') return target(this.account, o, query); // the endpoint layer's own error
    const id = `${o.bucket}\n${o.region ?? ''}`;
    let base = this.cache.get(id);
    if (!base) {
      base = target(this.account, { bucket: o.bucket, region: o.region });
      if (this.cache.size > 64) this.cache.clear();
      this.cache.set(id, base);
    }
    const encodedPath = base.encodedPath.replace(/\/$/, '') + '/' + encodeKeyPath(o.key);
    return {
      ...base,
      encodedPath,
      pathname: decodeURIComponent(encodedPath),
      path: encodedPath + encodeQuery(query),
      query,
    };
  }
}

/** Origin and Host of the link: the account's endpoint, or the custom domain in its place. */
function where(t: RequestTarget, customDomain?: string) {
  if (!customDomain)
    return { origin: t.origin, host: t.host, hostname: t.hostname, port: t.port, protocol: t.protocol };
  const u = new URL(customDomain);
  return {
    origin: u.origin,
    host: u.host,
    hostname: u.hostname,
    port: u.port === '' ? undefined : Number(u.port),
    protocol: u.protocol as 'http:' | 'https:',
  };
}

function responseQuery(o: LinkOptions): Record<string, string> {
  const extra = o.method === 'GET' ? { ...o.query } : {};
  return o.method === 'GET' && o.downloadName
    ? { ...extra, 'response-content-disposition': contentDisposition(o.downloadName) }
    : extra;
}

function queryString(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
}

function cosPresigner(account: Extract<ResolvedAccount, { kind: 'cos' }>): Presigner {
  const bases = new BaseTargets(account);
  return {
    plainUrl: (o) => {
      const t = target(account, o);
      return where(t, o.customDomain).origin + t.encodedPath;
    },
    async sign(o) {
      const query = responseQuery(o);
      const t = bases.target(o, query);
      const w = where(t, o.customDomain);
      const headers: Record<string, string> = { host: w.host };
      if (o.method === 'PUT' && o.contentType) headers['content-type'] = o.contentType;
      // Start a second early, like the official SDK, so a server clock slightly behind accepts it.
      const auth = signCos({
        secretId: account.secretId,
        secretKey: account.secret.secretKey,
        method: o.method,
        pathname: t.pathname,
        query,
        headers,
        keyTime: `${o.startSec - 1};${o.startSec + o.seconds}`,
      });
      const pairs: Array<[string, string]> = Object.entries(query);
      for (const field of auth.split('&')) {
        const eq = field.indexOf('=');
        pairs.push([field.slice(0, eq), field.slice(eq + 1)]);
      }
      // As the official SDK does: the token rides along unsigned, URL-encoded.
      if (account.secret.sessionToken) pairs.push(['x-cos-security-token', account.secret.sessionToken]);
      return `${w.origin}${t.encodedPath}?${queryString(pairs)}`;
    },
  };
}

function s3Presigner(account: Extract<ResolvedAccount, { kind: 's3' }>): Presigner {
  // Node's crypto with the day's signing key cached: a batch of 10,000 links is one call each.
  const presign = createSigV4Presigner(
    {
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secret.secretKey,
      sessionToken: account.secret.sessionToken,
    },
    account.region,
  );
  const bases = new BaseTargets(account);
  return {
    plainUrl: (o) => {
      const t = target(account, o);
      return where(t, o.customDomain).origin + t.encodedPath;
    },
    async sign(o) {
      const query = responseQuery(o);
      const t = bases.target(o, query);
      const w = where(t, o.customDomain);
      // The link's user uploads whatever body: the payload is declared unsigned (not a header).
      const headers: Record<string, string> = { host: w.host };
      if (o.method === 'PUT' && o.contentType) headers['content-type'] = o.contentType;
      const pairs = presign({
        method: o.method,
        path: t.encodedPath,
        query,
        headers,
        signingDate: new Date(o.startSec * 1000),
        expiresIn: o.seconds,
      });
      return `${w.origin}${t.encodedPath}?${queryString(pairs)}`;
    },
  };
}

export function createPresigner(account: ResolvedAccount): Presigner {
  return account.kind === 'cos' ? cosPresigner(account) : s3Presigner(account);
}
