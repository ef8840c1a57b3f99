import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface S3SignInput {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  method: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number;
  /** The path exactly as sent on the wire (already percent-encoded): S3 does not re-encode it. */
  path: string;
  /** Raw (decoded) query values; the signer encodes them the way the wire does. */
  query: Record<string, string>;
  /** Must include `host` as sent. */
  headers: Record<string, string>;
  signingDate: Date;
}

/** Streaming bodies cannot be hashed up front; TLS protects their integrity instead. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Returns the full header set to send: the input headers plus authorization, x-amz-date, x-amz-content-sha256 and, with a token, x-amz-security-token. */
export async function signS3(input: S3SignInput): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 's3',
    region: input.region,
    credentials: {
      accessKeyId: input.accessKeyId,
      secretAccessKey: input.secretAccessKey,
      sessionToken: input.sessionToken,
    },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers['x-amz-content-sha256'] ??= UNSIGNED_PAYLOAD;
  const signed = await signer.sign(
    new HttpRequest({
      method: input.method.toUpperCase(),
      protocol: input.protocol,
      hostname: input.hostname,
      port: input.port,
      path: input.path,
      query: input.query,
      headers,
    }),
    { signingDate: input.signingDate },
  );
  return { ...(signed.headers as Record<string, string>) };
}
