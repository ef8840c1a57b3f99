import { lookup as dnsLookup } from 'node:dns';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import type { RequestTarget } from './endpoints';
import { localhostAwareLookup } from './endpoints';
import {
  isExpiredRequest,
  StorageError,
  storageErrorFromNetwork,
  storageErrorFromResponse,
  type MessageContext,
} from './errors';

/** One signed attempt, ready to send. Built afresh per attempt so each carries a fresh signature. */
export interface PreparedRequest {
  method: string;
  target: RequestTarget;
  headers: Record<string, string>;
  body?: string | Uint8Array | Readable;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
}

export interface HttpOptions {
  connectTimeoutMs?: number;
  /** Time allowed for the response headers once the request is sent. */
  headersTimeoutMs?: number;
  /**
   * Deadline from sending until the response headers arrive, connect included. Kept by us
   * because undici's own header timer ticks once a second, too coarse for short timeouts.
   */
  responseTimeoutMs?: number;
  /** Longest silence allowed between two chunks of a response body. */
  bodyTimeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injectable for tests; the local clock in ms. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendOptions {
  /** Safe to resend after the server may have seen it. Defaults from the method. */
  idempotent?: boolean;
  signal?: AbortSignal;
  ctx?: MessageContext;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
// The request never left this machine, so even a POST may be sent again.
const NOT_SENT_CAUSES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);
const RETRYABLE_NETWORK = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);
const ERROR_BODY_LIMIT = 64 * 1024;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class HttpClient {
  /** Server time minus local time, learned from a skew error; applied to every later signature. */
  clockOffsetMs = 0;
  private readonly agent: Agent;
  private readonly opts: Required<Omit<HttpOptions, 'connectTimeoutMs'>>;

  constructor(opts: HttpOptions = {}) {
    this.opts = {
      responseTimeoutMs:
        opts.responseTimeoutMs ?? (opts.connectTimeoutMs ?? 10_000) + (opts.headersTimeoutMs ?? 30_000),
      headersTimeoutMs: opts.headersTimeoutMs ?? 30_000,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? 60_000,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 4),
      baseDelayMs: opts.baseDelayMs ?? 200,
      maxDelayMs: opts.maxDelayMs ?? 5_000,
      now: opts.now ?? Date.now,
      random: opts.random ?? Math.random,
      sleep: opts.sleep ?? defaultSleep,
    };
    this.agent = new Agent({
      connections: 16,
      keepAliveTimeout: 30_000,
      headersTimeout: this.opts.headersTimeoutMs,
      bodyTimeout: this.opts.bodyTimeoutMs,
      connect: {
        timeout: opts.connectTimeoutMs ?? 10_000,
        lookup: localhostAwareLookup(dnsLookup as never) as never,
      },
    });
  }

  /** The clock to sign with: the local clock corrected by what the server told us. */
  signingTime(): number {
    return this.opts.now() + this.clockOffsetMs;
  }

  async send(
    build: (signingTimeMs: number) => Promise<PreparedRequest>,
    so: SendOptions = {},
  ): Promise<HttpResponse> {
    let attempt = 0;
    let clockCorrected = false;
    for (;;) {
      attempt++;
      if (so.signal?.aborted) throw storageErrorFromNetwork(so.signal.reason, so.ctx);
      const req = await build(this.signingTime());
      const idempotent = so.idempotent ?? IDEMPOTENT_METHODS.has(req.method.toUpperCase());
      const ctx = { host: req.target.host, ...so.ctx };
      let res: Dispatcher.ResponseData;
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(responseTimeout()), this.opts.responseTimeoutMs);
      try {
        res = await this.agent.request({
          origin: req.target.origin,
          path: req.target.path,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          body: req.body,
          signal: so.signal ? AbortSignal.any([so.signal, deadline.signal]) : deadline.signal,
        });
      } catch (err) {
        const se = storageErrorFromNetwork(so.signal?.aborted ? so.signal.reason : err, ctx);
        const cause = se.details.cause ?? '';
        const retryable = RETRYABLE_NETWORK.has(se.storageCode) && (idempotent || NOT_SENT_CAUSES.has(cause));
        if (retryable && attempt < this.opts.maxAttempts && !so.signal?.aborted) {
          await this.opts.sleep(this.backoff(attempt));
          continue;
        }
        throw se;
      } finally {
        clearTimeout(timer);
      }

      if (isSuccess(res.statusCode)) {
        return { status: res.statusCode, headers: flatten(res.headers), body: res.body };
      }

      const headers = flatten(res.headers);
      const se = storageErrorFromResponse({
        status: res.statusCode,
        body: req.method.toUpperCase() === 'HEAD' ? '' : await readCapped(res.body),
        requestIdHeader: headers['x-cos-request-id'] ?? headers['x-amz-request-id'],
        ctx,
      });

      if (!clockCorrected && isClockError(se)) {
        const serverTime = Date.parse(headers['date'] ?? '');
        if (Number.isFinite(serverTime)) {
          this.clockOffsetMs = serverTime - this.opts.now();
          clockCorrected = true;
          attempt--;
          continue;
        }
      }

      if (idempotent && attempt < this.opts.maxAttempts && isRetryableStatus(se)) {
        await this.opts.sleep(this.backoff(attempt, headers['retry-after']));
        continue;
      }
      throw se;
    }
  }

  /** Exponential backoff with equal jitter, so clients that failed together do not retry together. */
  private backoff(attempt: number, retryAfter?: string): number {
    const cap = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
    const jittered = cap / 2 + this.opts.random() * (cap / 2);
    const hinted = Number(retryAfter) * 1000;
    return Number.isFinite(hinted) && hinted > 0
      ? Math.min(Math.max(jittered, hinted), this.opts.maxDelayMs * 4)
      : jittered;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function responseTimeout(): Error {
  return Object.assign(new Error('no response in time'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
}

function isSuccess(status: number): boolean {
  // 301/307 from S3 mean "wrong region/endpoint" and carry an error body; other 3xx (304) are answers.
  return status < 300 || (status < 400 && status !== 301 && status !== 307);
}

function isClockError(se: StorageError): boolean {
  return se.storageCode === 'RequestTimeTooSkewed' || isExpiredRequest(se.details);
}

function isRetryableStatus(se: StorageError): boolean {
  return se.storageCode === 'SlowDown' || (se.status !== undefined && se.status >= 500);
}

function flatten(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Error bodies are small; a misbehaving server must not make us buffer megabytes. */
async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(b);
      size += b.length;
      if (size >= ERROR_BODY_LIMIT) {
        body.destroy();
        break;
      }
    }
  } catch {
    // A body cut short still leaves the status to go on.
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8');
}
