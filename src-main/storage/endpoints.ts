import type { LookupAddress, LookupOptions } from 'node:dns';
import { encodeKeyPath, encodeQuery, uriEncode } from './encode';

export const DEFAULT_COS_TEMPLATE = 'https://{bucket}.cos.{region}.myqcloud.com';
export const DEFAULT_COS_SERVICE = 'https://service.cos.myqcloud.com';

/** Where one request goes, in the forms each consumer needs. */
export interface RequestTarget {
  protocol: 'http:' | 'https:';
  /** `scheme://host[:port]` with the real host name: TLS needs it for SNI and certificates. */
  origin: string;
  hostname: string;
  port?: number;
  /** The Host header: host[:port], the port omitted when it is the scheme's default. */
  host: string;
  /** Percent-encoded path without the query (what SigV4 canonicalises). */
  encodedPath: string;
  /** Decoded path (what the COS signature covers). */
  pathname: string;
  /** Path and query exactly as sent. */
  path: string;
  query: Record<string, string>;
}

export interface Location {
  bucket?: string;
  /** The bucket's own region when it differs from the account's default (COS buckets live in one region). */
  region?: string;
  key?: string;
  query?: Record<string, string>;
}

export class EndpointError extends Error {}

// Lower-case DNS labels only: anything else cannot be a virtual-hosted bucket name.
const HOST_SAFE_BUCKET = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

function parseBase(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // The address is not echoed: a pasted URL may carry user:password.
    throw new EndpointError('not a valid endpoint address');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new EndpointError('an endpoint must start with http:// or https://');
  }
  return u;
}

function build(base: URL, extraSegments: string[], query: Record<string, string>): RequestTarget {
  const basePath = base.pathname.replace(/\/+$/, '');
  const encodedPath = basePath + '/' + extraSegments.filter((s) => s !== '').join('/');
  return {
    protocol: base.protocol as 'http:' | 'https:',
    origin: base.origin,
    hostname: base.hostname,
    port: base.port === '' ? undefined : Number(base.port),
    host: base.host,
    encodedPath,
    pathname: decodeURIComponent(encodedPath),
    path: encodedPath + encodeQuery(query),
    query,
  };
}

function checkKey(key: string | undefined): void {
  if (key !== undefined && key === '') throw new EndpointError('an object key cannot be empty');
}

export function cosTarget(
  fields: { region: string; endpointTemplate?: string; serviceEndpoint?: string },
  loc: Location,
): RequestTarget {
  const query = loc.query ?? {};
  checkKey(loc.key);
  if (loc.bucket === undefined) {
    if (loc.key !== undefined) throw new EndpointError('an object key needs a bucket');
    return build(parseBase(fields.serviceEndpoint ?? DEFAULT_COS_SERVICE), [], query);
  }
  if (!HOST_SAFE_BUCKET.test(loc.bucket)) {
    throw new EndpointError(`not a valid bucket name: ${loc.bucket}`);
  }
  const template = fields.endpointTemplate ?? DEFAULT_COS_TEMPLATE;
  const url = template.replaceAll('{bucket}', loc.bucket).replaceAll('{region}', loc.region ?? fields.region);
  return build(parseBase(url), loc.key === undefined ? [] : [encodeKeyPath(loc.key)], query);
}

export function s3Target(fields: { endpoint: string; pathStyle: boolean }, loc: Location): RequestTarget {
  const query = loc.query ?? {};
  checkKey(loc.key);
  const base = parseBase(fields.endpoint);
  const keySegs = loc.key === undefined ? [] : [encodeKeyPath(loc.key)];
  if (loc.bucket === undefined) {
    if (loc.key !== undefined) throw new EndpointError('an object key needs a bucket');
    return build(base, [], query);
  }
  // A bucket cannot be a sub-domain of an IP address: such endpoints are path-style whatever the flag says.
  if (fields.pathStyle || isIpHost(base.hostname))
    return build(base, [uriEncode(loc.bucket), ...keySegs], query);
  if (!HOST_SAFE_BUCKET.test(loc.bucket)) {
    throw new EndpointError(`not a valid bucket name for a virtual-hosted address: ${loc.bucket}`);
  }
  const vhost = new URL(base.href);
  vhost.hostname = `${loc.bucket}.${base.hostname}`;
  return build(vhost, keySegs, query);
}

function isIpHost(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[');
}

/** `localhost` and every name under `.localhost` (RFC 6761) mean this machine. */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for net/tls connect: the resolvers on these machines do not answer `*.localhost`,
 * so map those names to 127.0.0.1 ourselves. The URL keeps its name, so Host and SNI are unchanged.
 */
export function localhostAwareLookup(
  fallback: (hostname: string, options: LookupOptions, cb: LookupCallback) => void,
) {
  return (hostname: string, options: LookupOptions, cb: LookupCallback): void => {
    if (!isLocalhostName(hostname)) return fallback(hostname, options, cb);
    if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  };
}
