/**
 * A fault-injecting HTTP proxy for the transfer tests: it listens on 127.0.0.1, port 0, in
 * front of RGW or the COS gateway and forwards every request unchanged (Host header included,
 * so signatures stay valid), except those a scripted rule or a seeded random schedule picks,
 * which get one fault each. It counts what it did per kind.
 *
 *   const p = await startFaultProxy('http://127.0.0.1:7480', { dialect: 's3' });
 *   p.add({ kind: 'slowdown', method: 'PUT', count: 3 });          // a burst of three 503s
 *   p.add({ kind: 'lost', method: 'POST', path: /[?&]uploads\b/ });  // Initiate's answer lost
 *   p.schedule({ seed: 7, rate: 0.05, kinds: ['reset-before', 'slowdown'] });
 *   …; p.counts['slowdown'] === 3
 *
 * Hand-written on node:http: no maintained library injects these faults at the HTTP layer
 * (toxiproxy works on TCP streams and is not an npm package).
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';

export const FAULT_KINDS = [
  /** RST before forwarding: the server never sees the request. */
  'reset-before',
  /** Forward, wait for the whole answer, then RST: the server acted, the client sees a reset. */
  'reset-after',
  /** Forward, then close the connection (FIN) without a byte of the answer: a lost response. */
  'lost',
  /** Forward; send nothing for `seconds` (before the headers, or after `afterBytes` of the body). */
  'stall',
  /** Request and answer bodies at `bytesPerSecond`. */
  'slow',
  /** Not forwarded: 503 SlowDown with the dialect's XML error body. */
  'slowdown',
  /** An XML answer cut in half; Content-Length fits what is sent, so only the XML is broken. */
  'truncate-xml',
  /** An XML answer whose first closing tag does not match its opening tag. */
  'malformed-xml',
  /** One byte of the answer's body flipped (at `offset`, default the middle of the first chunk). */
  'flip-response',
  /** One byte of the request's body flipped on the way to the server. */
  'flip-request',
  /** Headers promise the full Content-Length; half the body is sent, then the connection closes. */
  'short-body',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface RequestInfo {
  method: string;
  /** Path and query as sent, e.g. `/bucket/key?partNumber=2&uploadId=…`. */
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FaultMatch {
  /** One method or several (upper case). */
  method?: string | readonly string[];
  /** Tested against the path and query. */
  path?: RegExp | string;
  when?(req: RequestInfo): boolean;
}

export interface FaultRule extends FaultMatch {
  kind: FaultKind;
  /** Let this many matching requests through untouched first (default 0). */
  skip?: number;
  /** Apply to this many matching requests (default 1; Infinity for all). */
  count?: number;
  /** stall: how long no byte moves (default 5). */
  seconds?: number;
  /** stall: bytes of the body sent before the stall (default: stall before the headers). */
  afterBytes?: number;
  /** slow: the link's speed in bytes per second (default 64 KiB/s). */
  bytesPerSecond?: number;
  /** flip-response / flip-request: which byte of the body (default the middle of the first chunk). */
  offset?: number;
}

export interface RandomSchedule extends FaultMatch {
  seed: number;
  /** Probability that a request gets a fault, 0..1. */
  rate: number;
  kinds: readonly FaultKind[];
  /** Parameters for the kinds that take some. */
  seconds?: number;
  bytesPerSecond?: number;
}

export interface FaultEvent extends Omit<RequestInfo, 'headers'> {
  kind: FaultKind;
}

export interface FaultProxy {
  port: number;
  url: string;
  /** Faults injected so far, per kind. */
  counts: Record<FaultKind, number>;
  /** Requests seen (faulted or not). */
  readonly requests: number;
  /** Every fault injected, in order. */
  events: FaultEvent[];
  /** Every request seen, in order (method and url). */
  seen: Omit<RequestInfo, 'headers'>[];
  add(...rules: FaultRule[]): void;
  /** A seeded random schedule on top of the rules (replaces the previous one; undefined: none). */
  schedule(s: RandomSchedule | undefined): void;
  /** Removes every rule and the schedule. */
  clear(): void;
  /** Sets every count back to 0 and forgets the events. */
  resetCounts(): void;
  /** Total faults injected. */
  total(): number;
  /** Resolves once `n` requests have been seen (rejects after `timeoutMs`). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface LiveRule extends FaultRule {
  seenMatches: number;
  left: number;
}

/** mulberry32: a tiny seeded PRNG, so a schedule replays from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(m: FaultMatch, r: RequestInfo): boolean {
  if (m.method !== undefined) {
    const ms = typeof m.method === 'string' ? [m.method] : m.method;
    if (!ms.includes(r.method)) return false;
  }
  if (m.path !== undefined) {
    if (typeof m.path === 'string' ? !r.url.includes(m.path) : !m.path.test(r.url)) return false;
  }
  return m.when ? m.when(r) : true;
}

/** The error body a server of the dialect sends with 503 SlowDown. */
export function slowDownBody(dialect: 's3' | 'cos', resource: string, id: string): string {
  const message = 'Please reduce your request rate.';
  return dialect === 'cos'
    ? `<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>SlowDown</Code>\n\t<Message>${message}</Message>\n\t<Resource>${escapeXml(resource)}</Resource>\n\t<RequestId>${id}</RequestId>\n\t<TraceId>${id}</TraceId>\n</Error>`
    : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>${message}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>${id}</RequestId><HostId>fault-proxy</HostId></Error>`;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isXml(headers: IncomingMessage['headers'], body: Buffer): boolean {
  return (
    /xml/i.test(String(headers['content-type'] ?? '')) ||
    body.subarray(0, 64).toString().trimStart().startsWith('<')
  );
}

function bodyLength(method: string, status: number, headers: IncomingMessage['headers']): number | undefined {
  if (method === 'HEAD' || status === 204 || status === 304) return 0;
  const n = Number(headers['content-length']);
  return Number.isFinite(n) ? n : undefined;
}

/** The middle of an XML answer, cut. */
export function truncateXml(body: Buffer): Buffer {
  return body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
}

/** An XML answer whose first closing tag no longer matches: `</Bucket>` → `</Bucketx>`. */
export function malformXml(body: Buffer): Buffer {
  const s = body.toString('utf8');
  const out = s.replace(/<\/([A-Za-z][\w.-]*)>/, '</$1x>');
  return Buffer.from(out === s ? `${s}<` : out);
}

async function write(dst: Writable, chunk: Buffer): Promise<void> {
  if (dst.destroyed) throw new Error('closed');
  if (!dst.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const done = () => (dst.off('drain', done), dst.off('close', fail), resolve());
      const fail = () => (dst.off('drain', done), dst.off('close', fail), reject(new Error('closed')));
      dst.on('drain', done);
      dst.on('close', fail);
    });
  }
}

interface CopyOptions {
  /** Flip the byte at this body offset (undefined: none). */
  flipAt?: number | 'middle';
  bps?: number;
  /** Stop after this many bytes. */
  limit?: number;
  /** Pause `stallMs` once `stallAfter` bytes went through. */
  stallAfter?: number;
  stallMs?: number;
}

/** Copies a body chunk by chunk with the chosen damage; returns the bytes copied and whether a flip happened. */
async function copyBody(
  src: AsyncIterable<Buffer>,
  dst: Writable,
  o: CopyOptions,
): Promise<{ bytes: number; flipped: boolean }> {
  let bytes = 0;
  let flipped = false;
  let stalled = o.stallAfter === undefined;
  for await (const raw of src) {
    let chunk = raw;
    if (o.flipAt !== undefined && !flipped && chunk.length > 0) {
      const at = o.flipAt === 'middle' ? Math.floor(chunk.length / 2) : o.flipAt - bytes;
      if (at >= 0 && at < chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[at] ^= 0x5a;
        flipped = true;
      }
    }
    if (o.limit !== undefined && bytes + chunk.length > o.limit) chunk = chunk.subarray(0, o.limit - bytes);
    if (!stalled && bytes + chunk.length >= o.stallAfter!) {
      const head = chunk.subarray(0, o.stallAfter! - bytes);
      if (head.length) await write(dst, head);
      bytes += head.length;
      chunk = chunk.subarray(head.length);
      await sleep(o.stallMs ?? 0);
      stalled = true;
    }
    if (o.bps) {
      const slice = Math.max(1, Math.floor(o.bps / 20));
      for (let i = 0; i < chunk.length; i += slice) {
        const part = chunk.subarray(i, i + slice);
        await write(dst, part);
        await sleep((1000 * part.length) / o.bps);
      }
    } else if (chunk.length) await write(dst, chunk);
    bytes += chunk.length;
    if (o.limit !== undefined && bytes >= o.limit) break;
  }
  return { bytes, flipped };
}

function hardReset(socket: Socket | null | undefined): void {
  if (!socket || socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

export async function startFaultProxy(
  target: string,
  opts: { dialect?: 's3' | 'cos' } = {},
): Promise<FaultProxy> {
  const t = new URL(target);
  const dialect = opts.dialect ?? 's3';
  // Its own connection pool upstream, closed with the proxy (the global agent's idle
  // keep-alive sockets would keep the upstream server's close() waiting).
  const agent = new Agent({ keepAlive: true });
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const events: FaultEvent[] = [];
  const seen: Omit<RequestInfo, 'headers'>[] = [];
  let rules: LiveRule[] = [];
  let random: { s: RandomSchedule; next: () => number } | undefined;
  let requests = 0;
  let waiters: { n: number; resolve: () => void }[] = [];

  /** The fault for this request: the first rule with some left, else the schedule's draw. */
  function pick(info: RequestInfo): { kind: FaultKind; rule: FaultRule; giveBack: () => void } | undefined {
    for (const r of rules) {
      if (r.left <= 0 || !matches(r, info)) continue;
      r.seenMatches++;
      if (r.seenMatches <= (r.skip ?? 0)) continue;
      r.left--;
      return { kind: r.kind, rule: r, giveBack: () => void r.left++ };
    }
    if (random && matches(random.s, info) && random.next() < random.s.rate) {
      const kind = random.s.kinds[Math.floor(random.next() * random.s.kinds.length)];
      return {
        kind,
        rule: { kind, seconds: random.s.seconds, bytesPerSecond: random.s.bytesPerSecond },
        giveBack: () => {},
      };
    }
    return undefined;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const info: RequestInfo = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    requests++;
    seen.push({ method: info.method, url: info.url });
    waiters = waiters.filter((w) => (requests >= w.n ? (w.resolve(), false) : true));
    let fault = pick(info);
    const hasRequestBody =
      Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (fault?.kind === 'flip-request' && !hasRequestBody) {
      fault.giveBack();
      fault = undefined;
    }
    const count = (kind: FaultKind) => {
      counts[kind]++;
      events.push({ kind, method: info.method, url: info.url });
    };

    if (fault?.kind === 'reset-before') {
      count('reset-before');
      hardReset(req.socket);
      return;
    }
    if (fault?.kind === 'slowdown') {
      count('slowdown');
      req.resume();
      req.on('end', () => {
        const id = `fault-${requests}`;
        const body = info.method === 'HEAD' ? '' : slowDownBody(dialect, info.url, id);
        res.writeHead(503, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(body),
          ...(dialect === 'cos'
            ? { 'x-cos-request-id': id, server: 'tencent-cos' }
            : { 'x-amz-request-id': id }),
        });
        res.end(body);
      });
      return;
    }

    const up = httpRequest({
      host: t.hostname,
      port: t.port,
      method: info.method,
      path: info.url,
      headers: req.headers,
      agent,
    });
    let answered = false;
    const abandon = () => {
      up.destroy();
    };
    res.on('close', () => {
      if (!res.writableFinished) abandon();
    });
    up.on('error', () => {
      if (!answered) hardReset(req.socket);
      else res.destroy();
    });

    // The request body, upward.
    const reqCopy: CopyOptions = {};
    if (fault?.kind === 'flip-request') {
      reqCopy.flipAt = fault.rule.offset ?? 'middle';
    }
    // A slow link is counted when chosen: the client may give up before any answer.
    if (fault?.kind === 'slow') {
      reqCopy.bps = fault.rule.bytesPerSecond ?? 64 * 1024;
      count('slow');
    }
    void copyBody(req, up, reqCopy).then(
      (r) => {
        if (fault?.kind === 'flip-request') {
          if (r.flipped) count('flip-request');
          else fault.giveBack();
        }
        up.end();
      },
      () => up.destroy(),
    );

    up.on('response', (r) => {
      answered = true;
      void answer(r).catch(() => res.destroy());
    });

    async function answer(r: IncomingMessage): Promise<void> {
      const status = r.statusCode ?? 502;
      const len = bodyLength(info.method, status, r.headers);
      const kind = fault?.kind;
      if (kind === 'reset-after' || kind === 'lost') {
        r.resume();
        await new Promise<void>((resolve) => r.on('end', resolve).on('error', resolve).on('close', resolve));
        count(kind);
        if (kind === 'reset-after') hardReset(req.socket);
        else req.socket.end();
        return;
      }
      if (kind === 'truncate-xml' || kind === 'malformed-xml') {
        const chunks: Buffer[] = [];
        for await (const c of r) chunks.push(c as Buffer);
        let body: Buffer = Buffer.concat(chunks);
        if (body.length > 0 && isXml(r.headers, body)) {
          body = kind === 'truncate-xml' ? truncateXml(body) : malformXml(body);
          count(kind);
        } else fault!.giveBack();
        const headers = { ...r.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(status, headers);
        res.end(info.method === 'HEAD' ? undefined : body);
        return;
      }
      if ((kind === 'short-body' || kind === 'flip-response') && !(len === undefined ? true : len > 0)) {
        fault!.giveBack();
        fault = undefined;
      }
      if (kind === 'short-body' && len === undefined) {
        fault!.giveBack();
        fault = undefined;
      }
      if (fault?.kind === 'stall' && fault.rule.afterBytes === undefined) {
        count('stall');
        await sleep(1000 * (fault.rule.seconds ?? 5));
        if (res.destroyed) return;
      }
      res.writeHead(status, r.headers);
      const o: CopyOptions = {};
      if (fault?.kind === 'slow') o.bps = fault.rule.bytesPerSecond ?? 64 * 1024;
      if (fault?.kind === 'flip-response') o.flipAt = fault.rule.offset ?? 'middle';
      if (fault?.kind === 'short-body') o.limit = Math.floor(len! / 2);
      if (fault?.kind === 'stall' && fault.rule.afterBytes !== undefined) {
        o.stallAfter = fault.rule.afterBytes;
        o.stallMs = 1000 * (fault.rule.seconds ?? 5);
        count('stall');
      }
      const copied = await copyBody(r, res, o);
      if (fault?.kind === 'flip-response') {
        if (copied.flipped) count('flip-response');
        else fault.giveBack();
      }
      if (fault?.kind === 'short-body') {
        count('short-body');
        r.destroy();
        // Let the half body leave, then close without the rest.
        res.socket?.end();
        setTimeout(() => res.destroy(), 50).unref();
        return;
      }
      res.end();
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    counts,
    events,
    seen,
    get requests() {
      return requests;
    },
    add(...more) {
      rules.push(...more.map((r) => ({ ...r, seenMatches: 0, left: r.count ?? 1 })));
    },
    schedule(s) {
      random = s ? { s, next: seededRandom(s.seed) } : undefined;
    },
    clear() {
      rules = [];
      random = undefined;
    },
    resetCounts() {
      for (const k of FAULT_KINDS) counts[k] = 0;
      events.length = 0;
    },
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    waitForRequests(n, timeoutMs = 120_000) {
      if (requests >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`fault proxy: only ${requests} of ${n} requests arrived in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => r());
      }),
  };
}
