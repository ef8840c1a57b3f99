import { lookup as dnsLookup } from 'node:dns';
import type { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import { undiciAgent } from '../lazy-require';
import type { RequestTarget } from './endpoints';
import { localhostAwareLookup } from './endpoints';
import { slabReads } from './read-slabs';
import { ServerClock, serverClock, SKEW_SUSPECT_MS } from './clock';
import {
  clockSkewError,
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

/** How a request reaches its server now: directly, or through a proxy (see settings/network.ts). */
export interface NetworkRoute {
  /** The same key, the same dispatcher (kept open for reuse); `direct` is the client's own agent. */
  key: string;
  /** Changes when the settings change: dispatchers of older generations are closed. */
  generation: number;
  /** `auth`: credentials are offered to the proxy. */
  proxy?: { kind: 'http' | 'socks5'; host: string; port: number; auth?: boolean };
  create?(agentOptions: Agent.Options): Dispatcher;
}

/** The seam every request of main goes through: asked once per attempt, so changes apply at once. */
export interface Network {
  route(origin: string): Promise<NetworkRoute>;
}

export interface HttpOptions {
  /** Proxy routing (the settings' proxy); without it every request goes direct. */
  network?: Network;
  /** Time allowed to open a connection (TCP and TLS). */
  connectTimeoutMs?: number;
  /**
   * Longest silence allowed: no request-body bytes taken by the connection and no response
   * bytes arriving. Not a deadline: a slow or throttled transfer that keeps moving never times
   * out; a server that stops answering is noticed after this long. The first silence (until
   * the request starts moving) also allows the connect time.
   */
  idleTimeoutMs?: number;
  /** @deprecated Old name of `idleTimeoutMs`. */
  headersTimeoutMs?: number;
  /** @deprecated Old name of `idleTimeoutMs`. */
  responseTimeoutMs?: number;
  /** @deprecated Old name of `idleTimeoutMs` for the response body. */
  bodyTimeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injectable for tests; the local clock in ms. */
  now?: () => number;
  /** The server clock to learn and sign with; by default one shared per `serverKey` and `now`. */
  clock?: ServerClock;
  /** Names the server for the shared clock (see serverKeyOf); a private clock without it. */
  serverKey?: string;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendOptions {
  /** Safe to resend after the server may have seen it. Defaults from the method. */
  idempotent?: boolean;
  signal?: AbortSignal;
  ctx?: MessageContext;
  /** See StorageRequest.closeAfter. */
  closeAfter?: number;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
// The request never left this machine, so even a POST may be sent again.
const NOT_SENT_CAUSES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);
const RETRYABLE_NETWORK = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);
const ERROR_BODY_LIMIT = 64 * 1024;
/** After a body is sent: what the socket buffers may still hold, and the slowest link we allow for. */
const DRAIN_CAP = 8 * 1024 * 1024;
const DRAIN_FLOOR = 128 * 1024;

/** Bodies in memory go out in slices this big, so the silence timer sees them move. */
const BODY_SLICE = 64 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class HttpClient {
  /** The server's clock as learned from its `Date` headers; every signature uses it. */
  readonly clock: ServerClock;
  private readonly agent: Agent;
  private readonly opts: Required<
    Omit<
      HttpOptions,
      'headersTimeoutMs' | 'responseTimeoutMs' | 'bodyTimeoutMs' | 'clock' | 'serverKey' | 'now' | 'network'
    >
  >;
  private readonly network: Network | undefined;
  private readonly agentOptions: Agent.Options;
  /** Proxy dispatchers by route key, all of one settings generation. */
  private readonly routed = new Map<string, Dispatcher>();
  private routedGeneration = -1;
  /** Whether this client has looked at a server's `Date` yet. */
  private learned = false;

  constructor(opts: HttpOptions = {}) {
    const idle =
      opts.idleTimeoutMs ??
      opts.responseTimeoutMs ??
      opts.headersTimeoutMs ??
      opts.bodyTimeoutMs ??
      DEFAULT_IDLE_TIMEOUT_MS;
    this.opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: idle,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 4),
      baseDelayMs: opts.baseDelayMs ?? 200,
      maxDelayMs: opts.maxDelayMs ?? 5_000,
      random: opts.random ?? Math.random,
      sleep: opts.sleep ?? defaultSleep,
    };
    this.clock =
      opts.clock ??
      (opts.serverKey !== undefined
        ? serverClock(opts.serverKey, opts.now ?? Date.now)
        : new ServerClock(opts.now ?? Date.now));
    this.network = opts.network;
    this.agentOptions = {
      // Above any concurrency the app runs (transfers: at most 64, plus listings), so a request
      // never waits in a queue for a connection while its silence timer runs.
      connections: 128,
      keepAliveTimeout: 30_000,
      // Silence before the response headers is watched by us (see Watchdog); undici's own
      // header timer does not count a slowly sent body as activity.
      headersTimeout: 0,
      // Between chunks of a response body; a body paused by a slow reader does not count.
      bodyTimeout: opts.bodyTimeoutMs ?? idle,
      connect: {
        timeout: this.opts.connectTimeoutMs,
        lookup: localhostAwareLookup(dnsLookup as never) as never,
      },
    };
    // The direct agent's sockets read into slabs (see slabReads); a proxy's keep Node's reads.
    this.agent = new (undiciAgent())({
      ...this.agentOptions,
      connect: { ...this.agentOptions.connect, onread: slabReads },
    } as Agent.Options);
  }

  /** The dispatcher for this attempt: the settings' route as it is now. */
  private async dispatcherFor(origin: string): Promise<{ d: Dispatcher; route?: NetworkRoute }> {
    if (!this.network) return { d: this.agent };
    const route = await this.network.route(origin);
    if (route.generation !== this.routedGeneration) {
      // Older routes finish what they carry (close waits for it), then go.
      for (const d of this.routed.values()) void d.close().catch(() => undefined);
      this.routed.clear();
      this.routedGeneration = route.generation;
    }
    if (!route.create || route.key === 'direct') return { d: this.agent, route };
    let d = this.routed.get(route.key);
    if (!d) {
      d = route.create(this.agentOptions);
      this.routed.set(route.key, d);
    }
    return { d, route };
  }

  /** Server time minus local time, as learned. */
  get clockOffsetMs(): number {
    return this.clock.offsetMs;
  }

  /** The clock to sign with: the local clock corrected by what the server told us. */
  signingTime(): number {
    return this.clock.serverNow();
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
      const signedAt = this.signingTime();
      const req = await build(signedAt);
      const idempotent = so.idempotent ?? IDEMPOTENT_METHODS.has(req.method.toUpperCase());
      const ctx = { host: req.target.host, ...so.ctx };
      let res: Dispatcher.ResponseData;
      const dog = new Watchdog(this.opts.connectTimeoutMs + this.opts.idleTimeoutMs, this.opts.idleTimeoutMs);
      const body = watchedBody(req.body, dog);
      let route: NetworkRoute | undefined;
      try {
        const via = await this.dispatcherFor(req.target.origin);
        route = via.route;
        res = await via.d.request({
          origin: req.target.origin,
          path: req.target.path,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          // undici takes async iterables (its docs say so; its types lag).
          body: body as Readable | undefined,
          signal: so.signal ? AbortSignal.any([so.signal, dog.signal]) : dog.signal,
          // A paused parser meeting the server's close trips an assertion in undici 7: the
          // body's buffer holds all of an answer this small, so the parser never pauses. Over
          // https too, where we keep the connection: a server may still close it after this
          // answer (`Connection: close`), and that close meets the parser all the same.
          ...(so.closeAfter !== undefined
            ? { reset: plainHttp(req.target), highWaterMark: 2 * so.closeAfter }
            : {}),
        });
      } catch (err) {
        if (isReadable(req.body)) req.body.destroy();
        const viaProxy = route?.proxy && !so.signal?.aborted ? proxyFailure(err, route.proxy) : undefined;
        if (viaProxy) throw viaProxy;
        const se = storageErrorFromNetwork(so.signal?.aborted ? so.signal.reason : err, ctx);
        const cause = se.details.cause ?? '';
        const retryable = RETRYABLE_NETWORK.has(se.storageCode) && (idempotent || NOT_SENT_CAUSES.has(cause));
        if (retryable && attempt < this.opts.maxAttempts && !so.signal?.aborted) {
          await this.opts.sleep(this.backoff(attempt));
          continue;
        }
        throw se;
      } finally {
        dog.stop();
      }
      const receivedAt = this.clock.now();
      const headers = flatten(res.headers);

      if (isSuccess(res.statusCode)) {
        // The first answer tells how far off this computer's clock is.
        if (!this.learned) this.clock.observe(headers['date'], receivedAt);
        this.learned = true;
        return { status: res.statusCode, headers, body: res.body };
      }

      const method = req.method.toUpperCase();
      const errorBody = method === 'HEAD' ? '' : await readCapped(res.body);
      if (method === 'HEAD') await res.body.dump().catch(() => undefined);
      // A server may refuse before taking the whole body: the rest of it is not going anywhere.
      if (isReadable(req.body)) req.body.destroy();
      let se = storageErrorFromResponse({
        status: res.statusCode,
        body: errorBody,
        requestIdHeader: headers['x-cos-request-id'] ?? headers['x-amz-request-id'],
        ctx,
      });
      this.learned = true;

      // A skew error names itself in its body; a HEAD has none, so a 403 whose Date is far
      // from the time we signed with is taken for one.
      const distance = ServerClock.distance(headers['date'], signedAt);
      const skewed =
        isClockError(se) ||
        (errorBody.trim() === '' &&
          res.statusCode === 403 &&
          distance !== undefined &&
          Math.abs(distance) >= SKEW_SUSPECT_MS);
      if (skewed) {
        const corrected = this.clock.observe(headers['date'], receivedAt, true);
        if (corrected && !clockCorrected) {
          clockCorrected = true;
          attempt--;
          continue;
        }
        // How far this computer's clock is from the server's, whatever we signed with.
        if (isClockError(se)) {
          se = clockSkewError(se, ServerClock.distance(headers['date'], receivedAt) ?? this.clock.offsetMs);
        }
      } else {
        this.clock.observe(headers['date'], receivedAt);
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

  async close(): Promise<void> {
    const all = [this.agent, ...this.routed.values()];
    this.routed.clear();
    await Promise.all(all.map((d) => d.close().catch(() => undefined)));
  }
}

/**
 * A request that failed at the proxy, in words that say so: the proxy refused the credentials,
 * cannot be reached, or refused to connect onwards. Undefined: not the proxy's doing.
 */
export function proxyFailure(
  err: unknown,
  proxy: NonNullable<NetworkRoute['proxy']>,
): StorageError | undefined {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code ?? '';
  const where = `${proxy.kind === 'socks5' ? 'SOCKS5' : 'HTTP'} proxy ${proxy.host}:${proxy.port}`;
  const status = /Proxy response \((\d{3})\)/.exec(msg)?.[1];
  const make = (storageCode: string, en: string, zh: string) =>
    new StorageError('NETWORK', { storageCode, cause: code || undefined }, {}, { en, zh });
  // The socks client reports a login broken off mid-handshake as an internal error.
  const socksLogin =
    proxy.kind === 'socks5' && proxy.auth === true && /SocksClient internal error/i.test(msg);
  if (status === '407' || socksLogin || /authentication failed/i.test(msg)) {
    return make(
      'ProxyAuthRefused',
      `The ${where} refused the credentials: check the proxy username and password in Settings.`,
      `代理 ${proxy.host}:${proxy.port} 拒绝了凭据：请在设置中检查代理的用户名和密码。`,
    );
  }
  if (status) {
    return make(
      'ProxyRefused',
      `The ${where} did not connect onwards (HTTP ${status}): check that the server is reachable from the proxy, or change the proxy in Settings.`,
      `代理 ${proxy.host}:${proxy.port} 未能转发连接（HTTP ${status}）：请确认代理能访问该服务器，或在设置中更换代理。`,
    );
  }
  const unreachable =
    /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT)$/.test(code) ||
    /ECONNREFUSED|proxy connection timed out/i.test(msg);
  if (/Socks5? proxy rejected connection/i.test(msg)) {
    return make(
      'ProxyRefused',
      `The ${where} refused to connect to the server (${msg.replace(/^.*- /, '')}): check that the server is reachable from the proxy, or change the proxy in Settings.`,
      `代理 ${proxy.host}:${proxy.port} 拒绝连接到服务器：请确认代理能访问该服务器，或在设置中更换代理。`,
    );
  }
  if (unreachable) {
    return make(
      'ProxyUnreachable',
      `Cannot reach the ${where} (${code || msg}): check that the proxy is running and its host and port in Settings, or choose "No proxy".`,
      `无法连接代理 ${proxy.host}:${proxy.port}（${code || msg}）：请确认代理正在运行、设置中的主机和端口正确，或选择“不使用代理”。`,
    );
  }
  return undefined;
}

/**
 * Aborts a request after a silence: nothing sent, nothing received for `idleMs` (the first
 * silence may last `firstMs`, which allows for connecting). Cheap to touch on every chunk.
 */
class Watchdog {
  private readonly controller = new AbortController();
  private last = performance.now();
  private paused = false;
  private limit: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    firstMs: number,
    private readonly idleMs: number,
  ) {
    this.limit = firstMs;
    this.arm(firstMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    this.last = performance.now();
    this.limit = this.idleMs;
  }

  /**
   * While the request waits on its own body (a throttled or slow local source), the connection
   * is not silent by the server's fault: the clock stops until the next chunk is handed over.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.touch();
  }

  /**
   * The whole body was handed to the connection, `bytes` of it. The kernel's socket buffers
   * (several MiB on a fast local link) may still hold much of it, draining at the speed of a
   * slow link while nothing here can see it move: until the answer comes, allow for draining
   * up to DRAIN_CAP bytes at DRAIN_FLOOR bytes/s on top of the usual silence.
   */
  bodyDone(bytes: number): void {
    this.touch();
    this.limit = this.idleMs + (Math.min(bytes, DRAIN_CAP) / DRAIN_FLOOR) * 1000;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      if (this.paused) return this.arm(this.limit);
      const quiet = performance.now() - this.last;
      if (quiet >= this.limit) this.controller.abort(idleTimeout(this.idleMs));
      else this.arm(this.limit - quiet);
    }, ms);
  }
}

