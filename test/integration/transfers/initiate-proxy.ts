import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient, type StorageClientOptions } from '../../../src-main/storage/client';
import { TransferEngine, type EngineOptions } from '../../../src-main/transfers/engine';
import { abortUpload, listMultipartUploads } from '../../../src-main/transfers/multipart';
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
 * What the proxy does to the next Initiate (POST ?uploads) after the server answered it:
 *  reset: drops the client's connection without answering; garbage: 200 with broken XML;
 *  no-id: 200 with a well-formed document naming no upload; error500: a 500 error answer;
 *  stall: never answers; twice-reset: sends it to the server twice (two uploads), then resets.
 */
export type InitiateFault = 'reset' | 'garbage' | 'no-id' | 'error500' | 'stall' | 'twice-reset';

export interface InitiateProxy {
  port: number;
  /** Faults for the coming Initiates, first to last; an empty queue passes them through. */
  faults: InitiateFault[];
  /** Initiates the server received. */
  initiates: number;
  /** Called once the server has answered an Initiate, before the client hears anything. */
  onInitiateAnswered?: () => Promise<void>;
  /** Answer every part PUT with this status instead of forwarding it. */
  partStatus?: number;
  partPuts: number;
  close(): Promise<void>;
}

const isInitiate = (req: IncomingMessage) =>
  req.method === 'POST' && /[?&]uploads(=|&|$)/.test(req.url ?? '') && !/[?&]uploadId=/.test(req.url ?? '');

/** A proxy in front of RGW or the COS gateway that loses, garbles or doubles Initiate answers. */
export async function startInitiateProxy(target: string): Promise<InitiateProxy> {
  const t = new URL(target);
  const held = new Set<IncomingMessage>();
  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const up = httpRequest(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(chunks) }),
          );
          r.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  const proxy: InitiateProxy = {
    port: 0,
    faults: [],
    initiates: 0,
    partPuts: 0,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '')) {
          proxy.partPuts++;
          if (proxy.partStatus) {
            res.writeHead(proxy.partStatus, { 'content-type': 'application/xml' });
            res.end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>proxy</Message></Error>');
            return;
          }
        }
        if (!isInitiate(req)) {
          const r = await forward(req, body);
          res.writeHead(r.status, r.headers);
          res.end(r.body);
          return;
        }
        const fault = proxy.faults.shift();
        proxy.initiates++;
        const r = await forward(req, body);
        if (fault === 'twice-reset') {
          proxy.initiates++;
          await forward(req, body);
        }
        await proxy.onInitiateAnswered?.();
        switch (fault) {
          case undefined:
            res.writeHead(r.status, r.headers);
            res.end(r.body);
            return;
          case 'reset':
          case 'twice-reset':
            req.socket.resetAndDestroy();
            return;
          case 'garbage':
            res.writeHead(200, { 'content-type': 'application/xml' });
            res.end('<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>x</Buck');
            return;
          case 'no-id':
            res.writeHead(200, { 'content-type': 'application/xml' });
            res.end(
              '<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>x</Bucket></InitiateMultipartUploadResult>',
            );
            return;
          case 'error500':
            res.writeHead(500, { 'content-type': 'application/xml' });
            res.end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>lost</Message></Error>');
            return;
          case 'stall':
            held.add(req);
            return;
        }
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.close = () =>
    new Promise<void>((r) => {
      for (const req of held) req.socket.destroy();
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}

/** One dialect against RGW (COS through an in-process gateway) behind an Initiate proxy, with a bucket. */
export async function initiateStack(dialect: DialectName) {
  const env = rgwEnv();
  const gateway = dialect === 'cos' ? await startGateway(env) : undefined;
  const proxy = await startInitiateProxy(gateway ? `http://127.0.0.1:${gateway.port}` : env.endpoint);
  const account: ResolvedAccount =
    dialect === 'cos'
      ? cosAccount(proxy.port, env.ak, env.sk)
      : s3Account(`http://127.0.0.1:${proxy.port}`, env.ak, env.sk);
  const bucket = uniqueBucket(dialect);
  const clients: StorageClient[] = [];
  const newClient = (o: StorageClientOptions = {}) => {
    const c = new StorageClient(account, { maxAttempts: 2, ...o });
    clients.push(c);
    return c;
  };
  const client = newClient();
  await (await client.request({ method: 'PUT', bucket })).body.dump();
  const dir = await mkdtemp(join(tmpdir(), 'cosdesk-init-'));
  const engines: TransferEngine[] = [];
  let n = 0;
  return {
    dialect,
    account,
    bucket,
    client,
    dir,
    proxy,
    newClient,
    /** A fresh engine (own journal folder) with 1 MiB threshold and 5 MiB parts. */
    async engine(opts: Partial<EngineOptions> = {}, c: StorageClient = client): Promise<TransferEngine> {
      const e = await TransferEngine.open({
        dir: join(dir, `data-${n++}`),
        clientFor: async () => c,
        threshold: 1024 * 1024,
        partSize: 5 * 1024 * 1024,
        autoRetries: 0,
        ...opts,
      });
      engines.push(e);
      return e;
    },
    pendingUploads: () => listMultipartUploads(client, { bucket }),
    /** sha256 of the object as stored. */
    async objectSha(key: string): Promise<string> {
      const res = await client.request({ method: 'GET', bucket, key });
      return createHash('sha256')
        .update(Buffer.from(await res.body.arrayBuffer()))
        .digest('hex');
    },
    async close() {
      for (const e of engines) await e.close();
      for (const u of await listMultipartUploads(client, { bucket }).catch(() => []))
        await abortUpload(client, { bucket }, u.key, u.uploadId).catch(() => undefined);
      await dropBucket(env.endpoint, env.ak, env.sk, rgwBucketName(bucket));
      for (const c of clients) await c.close();
      await proxy.close();
      await gateway?.close();
    },
  };
}

export type InitiateStack = Awaited<ReturnType<typeof initiateStack>>;

export async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
