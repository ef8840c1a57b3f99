import { createSigV4Signer } from './sigv4';

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

/** The signer of the last credentials used (it keeps the day's signing key): most runs use one account. */
let last:
  | { id: string; secret: string; token?: string; region: string; sign: ReturnType<typeof createSigV4Signer> }
  | undefined;

function signerFor(input: S3SignInput): ReturnType<typeof createSigV4Signer> {
  if (
    last?.id !== input.accessKeyId ||
    last.secret !== input.secretAccessKey ||
    last.token !== input.sessionToken ||
    last.region !== input.region
  ) {
    const creds = {
      accessKeyId: input.accessKeyId,
      secretAccessKey: input.secretAccessKey,
      sessionToken: input.sessionToken,
    };
    last = {
      id: input.accessKeyId,
      secret: input.secretAccessKey,
      token: input.sessionToken,
      region: input.region,
      sign: createSigV4Signer(creds, input.region),
    };
  }
  return last.sign;
}

/** Returns the full header set to send: the input headers plus authorization, x-amz-date, x-amz-content-sha256 and, with a token, x-amz-security-token. */
export async function signS3(input: S3SignInput): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers['x-amz-content-sha256'] ??= UNSIGNED_PAYLOAD;
  return signerFor(input)({
    method: input.method.toUpperCase(),
    path: input.path,
    query: input.query,
    headers,
    signingDate: input.signingDate,
  });
}
