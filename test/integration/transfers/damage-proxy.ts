import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient } from '../../../src-main/storage/client';
import { TransferEngine, type EngineOptions } from '../../../src-main/transfers/engine';
import type { Job } from '../../../src-main/transfers/job';
import { dropBucket, startGateway } from '../storage/stack';
import {
  cosAccount,
  rgwBucketName,
  rgwEnv,
  s3Account,
  uniqueBucket,
  type DialectName,
} from '../storage/helpers';

/**
 * What the proxy does to answers. Counters count requests that pass through (1-based);
 * 0 turns a rule off.
 */
export interface Damage {
  /** Flip one byte (at `flipAt` in the body) of the n-th GET that `getWhen` picks. */
  flipGet: number;
  flipAt: number;
  getWhen: (req: IncomingMessage) => boolean;
  /** Break off the n-th GET that `getWhen` picks after `cutAt` bytes of its body (the socket closed). */
  cutGet?: number;
  cutAt?: number;
  /** Report this Content-Length in the next `headTimes` HEAD answers of an object. */
  headSize?: (real: number) => number;
  headTimes: number;
  /** Say the object is one byte larger in the Content-Range of the n-th ranged GET. */
  rangeTotalGet: number;
  /**
   * Answer the n-th ranged GET with the previous ranged GET's answer (other bytes, and a
   * Content-Range that says so), as a confused cache might.
   */
  replayGet: number;
  /** Mark object answers SSE-KMS and give them an ETag that is not the MD5 of the bytes. */
  kms: boolean;
  /** Replace object ETags (HEAD, GET, PUT answers) with this. */
  etag?: (real: string) => string;
  /** Send the n-th GET's body chunked (no Content-Length) with 10 bytes more than asked for. */
  extraGet: number;
  /** Replace the ETag in HEAD answers only. */
  headEtag?: (real: string) => string;
  /** Drop `x-cos-hash-crc64ecma` from every answer. */
  stripCrc: boolean;
  /** Answer HEAD ?partNumber=k as S3 does (RGW 16 ignores it), for an object of these part sizes. */
  partSizes?: number[];
}

export interface DamageStats {
  gets: number;
  rangedGets: number;
  heads: number;
  flipped: number;
  headsRewritten: number;
  totalsRewritten: number;
  replayed: number;
  extended: number;
  cut: number;
  /** Method, URL and Range of every request, in order. */
  log: string[];
}

const freshDamage = (): Damage => ({
  flipGet: 0,
  flipAt: 1000,
  getWhen: () => true,
  headTimes: 0,
  rangeTotalGet: 0,
  replayGet: 0,
  extraGet: 0,
  kms: false,
  stripCrc: false,
});

const freshStats = (): DamageStats => ({
  gets: 0,
  rangedGets: 0,
  heads: 0,
  flipped: 0,
  headsRewritten: 0,
  totalsRewritten: 0,
  replayed: 0,
  extended: 0,
  cut: 0,
  log: [],
});

/** An ETag a KMS-encrypted object might have: 32 hex digits, not the MD5 of its bytes. */
export function kmsEtag(real: string): string {
  const m = /^(.*?)(-\d+)?$/.exec(real)!;
  return createHash('md5').update(`kms:${m[1]}`).digest('hex') + (m[2] ?? '');
}

