import type { Readable } from 'node:stream';
import type { ResolvedAccount } from '../accounts/types';
import { createCosDialect } from './dialects/cos/dialect';
import { createS3Dialect } from './dialects/s3/dialect';
import type { Dialect } from './dialects/types';
import { serverKeyOf, type ServerClock } from './clock';
import { EndpointError, type RequestTarget } from './endpoints';
import { invalidEndpointError, malformedResponseError, type MessageContext } from './errors';
import { HttpClient, type HttpOptions, type HttpResponse } from './http';
import { child, list, parseXml, text, XmlSyntaxError, type XmlNode } from './xml';

export interface StorageRequest {
  method: string;
  bucket?: string;
  /** The bucket's region when it is not the account's default. */
  region?: string;
  key?: string;
  /** Raw values; a sub-resource such as `acl` or `uploads` is `''`. */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /**
   * A streamed body is a factory, called once per attempt so a retry sends a fresh stream;
   * its length must come in `headers['content-length']`.
   */
  body?: string | Uint8Array | (() => Readable);
  /** Overrides the method's default (GET/HEAD/PUT/DELETE are idempotent, POST is not). */
  idempotent?: boolean;
  signal?: AbortSignal;
  /**
   * On a plain http: endpoint, close the connection after this answer (`Connection: close`),
   * for an answer whose body is at most this many bytes: a larger body must be dumped at once,
   * never read. RGW's answer to a GET on a kept connection waits ~40 ms for a delayed ACK
   * (Nagle on RGW's side, bench/CHANGES-h26.md): for a small object a new TCP connection costs
   * less. Over https: the connection is kept (a TLS handshake per object costs more); the
   * bound on the body holds either way (storage/http.ts: the whole answer fits its buffer).
   */
  closeAfter?: number;
}

export interface BucketSummary {
  name: string;
  region?: string;
  createdAt?: string;
}

export interface StorageClientOptions extends HttpOptions {
  /** Shorthand for the connect timeout and the longest silence (`idleTimeoutMs`). */
  timeoutMs?: number;
}

const USER_AGENT = 'cosdesk/0.1';
// A bucket list that never stops being truncated is a server bug; do not loop forever.
const MAX_LIST_PAGES = 1000;

export class StorageClient {
  readonly dialect: Dialect;
  readonly http: HttpClient;

  constructor(account: ResolvedAccount, opts: StorageClientOptions = {}) {
    this.dialect = account.kind === 'cos' ? createCosDialect(account) : createS3Dialect(account);
    const { timeoutMs, ...http } = opts;
    this.http = new HttpClient({
      connectTimeoutMs: timeoutMs,
      idleTimeoutMs: timeoutMs,
      // Every client of this server shares the clock offset any of them learned.
      serverKey: serverKeyOf(account),
      ...http,
    });
  }

  /** One signed request. Resolves on success with the body unread (the caller must consume it); rejects with StorageError. */
  async request(req: StorageRequest): Promise<HttpResponse> {
    const target = this.resolve(req);
    const method = req.method.toUpperCase();
    const base: Record<string, string> = { 'user-agent': USER_AGENT };
    for (const [k, v] of Object.entries(req.headers ?? {})) base[k.toLowerCase()] = v;
    base['host'] = target.host;
    if (req.body !== undefined && typeof req.body !== 'function') {
      base['content-length'] = String(byteLength(req.body));
    }
    return this.http.send(
      async (signingTimeMs) => ({
        method,
        target,
        headers: await this.dialect.sign({ method, target, headers: base, signingTimeMs }),
        body: typeof req.body === 'function' ? req.body() : req.body,
      }),
      {
        idempotent: req.idempotent,
        signal: req.signal,
        ctx: ctxOf(req),
        closeAfter: req.closeAfter,
      },
    );
  }

  async requestText(
    req: StorageRequest,
  ): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const res = await this.request(req);
    return { status: res.status, headers: res.headers, text: await res.body.text() };
  }

  /** A request whose success body is an XML document; anything else is a MalformedResponse error. */
  async requestXml(
    req: StorageRequest,
  ): Promise<{ status: number; headers: Record<string, string>; doc: XmlNode }> {
    const res = await this.requestText(req);
    try {
      return { status: res.status, headers: res.headers, doc: parseXml(res.text) };
    } catch (e) {
      if (!(e instanceof XmlSyntaxError)) throw e;
      throw malformedResponseError(
        { ...ctxOf(req), host: this.resolve(req).host },
        res.status,
        res.headers['x-cos-request-id'] ?? res.headers['x-amz-request-id'],
      );
    }
  }

  /** Every bucket the key can see (COS: all regions, via the service endpoint). */
  async listBuckets(opts: { signal?: AbortSignal } = {}): Promise<BucketSummary[]> {
    const out: BucketSummary[] = [];
    const query: Record<string, string> = {};
    const seen = new Set<string>();
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const { doc, headers } = await this.requestXml({
        method: 'GET',
        query: { ...query },
        signal: opts.signal,
      });
      const root = doc['ListAllMyBucketsResult'];
      if (root === undefined) {
        throw malformedResponseError({ host: this.resolve({}).host }, 200, headers['x-amz-request-id']);
      }
      for (const b of list(child(root, 'Buckets'), 'Bucket')) {
        const name = text(b, 'Name');
        if (!name) continue;
        out.push({
          name,
          region: text(b, 'Location') || text(b, 'BucketRegion') || undefined,
          createdAt: text(b, 'CreationDate') || undefined,
        });
      }
      if (text(root, 'IsTruncated') !== 'true') break;
      const marker = text(root, 'NextMarker');
      const token = text(root, 'ContinuationToken');
      const next = marker || token;
      if (!next || seen.has(next)) break;
      seen.add(next);
      if (marker) query['marker'] = marker;
      else query['continuation-token'] = next;
    }
    return out;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The server's clock as this client knows it (shared by the clients of one server). */
  get clock(): ServerClock {
    return this.http.clock;
  }

  /**
   * Makes sure the server's clock is known: when no answer of this server has been seen yet,
   * asks it once (a HEAD of the bucket, or of the service) and reads its `Date`. Whatever the
   * answer (even a refusal), the clock is learned; a network failure leaves it as it was.
   */
  async syncClock(
    loc: { bucket?: string; region?: string } = {},
    signal?: AbortSignal,
  ): Promise<ServerClock> {
    if (this.http.clock.known) return this.http.clock;
    try {
      const res = await this.request({ method: 'HEAD', bucket: loc.bucket, region: loc.region, signal });
      await res.body.dump();
    } catch {
      // A refusal still carried a Date (learned in send); an unreachable server teaches nothing.
    }
    return this.http.clock;
  }

  /** Where a request would go; also how copy requests name their source. */
  resolve(req: Pick<StorageRequest, 'bucket' | 'region' | 'key' | 'query'>): RequestTarget {
    try {
      return this.dialect.target({ bucket: req.bucket, region: req.region, key: req.key, query: req.query });
    } catch (e) {
      if (e instanceof EndpointError) throw invalidEndpointError(e.message);
      throw e;
    }
  }
}

export function createStorageClient(account: ResolvedAccount, opts?: StorageClientOptions): StorageClient {
  return new StorageClient(account, opts);
}

function ctxOf(req: Pick<StorageRequest, 'bucket' | 'key'>): MessageContext {
  return { bucket: req.bucket, key: req.key };
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}
