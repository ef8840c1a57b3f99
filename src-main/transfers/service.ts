import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Services } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { ResolvedAccount } from '../accounts/types';
import { acquireEngineLock, type EngineLock, type EngineLockOptions } from '../data-lock';
import type { EventHub } from '../ipc/events';
import type { Logger } from '../log';
import { StorageClient, type StorageClientOptions } from '../storage/client';
import { listObjects } from '../storage/ops/list';
import { engineOptionsFromEnv, TOKEN_EXPIRED, TransferEngine, type NewJob } from './engine';
import { safeLocalPath } from './safe-path';
import { walkFiles } from './walk';

type Api = Services['transfers'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

export interface TransfersDeps {
  dataDir: string;
  resolveAccount(id: string): Promise<ResolvedAccount>;
  clientOptions?: StorageClientOptions;
  hub?: EventHub;
  log?: Logger;
  concurrency?: number;
  /**
   * Who this process is, for the data folder's lock on the engine (default: a CLI command
   * that refuses rather than waits when another process runs the queue).
   */
  lock?: Omit<EngineLockOptions, 'onCompromised'>;
  /** The app and web mode: carry on with the queue whenever the engine opens. */
  autoStart?: boolean;
}

interface Spool {
  req: Req<'webUpload'>;
  batchId: string;
  received: Set<number>;
}

/** The transfers contract over one engine; clients of its own so bulk traffic has its own pool. */
export class TransfersService implements Api {
  private readonly clients = new Map<string, Promise<StorageClient>>();
  private readonly walks = new Set<Promise<void>>();
  private readonly spools = new Map<string, Spool>();
  private readonly queueErrors = new Map<string, string[]>();

  private opened: Promise<TransferEngine> | undefined;
  private lock: EngineLock | undefined;

  constructor(private readonly deps: TransfersDeps) {
    // A temporary key that runs out pauses its account's jobs; they resume with fresh keys.
    deps.hub?.subscribe((name, payload) => {
      if (name !== 'accounts.tokenExpired' || !this.opened) return;
      const { accountId } = payload as { accountId: string };
      void this.opened.then((e) => e.pauseAccount(accountId, TOKEN_EXPIRED));
    });
  }

  /**
   * The engine, with the journal read on first use: a CLI command that moves no bytes
   * never touches the journal, so it cannot disturb a transfer running in another process.
   * Opening it takes the data folder's lock first (see data-lock.ts): one process at a time
   * runs the queue and writes the journal. Refused (another process holds it), the call
   * fails with a message naming that process, and the next call tries again.
   */
  engine(): Promise<TransferEngine> {
    if (!this.opened) {
      const p = this.openEngine();
      this.opened = p;
      p.catch(() => {
        if (this.opened === p) this.opened = undefined;
      });
    }
    return this.opened;
  }

  private async openEngine(): Promise<TransferEngine> {
    const lock = await acquireEngineLock(this.deps.dataDir, {
      kind: 'cli',
      ...this.deps.lock,
      onCompromised: (err) => void this.lostLock(err),
    });
    try {
      const engine = await TransferEngine.open({
        ...engineOptionsFromEnv(),
        dir: join(this.deps.dataDir, 'transfers'),
        concurrency: this.deps.concurrency,
        clientFor: (id) => this.client(id),
        onChanged: (summary) => this.deps.hub?.emit('transfers.changed', { summary }),
        onProgress: (p) => this.deps.hub?.emit('transfers.progress', p),
      });
      this.lock = lock;
      if (this.deps.autoStart) engine.start();
      return engine;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Another process took the queue over after this one stalled past the stale time: stop. */
  private async lostLock(err: Error): Promise<void> {
    this.deps.log?.error(
      `lost the lock on the transfer queue in ${this.deps.dataDir} (${err.message}); transfers stop in this process`,
    );
    const opened = this.opened;
    this.opened = undefined;
    this.lock = undefined;
    const engine = await opened?.catch(() => undefined);
    await engine?.close();
  }

  /** The queue as the journal holds it, read without writing anything (`transfers list`). */
  snapshot(): Promise<TransferEngine> {
    return TransferEngine.open({
      dir: join(this.deps.dataDir, 'transfers'),
      readOnly: true,
      clientFor: () => Promise.reject(new Error('a read-only transfer queue moves no bytes')),
    });
  }

  /** Opens the journal and carries on with what the last run left unfinished. */
  async start(): Promise<void> {
    (await this.engine()).start();
  }

  async upload(req: Req<'upload'>) {
    const batchId = (await this.engine()).newBatchId();
    const prefix = folderPrefix(req.prefix);
    this.track(
      (async () => {
        for await (const files of walkFiles(req.paths)) {
          await (
            await this.engine()
          ).add(
            files.map((f): NewJob => ({
              kind: 'upload',
              accountId: req.accountId,
              bucket: req.bucket,
              region: req.region,
              key: prefix + f.relative,
              localPath: f.path,
              size: f.size,
              mtimeMs: f.mtimeMs,
              onConflict: req.onConflict,
            })),
            batchId,
          );
        }
      })(),
      batchId,
    );
    return { batchId };
  }

  async download(req: Req<'download'>) {
    const batchId = (await this.engine()).newBatchId();
    const client = await this.client(req.accountId);
    const loc = { bucket: req.bucket, region: req.region };
    const toJob = (key: string, size: number): NewJob | undefined => {
      const rel = key.startsWith(req.prefix) ? key.slice(req.prefix.length) : key;
      let localPath: string;
      try {
        localPath = safeLocalPath(req.localDir, rel);
      } catch {
        this.deps.log?.warn(`download: skipped a key that names no file inside the folder`);
        return undefined;
      }
      return {
        kind: 'download',
        accountId: req.accountId,
        bucket: req.bucket,
        region: req.region,
        key,
        localPath,
        size,
        onConflict: req.onConflict,
      };
    };
    this.track(
      (async () => {
        // A folder ends in `/`; the empty key is the bucket root (`cp -r s3://bucket/ dir`).
        const isFolder = (k: string) => k === '' || k.endsWith('/');
        const singles = req.keys.filter((k) => !isFolder(k));
        const plain = singles.map((k) => toJob(k, 0)).filter((j): j is NewJob => !!j);
        if (plain.length) await (await this.engine()).add(plain, batchId);
        for (const folder of req.keys.filter(isFolder)) {
          let marker: string | undefined;
          for (;;) {
            const page = await listObjects(client, loc, { prefix: folder, marker, maxKeys: 1000 });
            const jobs = page.objects
              .filter((o) => !o.key.endsWith('/'))
              .map((o) => toJob(o.key, o.size))
              .filter((j): j is NewJob => !!j);
            if (jobs.length) await (await this.engine()).add(jobs, batchId);
            if (!page.isTruncated || !page.nextMarker) break;
            marker = page.nextMarker;
          }
        }
      })(),
      batchId,
    );
    return { batchId };
  }

  async list(req: Req<'list'>) {
    return {
      ...(await this.engine()).list(req.offset, req.limit, req.filter),
      summary: (await this.engine()).summary(),
    };
  }

  async pause(req: Req<'pause'>) {
    return { affected: (await this.engine()).pause(req.ids) };
  }

  async resume(req: Req<'resume'>) {
    return { affected: (await this.engine()).resume(req.ids) };
  }

  async cancel(req: Req<'cancel'>) {
    return { affected: (await this.engine()).cancel(req.ids) };
  }

  async retry(req: Req<'retry'>) {
    return { affected: (await this.engine()).retry(req.ids) };
  }

  async clear() {
    return { affected: (await this.engine()).clear() };
  }

  async resolveConflict(req: Req<'resolveConflict'>) {
    return { affected: (await this.engine()).resolveConflict(req.id, req.action, req.applyToBatch) };
  }

  async getLimits() {
    return (await this.engine()).limits();
  }

  async setLimits(req: Req<'setLimits'>) {
    return (await this.engine()).setLimits(req);
  }

  async webUpload(req: Req<'webUpload'>) {
    await this.client(req.accountId);
    const token = randomBytes(18).toString('base64url');
    const batchId = (await this.engine()).newBatchId();
    this.spools.set(token, { req, batchId, received: new Set() });
    return { batchId, token };
  }

  /**
   * Web mode: the bytes of file `index` of a webUpload, spooled to disk and then queued, so
   * the upload itself is resumable like any other (the page cannot be asked again after a crash).
   */
  async receive(token: string, index: number, body: Readable): Promise<void> {
    const spool = this.spools.get(token);
    const file = spool?.req.files[index];
    if (!spool || !file || spool.received.has(index)) throw new AppError('NOT_FOUND', 'No such upload slot.');
    spool.received.add(index);
    const dir = join(this.deps.dataDir, 'transfers', 'spool');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${token}-${index}`);
    await pipeline(body, createWriteStream(path));
    const rel = file.relativePath
      .split('/')
      .filter((s) => s && s !== '.' && s !== '..')
      .join('/');
    const { req } = spool;
    await (
      await this.engine()
    ).add(
      [
        {
          kind: 'upload',
          accountId: req.accountId,
          bucket: req.bucket,
          region: req.region,
          key: folderPrefix(req.prefix) + rel,
          localPath: path,
          size: file.size,
          onConflict: req.onConflict,
          spooled: true,
        },
      ],
      spool.batchId,
    );
    if (spool.received.size === req.files.length) this.spools.delete(token);
  }

  /** Resolves once every folder walk has queued its files and the queue has run dry. */
  async idle(): Promise<void> {
    while (this.walks.size > 0) await Promise.all([...this.walks]);
    await (await this.engine()).idle();
  }

  /** Drops cached clients so changed accounts sign with their new keys. */
  invalidate(): void {
    const old = [...this.clients.values()];
    this.clients.clear();
    for (const c of old) void c.then((x) => x.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const engine = await this.opened?.catch(() => undefined);
    this.opened = undefined;
    await engine?.close();
    await this.lock?.release();
    this.lock = undefined;
    const old = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(old.map((c) => c.then((x) => x.close()).catch(() => undefined)));
  }

  client(accountId: string): Promise<StorageClient> {
    let c = this.clients.get(accountId);
    if (!c) {
      c = this.deps.resolveAccount(accountId).then((a) => new StorageClient(a, this.deps.clientOptions));
      c.catch(() => this.clients.delete(accountId));
      this.clients.set(accountId, c);
    }
    return c;
  }

  /**
   * Why a batch could not be queued in full (a folder walk or a listing failed): the jobs
   * queued before the failure run, and a CLI run reports this as a failure too.
   */
  queueingFailures(batchId: string): string[] {
    return this.queueErrors.get(batchId) ?? [];
  }

  private track(p: Promise<void>, batchId?: string): void {
    const t = p.catch((e: unknown) => {
      const reason = e instanceof Error ? e.message : String(e);
      this.deps.log?.error(`queueing failed: ${reason}`);
      if (batchId) this.queueErrors.set(batchId, [...this.queueingFailures(batchId), reason]);
    });
    this.walks.add(t);
    void t.finally(() => this.walks.delete(t));
  }
}

function folderPrefix(p: string): string {
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