/** An HTTP proxy in front of RGW or the COS gateway that damages answers on demand. */
export async function startDamageProxy(target: string) {
  const t = new URL(target);
  const state = { damage: freshDamage(), stats: freshStats() };
  let previous: { status: number; headers: IncomingHttpHeaders; body: Buffer } | undefined;
  const server: Server = createServer((req, res) => {
    const d = state.damage;
    const st = state.stats;
    const url = new URL(req.url ?? '/', 'http://x');
    // COS names the bucket in the host (virtual-hosted), the S3 accounts in the path.
    const virtualHost = /\.cos\./.test(req.headers.host ?? '');
    const isObject = url.pathname.split('/').filter(Boolean).length >= (virtualHost ? 1 : 2);
    const headers: IncomingHttpHeaders = { ...req.headers };
    const range = typeof headers['range'] === 'string' ? headers['range'] : undefined;
    st.log.push(`${req.method} ${req.url} ${range ?? ''}`);
    let flip = false;
    let cut = false;
    let bumpTotal = false;
    let rewriteHead = false;
    let replay = false;
    let extra = false;
    if (req.method === 'GET' && isObject) {
      st.gets++;
      if (d.getWhen(req)) {
        if (d.flipGet > 0 && --d.flipGet === 0) flip = true;
        if (d.cutGet !== undefined && d.cutGet > 0 && --d.cutGet === 0) cut = true;
      }
      if (d.extraGet > 0 && --d.extraGet === 0) extra = true;
      if (range) {
        st.rangedGets++;
        if (d.rangeTotalGet > 0 && --d.rangeTotalGet === 0) bumpTotal = true;
        if (d.replayGet > 0 && --d.replayGet === 0 && previous) replay = true;
      }
    }
    if (req.method === 'HEAD' && isObject) {
      st.heads++;
      if (d.headSize && d.headTimes > 0 && !url.searchParams.has('partNumber')) {
        d.headTimes--;
        rewriteHead = true;
      }
    }
    const partNumber = req.method === 'HEAD' ? Number(url.searchParams.get('partNumber') ?? NaN) : NaN;
    const up = httpRequest(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers },
      (r) => {
        const h: IncomingHttpHeaders = { ...r.headers };
        let status = r.statusCode ?? 502;
        const ok = status < 300;
        if (ok && isObject && (d.kms || d.etag) && typeof h['etag'] === 'string') {
          const real = h['etag'].replace(/"/g, '');
          h['etag'] = `"${d.etag ? d.etag(real) : kmsEtag(real)}"`;
        }
        if (ok && isObject && d.kms) h['x-amz-server-side-encryption'] = 'aws:kms';
        if (ok && req.method === 'HEAD' && d.headEtag && typeof h['etag'] === 'string')
          h['etag'] = `"${d.headEtag(h['etag'].replace(/"/g, ''))}"`;
        if (d.stripCrc) delete h['x-cos-hash-crc64ecma'];
        if (ok && rewriteHead) {
          h['content-length'] = String(d.headSize!(Number(h['content-length'] ?? 0)));
          st.headsRewritten++;
        }
        if (ok && bumpTotal && typeof h['content-range'] === 'string') {
          h['content-range'] = h['content-range'].replace(/\/(\d+)$/, (_, n: string) => `/${Number(n) + 1}`);
          st.totalsRewritten++;
        }
        if (ok && d.partSizes && Number.isInteger(partNumber) && partNumber >= 1) {
          const sizes = d.partSizes;
          const total = Number(h['content-length'] ?? 0);
          if (partNumber > sizes.length) {
            status = 416;
            h['content-length'] = '0';
          } else {
            const start = sizes.slice(0, partNumber - 1).reduce((a, b) => a + b, 0);
            const len = sizes[partNumber - 1];
            status = 206;
            h['content-length'] = String(len);
            h['content-range'] = `bytes ${start}-${start + len - 1}/${total}`;
            h['x-amz-mp-parts-count'] = String(sizes.length);
          }
        }
        if (replay && previous) {
          r.resume();
          st.replayed++;
          res.writeHead(previous.status, previous.headers);
          res.end(previous.body);
          return;
        }
        if (range && d.replayGet > 0 && status === 206) {
          // Kept for a later answer to replay.
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => {
            previous = { status, headers: h, body: Buffer.concat(chunks) };
            res.writeHead(status, h);
            if (!cut) {
              res.end(previous.body);
              return;
            }
            // Kept whole for the replay, but this answer breaks off after `cutAt` bytes.
            res.write(previous.body.subarray(0, d.cutAt ?? 0));
            st.cut++;
            res.socket?.end(() => res.destroy());
          });
          return;
        }
        if (extra && status < 300) {
          delete h['content-length'];
          st.extended++;
          res.writeHead(status, h);
          r.on('end', () => res.end(Buffer.alloc(10, 7)));
          r.pipe(res, { end: false });
          return;
        }
        res.writeHead(status, h);
        if (cut) {
          const at = d.cutAt ?? 0;
          let pos = 0;
          r.on('data', (c: Buffer) => {
            if (pos >= at) return;
            if (pos < at) res.write(c.subarray(0, Math.min(c.length, at - pos)));
            pos += c.length;
            if (pos >= at) {
              r.destroy();
              st.cut++;
              // Whatever was written goes out, then the connection breaks mid-body.
              res.socket?.end(() => res.destroy());
            }
          });
          return;
        }
        if (!flip) {
          r.pipe(res);
          return;
        }
        let pos = 0;
        const at = d.flipAt;
        const flipper = new Transform({
          transform(c: Buffer, _enc, cb) {
            let out = c;
            if (at >= pos && at < pos + c.length) {
              out = Buffer.from(c);
              out[at - pos] ^= 0xff;
              st.flipped++;
            }
            pos += c.length;
            cb(null, out);
          },
        });
        r.pipe(flipper).pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    get damage() {
      return state.damage;
    },
    get stats() {
      return state.stats;
    },
    /** Back to passing everything through untouched, counters at zero. */
    reset(d: Partial<Damage> = {}) {
      state.damage = { ...freshDamage(), ...d };
      state.stats = freshStats();
      previous = undefined;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * One dialect against RGW (COS through an in-process gateway) with a damage proxy in front:
 * `client` goes through the proxy, `direct` does not (to set objects up).
 */
export async function damageStack(dialect: DialectName) {
  const env = rgwEnv();
  const gateway = dialect === 'cos' ? await startGateway(env) : undefined;
  const upstream = gateway ? `http://127.0.0.1:${gateway.port}` : env.endpoint;
  const proxy = await startDamageProxy(upstream);
  const accountAt = (port: number | undefined): ResolvedAccount =>
    dialect === 'cos'
      ? cosAccount(port!, env.ak, env.sk)
      : s3Account(port ? `http://127.0.0.1:${port}` : env.endpoint, env.ak, env.sk);
  const bucket = uniqueBucket(dialect);
  const client = new StorageClient(accountAt(proxy.port), { maxAttempts: 2 });
  const direct = new StorageClient(accountAt(gateway?.port), { maxAttempts: 2 });
  await (await direct.request({ method: 'PUT', bucket })).body.dump();
  const dir = await mkdtemp(join(tmpdir(), 'cosdesk-verify-'));
  const engines: TransferEngine[] = [];
  let n = 0;
  return {
    dialect,
    bucket,
    client,
    direct,
    dir,
    proxy,
    /** A fresh engine (own journal) that reaches the server through the proxy; no job-level retries. */
    async engine(opts: Partial<EngineOptions> = {}): Promise<TransferEngine> {
      const e = await TransferEngine.open({
        dir: join(dir, `data-${++n}`),
        clientFor: async () => client,
        autoRetries: 0,
        ...opts,
      });
      engines.push(e);
      return e;
    },
    async close() {
      for (const e of engines) await e.close();
      await dropBucket(env.endpoint, env.ak, env.sk, rgwBucketName(bucket));
      await client.close();
      await direct.close();
      await proxy.close();
      await gateway?.close();
    },
  };
}

export type DamageStack = Awaited<ReturnType<typeof damageStack>>;

/** How the engine checked a finished job (read from the job itself, whatever the view shows). */
export function verifiedOf(e: TransferEngine, id: string): string | undefined {
  return jobOf(e, id)?.verified;
}

/** The engine's own record of a job (chunks done, verification), for tests only. */
export function jobOf(e: TransferEngine, id: string): Job | undefined {
  return (e as unknown as { jobs: Map<string, Job> }).jobs.get(id);
}
