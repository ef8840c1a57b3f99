const UNRESERVED_ONLY = /^[A-Za-z0-9._~-]*$/;

/**
 * RFC 3986 unreserved characters stay literal; everything else is percent-encoded from its
 * UTF-8 bytes with upper-case hex. Both the COS signature and SigV4 canonicalise this way,
 * so the wire and the signature must agree on it byte for byte.
 */
export function uriEncode(s: string): string {
  // Most names and values are plain (signature fields, key segments): skip the regex replace.
  if (UNRESERVED_ONLY.test(s)) return s;
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Encodes an object key for a URL path: every byte but `/` is escaped, so `?`, `#`, `%`, `+` survive. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(uriEncode).join('/');
}

/** Query string as sent on the wire; a sub-resource without a value goes out bare (`?acl`). */
export function encodeQuery(query: Record<string, string>): string {
  const parts = Object.keys(query).map((k) =>
    query[k] === '' ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(query[k])}`,
  );
  return parts.length > 0 ? '?' + parts.join('&') : '';
}
