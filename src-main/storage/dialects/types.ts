import type { Location, RequestTarget } from '../endpoints';

/** What differs between COS and S3 for one request: where it goes and how it is signed. */
export interface Dialect {
  readonly kind: 'cos' | 's3';
  /** Prefix of the vendor headers (`x-cos-acl` vs `x-amz-acl`, …). */
  readonly headerPrefix: 'x-cos-' | 'x-amz-';
  /** The account's default region (a bucket without its own region lives there). */
  readonly region?: string;
  target(loc: Location): RequestTarget;
  /** Returns every header to send, signature included. `headers` must already hold `host`. */
  sign(req: {
    method: string;
    target: RequestTarget;
    headers: Record<string, string>;
    signingTimeMs: number;
  }): Promise<Record<string, string>>;
}