/**
 * `closeAfter` applies to plain http only. RGW's beast frontend keeps Nagle on (its
 * `tcp_nodelay` option is off by default) and writes an answer's headers and body apart: on a
 * kept connection the body waits for the ACK of the headers, which this side's kernel delays
 * (~40 ms; a new connection ACKs at once). undici already sets TCP_NODELAY on our side and
 * sends a GET in one write; Node cannot set TCP_QUICKACK. Over https a new connection costs a
 * TLS handshake, far more than it saves against COS or S3 (bench/CHANGES-h26.md).
 */
function plainHttp(target: RequestTarget): boolean {
  return target.protocol === 'http:';
}

function isReadable(b: PreparedRequest['body']): b is Readable {
  return typeof b === 'object' && b !== null && !(b instanceof Uint8Array);
}

/** The request body as chunks that touch the watchdog as the connection takes them. */
function watchedBody(
  body: PreparedRequest['body'],
  dog: Watchdog,
): PreparedRequest['body'] | AsyncIterable<Uint8Array> {
  if (body === undefined || typeof body === 'string') return body;
  if (body instanceof Uint8Array) {
    if (body.byteLength <= BODY_SLICE) return body;
    return (async function* () {
      for (let i = 0; i < body.byteLength; i += BODY_SLICE) {
        dog.touch();
        yield body.subarray(i, i + BODY_SLICE);
      }
      dog.bodyDone(body.byteLength);
    })();
  }
  return (async function* () {
    let bytes = 0;
    dog.pause();
    for await (const chunk of body) {
      dog.resume();
      const c = (typeof chunk === 'string' ? Buffer.from(chunk) : chunk) as Uint8Array;
      bytes += c.byteLength;
      yield c;
      dog.pause();
    }
    dog.resume();
    dog.bodyDone(bytes);
  })();
}

function idleTimeout(ms: number): Error {
  return Object.assign(new Error(`nothing moved for ${ms} ms`), { code: 'COSDESK_IDLE_TIMEOUT' });
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

let processNetwork: Network | undefined;

/**
 * The network of the main running in this process, for the few requests made outside
 * HttpClient (STS, link checks): set by createMain, cleared when that main closes.
 */
export function setProcessNetwork(n: Network | undefined): void {
  processNetwork = n;
}

export function getProcessNetwork(): Network | undefined {
  return processNetwork;
}

/**
 * A dispatcher for one request to `origin` outside HttpClient, on the current proxy route;
 * the caller closes it when done.
 */
export async function oneShotDispatcher(origin: string, agentOptions: Agent.Options): Promise<Dispatcher> {
  const route = await processNetwork?.route(origin);
  return route?.create ? route.create(agentOptions) : new (undiciAgent())(agentOptions);
}
