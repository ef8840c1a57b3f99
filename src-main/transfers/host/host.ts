/**
 * The transfers service in a worker thread (transfers-worker.ts), behind the interface the router and
 * the rest of main use: every call is forwarded over the worker's port, its events are
 * re-emitted on this thread's hub. The engine, its sockets, file reads and writes, request
 * signing and per-file work then run off the thread that serves IPC; this thread answers
 * what only it has: accounts with their keys (sent over the port, nowhere else), the proxy
 * route of an origin, the data folder's lock (held here, so a worker that dies does not
 * leave it to go stale), log lines.
 *
 * A worker that stops unexpectedly fails the calls it held with a message saying so; the
 * next call starts a fresh one, which takes the queue back from its journal.
 */
import { rm } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import type { Services, TransferJob } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import type { ResolvedAccount } from '../../accounts/types';
import { acquireEngineLock, type EngineLock, type EngineLockOptions } from '../../data-lock';
import type { EventHub } from '../../ipc/events';
import type { Logger } from '../../log';
import type { ProxyNetwork } from '../../settings/network';
import { StorageClient, type StorageClientOptions } from '../../storage/client';
import { spoolBody, type SpoolSlot, type TransferConfig, type Transfers } from '../service';
import { workerEntry } from '../workers/entry';
import type { WorkerInit } from './protocol';
import { Rpc } from './rpc';

type Api = Services['transfers'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];
type Res<M extends keyof Api> = Awaited<ReturnType<Api[M]>>;

export interface HostDeps {
  dataDir: string;
  resolveAccount(id: string): Promise<ResolvedAccount>;
  /** Plain options (timeouts, retries); the network is `network`. */
  clientOptions?: Omit<StorageClientOptions, 'network'>;
  /** The settings' proxy routing, asked by the worker per origin and settings generation. */
  network?: ProxyNetwork;
  hub?: EventHub;
  log?: Logger;
  concurrency?: number;
  lock?: Omit<EngineLockOptions, 'onCompromised'>;
  autoStart?: boolean;
}

let entry: { file: string; eval?: boolean } | undefined;

