import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LinkMethod } from '../../src-shared/contract';
import type { ResolvedAccount } from '../accounts/types';
import { signCos } from '../storage/dialects/cos/sign';
import { uriEncode } from '../storage/encode';
import { cosTarget, s3Target, type RequestTarget } from '../storage/endpoints';
import { NodeSha256 } from './node-sha256';

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

function target(account: ResolvedAccount, o: Pick<LinkOptions, 'bucket' | 'region' | 'key'>, query = {}) {
  const loc = { bucket: o.bucket, region: o.region, key: o.key, query };
  return account.kind === 'cos' ? cosTarget(account, loc) : s3Target(account, loc);
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
  return {
    plainUrl: (o) => {
      const t = target(account, o);
      return where(t, o.customDomain).origin + t.encodedPath;
    },
    async sign(o) {
      const query = responseQuery(o);
      const t = target(account, o, query);
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

const SHA256_HEADER = 'x-amz-content-sha256';
const PAYLOAD_ONLY = new Set([SHA256_HEADER]);

function s3Presigner(account: Extract<ResolvedAccount, { kind: 's3' }>): Presigner {
  const signer = new SignatureV4({
    service: 's3',
    region: account.region,
    credentials: {
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secret.secretKey,
      sessionToken: account.secret.sessionToken,
    },
    sha256: NodeSha256,
    // The path is already percent-encoded the way the request layer sends it.
    uriEscapePath: false,
    applyChecksum: false,
  });
  return {
    plainUrl: (o) => {
      const t = target(account, o);
      return where(t, o.customDomain).origin + t.encodedPath;
    },
    async sign(o) {
      const query = responseQuery(o);
      const t = target(account, o, query);
      const w = where(t, o.customDomain);
      const headers: Record<string, string> = { host: w.host, [SHA256_HEADER]: 'UNSIGNED-PAYLOAD' };
      if (o.method === 'PUT' && o.contentType) headers['content-type'] = o.contentType;
      const signed = await signer.presign(
        new HttpRequest({
          method: o.method,
          protocol: w.protocol,
          hostname: w.hostname,
          port: w.port,
          path: t.encodedPath,
          query,
          headers,
        }),
        {
          signingDate: new Date(o.startSec * 1000),
          expiresIn: o.seconds,
          // The link's user uploads whatever body: the hash is declared unsigned, and not sent.
          unsignableHeaders: PAYLOAD_ONLY,
          unhoistableHeaders: PAYLOAD_ONLY,
        },
      );
      const pairs = Object.entries(signed.query ?? {}).flatMap(([k, v]) =>
        v === null ? [] : (Array.isArray(v) ? v : [v]).map((one) => [k, one] as [string, string]),
      );
      return `${w.origin}${t.encodedPath}?${queryString(pairs)}`;
    },
  };
}

export function createPresigner(account: ResolvedAccount): Presigner {
  return account.kind === 'cos' ? cosPresigner(account) : s3Presigner(account);
}
