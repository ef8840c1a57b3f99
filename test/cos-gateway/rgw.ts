/** Forwarding to RGW: path-style URLs, SigV4 (UNSIGNED-PAYLOAD) or anonymous, streaming bodies. */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { encodeKeyPath, encodeQueryComponent } from './translate';

export interface RgwCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RgwRequest {
  method: string;
  /** RGW bucket ('' for the service). */
  bucket: string;
  /** Object key, decoded ('' for bucket/service requests). */
  key: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: Readable | Buffer | string;
  /** Undefined: anonymous. */
  credentials?: RgwCredentials;
  /** SigV4 service ('s3' or 'sts'). */
  service?: string;
}

export class RgwClient {
  readonly agent: Agent;
  private readonly base: URL;

  constructor(
    endpoint: string,
    private readonly region = 'us-east-1',
  ) {
    this.base = new URL(endpoint);
    this.agent = new Agent({
      connections: 128,
      headersTimeout: 300_000,
      bodyTimeout: 300_000,
      keepAliveTimeout: 10_000,
    });
  }

  path(bucket: string, key: string): string {
    if (!bucket) return '/';
    return key ? `/${encodeURIComponent(bucket)}/${encodeKeyPath(key)}` : `/${encodeURIComponent(bucket)}`;
  }

  async send(r: RgwRequest): Promise<Dispatcher.ResponseData> {
    const path = this.path(r.bucket, r.key);
    const headers: Record<string, string> = { ...r.headers, host: this.base.host };
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of r.query) {
      const prev = query[k];
      if (prev === undefined) query[k] = v;
      else query[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    if (r.credentials) {
      // S3 accepts an unsigned payload (so bodies can stream); STS wants the real body hash.
      if ((r.service ?? 's3') === 's3') headers['x-amz-content-sha256'] ??= 'UNSIGNED-PAYLOAD';
      if (r.credentials.sessionToken) headers['x-amz-security-token'] = r.credentials.sessionToken;
      const signer = new SignatureV4({
        credentials: {
          accessKeyId: r.credentials.accessKeyId,
          secretAccessKey: r.credentials.secretAccessKey,
        },
        region: this.region,
        service: r.service ?? 's3',
        sha256: Sha256,
        uriEscapePath: false,
        applyChecksum: false,
      });
      const signed = await signer.sign(
        new HttpRequest({
          method: r.method,
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port ? Number(this.base.port) : undefined,
          path,
          query,
          headers,
          body: typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : undefined,
        }),
      );
      Object.assign(headers, signed.headers);
    }
    const qs = r.query
      .map(([k, v]) =>
        v === '' ? encodeQueryComponent(k) : `${encodeQueryComponent(k)}=${encodeQueryComponent(v)}`,
      )
      .join('&');
    delete headers.host;
    // origin + path, not a URL string: WHATWG URL parsing would resolve `.`/`..` segments of the
    // key (`a/../b` → `b`) after they were signed, and RGW would refuse the signature.
    return this.agent.request({
      origin: this.base.origin,
      path: `${path}${qs ? `?${qs}` : ''}`,
      method: r.method as Dispatcher.HttpMethod,
      headers,
      body: r.body,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
