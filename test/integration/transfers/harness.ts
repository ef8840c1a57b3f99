import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient } from '../../../src-main/storage/client';
import { TransferEngine, type EngineOptions } from '../../../src-main/transfers/engine';
import { listMultipartUploads } from '../../../src-main/transfers/multipart';
import { startGateway, dropBucket } from '../storage/stack';
import {
  cosAccount,
  rgwBucketName,
  rgwEnv,
  s3Account,
  uniqueBucket,
  type DialectName,
} from '../storage/helpers';

export const MiB = 1024 * 1024;

/** Writes `size` pseudo-random bytes (xorshift, seeded) without holding them in memory. */
export async function randomFile(path: string, size: number, seed = 1): Promise<void> {
  const out = createWriteStream(path);
  let x = (seed * 2654435761) >>> 0 || 1;
  const block = Buffer.allocUnsafe(4 * MiB);
  for (let done = 0; done < size;) {
    const n = Math.min(block.length, size - done);
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      block.writeUInt32LE(x >>> 0, i);
    }
    done += n;
    if (!out.write(block.subarray(0, n).slice()))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 4 * MiB })) h.update(c as Buffer);
  return h.digest('hex');
}

export interface ProxyStats {
  partPuts: number;
  puts: number;
  /** Alter one byte of the next `corrupt` PUT bodies that match. */
  corrupt: number;
  corruptWhen: (url: string) => boolean;
  corrupted: number;
  /** Answer a request here instead of forwarding it (a refused or failing part). */
  respond?: (method: string, url: string) => { status: number; body?: string } | undefined;
  /** Requests answered by `respond`. */
  answered: number;
}

/** An HTTP proxy in front of a server that counts part uploads and can damage bodies in flight. */
export async function startProxy(
  target: string,
): Promise<{ port: number; stats: ProxyStats; close(): Promise<void> }> {
  const t = new URL(target);
  const stats: ProxyStats = {
    partPuts: 0,
    puts: 0,
    corrupt: 0,
    corruptWhen: () => true,
    corrupted: 0,
    answered: 0,
  };
  const server: Server = createServer((req, res) => {
    const canned = stats.respond?.(req.method ?? 'GET', req.url ?? '');
    if (canned) {
      stats.answered++;
      req.resume();
      res.writeHead(canned.status, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : canned.body);
      return;
    }
    const isPut = req.method === 'PUT';
    if (isPut) stats.puts++;
    if (isPut && /[?&]partNumber=/.test(req.url ?? '')) stats.partPuts++;
    let damage = isPut && stats.corrupt > 0 && stats.corruptWhen(req.url ?? '');
    if (damage) {
      stats.corrupt--;
      stats.corrupted++;
    }
    const up = httpRequest(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => {
      if (damage && c.length > 100) {
        const copy = Buffer.from(c);
        copy[50] ^= 0xff;
        damage = false;
        up.write(copy);
      } else up.write(c);
    });
    req.on('end', () => up.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** One dialect against RGW (COS through an in-process gateway), optionally through a proxy, with a bucket. */
export async function transferStack(dialect: DialectName, o: { proxy?: boolean } = {}) {
  const env = rgwEnv();
  const gateway = dialect === 'cos' ? await startGateway(env) : undefined;
  const upstream = gateway ? `http://127.0.0.1:${gateway.port}` : env.endpoint;
  const proxy = o.proxy ? await startProxy(upstream) : undefined;
  const port = proxy?.port ?? gateway?.port;
  const account: ResolvedAccount =
    dialect === 'cos'
      ? cosAccount(port!, env.ak, env.sk)
      : s3Account(proxy ? `http://127.0.0.1:${proxy.port}` : env.endpoint, env.ak, env.sk);
  const bucket = uniqueBucket(dialect);
  const client = new StorageClient(account, { maxAttempts: 2 });
  await (await client.request({ method: 'PUT', bucket })).body.dump();
  const dir = await mkdtemp(join(tmpdir(), 'cosdesk-xfer-'));
  const engines: TransferEngine[] = [];
  return {
    dialect,
    env,
    account,
    bucket,
    client,
    dir,
    proxy,
    gateway,
    async engine(opts: Partial<EngineOptions> = {}): Promise<TransferEngine> {
      const e = await TransferEngine.open({
        dir: join(dir, 'data'),
        clientFor: async () => client,
        autoRetries: 3,
        ...opts,
      });
      engines.push(e);
      return e;
    },
    pendingUploads: () => listMultipartUploads(client, { bucket }),
    async close() {
      for (const e of engines) {
        // The counts kept as jobs change are the counts a walk of the queue gives.
        expect(e.summary()).toEqual(e.summary(() => true));
        await e.close();
      }
      await dropBucket(env.endpoint, env.ak, env.sk, rgwBucketName(bucket));
      await client.close();
      await proxy?.close();
      await gateway?.close();
    },
  };
}

export type TransferStack = Awaited<ReturnType<typeof transferStack>>;

/** A download of `key` in the stack's bucket to `localPath`, overwriting (the stack's account 'a'). */
export const downloadOf = (s: TransferStack, key: string, localPath: string, size = 0) => ({
  kind: 'download' as const,
  accountId: 'a',
  bucket: s.bucket,
  key,
  localPath,
  size,
  onConflict: 'overwrite' as const,
});

/** An upload of the file at `localPath` (as `stat` saw it) to `key`, overwriting. */
export const uploadOf = (
  s: TransferStack,
  localPath: string,
  st: { size: number; mtimeMs: number },
  key: string,
) => ({
  kind: 'upload' as const,
  accountId: 'a',
  bucket: s.bucket,
  key,
  localPath,
  size: st.size,
  mtimeMs: st.mtimeMs,
  onConflict: 'overwrite' as const,
});
