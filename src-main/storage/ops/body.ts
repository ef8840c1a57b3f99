import { createHash } from 'node:crypto';

/**
 * Content-MD5 of a request body: base64 of the body's MD5 digest (RFC 1864), as the official
 * cos-nodejs-sdk-v5 computes it (`util.binaryBase64(util.md5(body))`) for every XML/JSON body it
 * sends. COS requires it on some operations (DELETE Multiple Objects, 436/8289; PUT Bucket
 * lifecycle, 436/8280; …) and checks it wherever it is sent.
 */
export function contentMd5(body: string | Uint8Array): string {
  return createHash('md5')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('base64');
}

/** The headers an XML (or JSON) request body goes with: its type and its Content-MD5. */
export function bodyHeaders(
  body: string | Uint8Array,
  contentType: 'application/xml' | 'application/json' = 'application/xml',
): Record<string, string> {
  return { 'content-type': contentType, 'content-md5': contentMd5(body) };
}