export class TransfersHost implements Transfers {
  private worker: Worker | undefined;
  private rpc: Rpc | undefined;
  private started = false;
  private configured: TransferConfig | undefined;
  private closed = false;
  /** The locks the worker holds, by its key: taken and kept on this thread. */
  private readonly locks = new Map<number, EngineLock>();
  /** Clients on this thread, for the few requests made here (a download link's clock probe). */
  private readonly clients = new Map<string, Promise<StorageClient>>();
  private readonly unsubscribe: Array<() => void> = [];
  private releasing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: HostDeps) {
    if (deps.hub) {
      // A temporary key that ran out pauses its account's jobs in the worker.
      this.unsubscribe.push(
        deps.hub.subscribe((name, payload) => {
          if (name === 'accounts.tokenExpired') this.rpc?.tell('event', name, payload);
        }),
      );
    }
    if (deps.network) this.unsubscribe.push(deps.network.onChanged((gen) => this.rpc?.tell('net', gen)));
  }

  /** The worker, started on first use (again after one stopped). */
  private port(): Rpc {
    if (this.closed) throw new AppError('INTERNAL', 'The transfer queue is closed (cosdesk is quitting).');
    if (this.rpc) return this.rpc;
    entry ??= workerEntry('transfers-worker', import.meta.url);
    const young = youngGenerationMb();
    const worker = new Worker(entry.file, {
      eval: entry.eval,
      name: 'cosdesk-transfers',
      ...(young > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: young } } : {}),
    });
    // Alive while a call waits for it (the app and web mode stay up by themselves).
    worker.unref();
    const rpc = new Rpc(
      worker,
      {
        account: (id: string) => this.deps.resolveAccount(id),
        route: async (origin: string) => this.deps.network?.endpoint(origin) ?? { generation: 0 },
        lock: (key: number) => this.takeLock(key, rpc),
        unlock: async (key: number) => {
          const l = this.locks.get(key);
          this.locks.delete(key);
          await l?.release();
        },
        log: (level: 'info' | 'warn' | 'error', msg: string) => this.deps.log?.[level](msg),
        event: (name: string, payload: unknown) =>
          this.deps.hub?.emit(name as 'transfers.changed', payload as never),
      },
      (busy) => (busy ? worker.ref() : worker.unref()),
    );
    const gone = (detail: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.rpc = undefined;
      rpc.fail(
        new AppError(
          'INTERNAL',
          `The transfers worker stopped unexpectedly (${detail}). The queue carries on from its journal with the next transfer call; retry what failed.`,
        ),
      );
      if (!this.closed) this.deps.log?.error(`transfers worker stopped: ${detail}`);
      this.releasing = this.releaseLocks();
    };
    worker.on('error', (e) => gone(e.message));
    worker.on('exit', (code) => gone(`exit code ${code}`));
    this.worker = worker;
    this.rpc = rpc;
    const init: WorkerInit = {
      dataDir: this.deps.dataDir,
      clientOptions: this.deps.clientOptions ?? {},
      lock: { kind: this.deps.lock?.kind ?? 'cli', wait: this.deps.lock?.wait },
      autoStart: !!this.deps.autoStart,
      concurrency: this.deps.concurrency,
      generation: this.deps.network?.generation ?? 0,
    };
    // Messages are handled in order: these come before any call that follows.
    void rpc.ask('init', init).catch(() => undefined);
    if (this.configured) void rpc.ask('call', 'configure', [this.configured]).catch(() => undefined);
    if (this.started) void rpc.ask('call', 'start', []).catch(() => undefined);
    return rpc;
  }

  private async takeLock(key: number, owner: Rpc): Promise<void> {
    // A worker that died held the lock: released before the next one takes it.
    await this.releasing;
    const lock = await acquireEngineLock(this.deps.dataDir, {
      kind: 'cli',
      ...this.deps.lock,
      onWait: (m) => (this.deps.lock?.onWait ?? ((l: string) => this.deps.log?.info(l)))(m),
      onCompromised: (err) => {
        this.locks.delete(key);
        this.rpc?.tell('lockLost', key, err.message);
      },
    });
    // The worker that asked stopped meanwhile: the next one asks again.
    if (this.rpc !== owner) {
      await lock.release();
      throw new Error('the transfers worker stopped while taking the lock');
    }
    this.locks.set(key, lock);
  }

  private async releaseLocks(): Promise<void> {
    const ls = [...this.locks.values()];
    this.locks.clear();
    await Promise.all(ls.map((l) => l.release().catch(() => undefined)));
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    try {
      return this.port().ask<T>('call', method, args);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  upload(req: Req<'upload'>): Promise<Res<'upload'>> {
    return this.call('upload', req);
  }
  download(req: Req<'download'>): Promise<Res<'download'>> {
    return this.call('download', req);
  }
  list(req: Req<'list'>): Promise<Res<'list'>> {
    return this.call('list', req);
  }
  pause(req: Req<'pause'>): Promise<Res<'pause'>> {
    return this.call('pause', req);
  }
  resume(req: Req<'resume'>): Promise<Res<'resume'>> {
    return this.call('resume', req);
  }
  cancel(req: Req<'cancel'>): Promise<Res<'cancel'>> {
    return this.call('cancel', req);
  }
  retry(req: Req<'retry'>): Promise<Res<'retry'>> {
    return this.call('retry', req);
  }
  clear(): Promise<Res<'clear'>> {
    return this.call('clear');
  }
  resolveConflict(req: Req<'resolveConflict'>): Promise<Res<'resolveConflict'>> {
    return this.call('resolveConflict', req);
  }
  getLimits(): Promise<Res<'getLimits'>> {
    return this.call('getLimits');
  }
  setLimits(req: Req<'setLimits'>): Promise<Res<'setLimits'>> {
    return this.call('setLimits', req);
  }
  webUpload(req: Req<'webUpload'>): Promise<Res<'webUpload'>> {
    return this.call('webUpload', req);
  }

  async start(): Promise<void> {
    await this.call('start');
    this.started = true;
  }

  idle(): Promise<void> {
    return this.call('idle');
  }

  /** Settings changed: sent now to a running worker, and to each one started later. */
  configure(c: TransferConfig): void {
    this.configured = c;
    void this.rpc?.ask('call', 'configure', [c]).catch(() => undefined);
  }

  invalidate(): void {
    void this.rpc?.ask('call', 'invalidate', []).catch(() => undefined);
    const old = [...this.clients.values()];
    this.clients.clear();
    for (const c of old) void c.then((x) => x.close()).catch(() => undefined);
  }

  /**
   * Web mode: the page's bytes arrive on this thread (the HTTP server's), so they are spooled
   * here, with the same checks; the worker names the file and queues its upload.
   */
  async receive(token: string, index: number, body: Readable): Promise<void> {
    const slot = await this.call<SpoolSlot>('receiveBegin', token, index);
    await spoolBody(body, slot).catch(async (e: unknown) => {
      await this.call('receiveFailed', token, index).catch(() => undefined);
      throw e;
    });
    await this.call('receiveEnd', token, index, slot.path).catch(async (e: unknown) => {
      // No slot for it (nothing queued it): the copy would only wait for the next start's clean-up.
      if (e instanceof AppError && e.code === 'NOT_FOUND') await rm(slot.path, { force: true });
      throw e;
    });
  }

  job(id: string): Promise<TransferJob | undefined> {
    return this.call('job', id);
  }

  queueingFailures(batchId: string): Promise<string[]> {
    return this.call('queueingFailures', batchId);
  }

  client(accountId: string): Promise<StorageClient> {
    let c = this.clients.get(accountId);
    if (!c) {
      c = this.deps
        .resolveAccount(accountId)
        .then((a) => new StorageClient(a, { ...this.deps.clientOptions, network: this.deps.network }));
      c.catch(() => this.clients.delete(accountId));
      this.clients.set(accountId, c);
    }
    return c;
  }

  /**
   * The worker's thread id, the requests made from it so far (tests: the byte path runs
   * there), its heap (the bench counts it as the engine's) and the time its loop ran code.
   */
  diagnostics(): Promise<{
    threadId: number;
    requests: number;
    heapUsed: number;
    heapTotal: number;
    busyMs: number;
  }> {
    return this.port().ask('diagnostics');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    const worker = this.worker;
    const rpc = this.rpc;
    if (worker && rpc) {
      await rpc
        .ask('close')
        .catch((e: unknown) => this.deps.log?.warn(`transfers worker close: ${String(e)}`));
      this.worker = undefined;
      this.rpc = undefined;
      await worker.terminate();
    }
    await this.releaseLocks();
    const old = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(old.map((c) => c.then((x) => x.close()).catch(() => undefined)));
  }
}

/**
 * The engine's young generation, in MB: V8's default lets it grow to 48 MB (16 MB semi-spaces),
 * and the pages it grew to while a queue of 100,000 jobs was made stay in the RSS afterwards.
 * 12 MB (4 MB semi-spaces) held a 100,000-job queue at 238-256 MB RSS against 267-290 (h7, in
 * bench/CHANGES-h2.md), for ~10 % more CPU while queueing and none moving bytes.
 * COSDESK_TRANSFERS_YOUNG_MB overrides it (0: V8's own).
 */
const DEFAULT_YOUNG_MB = 12;

function youngGenerationMb(): number {
  const v = Number(process.env['COSDESK_TRANSFERS_YOUNG_MB'] ?? DEFAULT_YOUNG_MB);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_YOUNG_MB;
}
