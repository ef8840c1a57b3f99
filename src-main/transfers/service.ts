import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { FinishedTransfer, Services, TransferJob } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { ResolvedAccount } from '../accounts/types';
import { acquireEngineLock, type EngineLock, type EngineLockOptions } from '../data-lock';
import type { EventHub } from '../ipc/events';
import type { Logger } from '../log';
import { StorageClient, type StorageClientOptions } from '../storage/client';
import { listObjects } from '../storage/ops/list';
import { engineOptionsFromEnv, TOKEN_EXPIRED, TransferEngine, type NewJob } from './engine';
import { errorText } from './job';
import { cleanDir, PRIVATE_FILE_MODE, privateDir, unguessableName } from './private-dir';
import { localPathsUnder } from './safe-path';
import { DEFAULT_SYMLINKS, walkFiles, type SymlinkChoice } from './walk';
import { WalkJournal, type WalkRecord } from './walk-journal';

type Api = Services['transfers'];

/** Finished jobs each `transfers.finished` event repeats (more in one burst: views reload anyway). */
const RECENT_FINISHED = 50;
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
  /** In a worker thread: the lock is taken by the thread that created the worker (host/host.ts). */
  acquireLock?: typeof acquireEngineLock;
}

export interface TransferConfig {
  limits: { uploadBps: number; downloadBps: number; concurrency?: number };
  partSize?: number;
}

function applyConfig(engine: TransferEngine, c: TransferConfig | undefined): void {
  if (!c) return;
  engine.setLimits(c.limits);
  if (c.partSize) engine.setPartSize(c.partSize);
}

/**
 * What the rest of main asks of transfers: the contract the router serves, and the calls of
 * the composition root, the web server and the file manager. TransfersService runs it on this
 * thread; TransfersHost (host/host.ts) runs a TransfersService in a worker thread behind it.
 */
export interface Transfers extends Api {
  start(): Promise<void>;
  idle(): Promise<void>;
  close(): Promise<void>;
  configure(c: TransferConfig): void;
  invalidate(): void;
  receive(token: string, index: number, body: Readable): Promise<void>;
  job(id: string): Promise<TransferJob | undefined>;
  client(accountId: string): Promise<StorageClient>;
  queueingFailures(batchId: string): string[] | Promise<string[]>;
}

interface Spool {
  req: Req<'webUpload'>;
  batchId: string;
  /** Files whose bytes are arriving or have arrived (a slot is taken once). */
  received: Set<number>;
  /** Files queued: the spool is dropped once all are, not once all have begun to arrive. */
  queued: Set<number>;
}

/** The transfers contract over one engine; clients of its own so bulk traffic has its own pool. */
export class TransfersService implements Transfers {
  private readonly clients = new Map<string, Promise<StorageClient>>();
  private readonly walks = new Set<Promise<void>>();
  private readonly spools = new Map<string, Spool>();
  private readonly queueErrors = new Map<string, string[]>();
  /** Batch ids of the folder walks running in this process. */
  private readonly walking = new Set<string>();
  /** Walks whose files take over an earlier run's unfinished jobs for them (engine add's carryOn). */
  private readonly carrying = new Map<string, (accountId: string) => boolean>();
  private walksOpened: Promise<WalkJournal> | undefined;

  private opened: Promise<TransferEngine> | undefined;
  private lock: EngineLock | undefined;
  /** The settings page's limits and part size, applied whenever the engine is open. */
  private configured: TransferConfig | undefined;

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
    const lock = await (this.deps.acquireLock ?? acquireEngineLock)(this.deps.dataDir, {
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
        onFinished: (j) => this.finished(j),
      });
      this.lock = lock;
      applyConfig(engine, this.configured);
      if (this.deps.autoStart) engine.start();
      return engine;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** The last jobs finished, cumulative in every event so a coalesced delivery loses none. */
  private finishedSeq = 0;
  private recentFinished: FinishedTransfer[] = [];

  private finished(j: Omit<FinishedTransfer, 'seq'>): void {
    const item = { ...j, seq: ++this.finishedSeq };
    this.recentFinished = [...this.recentFinished.slice(-(RECENT_FINISHED - 1)), item];
    this.deps.hub?.emit('transfers.finished', { seq: item.seq, recent: this.recentFinished });
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
    // Neither may keep the app from starting: at worst a leftover stays, a walk waits.
    await this.cleanSpool().catch((e: unknown) => this.deps.log?.warn(`spool clean-up: ${errorText(e)}`));
    await this.resumeWalks().catch((e: unknown) =>
      this.deps.log?.error(`folder uploads cut short by the last run could not be resumed: ${errorText(e)}`),
    );
  }

  /** `o.carryOn`: see TransferEngine.add (a CLI `cp -r` run again). */
  async upload(
    req: Omit<Req<'upload'>, 'symlinks'> & { symlinks?: SymlinkChoice },
    o: { carryOn?: (accountId: string) => boolean } = {},
  ) {
    const batchId = (await this.engine()).newBatchId();
    if (o.carryOn) this.carrying.set(batchId, o.carryOn);
    const walk: WalkRecord = {
      id: batchId,
      accountId: req.accountId,
      bucket: req.bucket,
      region: req.region,
      roots: req.paths,
      prefix: folderPrefix(req.prefix ?? ''),
      onConflict: req.onConflict ?? 'ask',
      symlinks: req.symlinks ?? DEFAULT_SYMLINKS,
      contentType: req.contentType,
    };
    // On disk before the first file is queued: a crash mid-walk is walked again on restart.
    await (await this.walkJournal()).begin(walk);
    if (o.carryOn) await this.supersede(walk, o.carryOn);
    this.track(this.runWalk(walk, new Set(), new Set()), batchId);
    return { batchId };
  }

  /**
   * The same folder copy asked for again (`cp -r` run again): an earlier run's walk of it cut
   * short is ended, as `walk` walks it all again and takes over that run's unfinished jobs;
   * resumed as well, it would queue the files `walk` queues a second time.
   */
  private async supersede(walk: WalkRecord, sameAccount: (accountId: string) => boolean): Promise<void> {
    const journal = await this.walkJournal();
    const same = (w: WalkRecord) =>
      w.id !== walk.id &&
      !this.walking.has(w.id) &&
      sameAccount(w.accountId) &&
      w.bucket === walk.bucket &&
      w.prefix === walk.prefix &&
      JSON.stringify(w.roots) === JSON.stringify(walk.roots) &&
      JSON.stringify(w.download ?? null) === JSON.stringify(walk.download ?? null);
    for (const open of journal.incomplete()) if (same(open.walk)) await journal.done(open.walk.id);
  }

  /**
   * Folder uploads a crash interrupted mid-walk: walked again, and only files whose keys
   * the batch does not hold yet are queued, so each file is uploaded once. `accountFor`
   * maps an account that no longer exists (a CLI run's ad-hoc one) to the one to use now.
   */
  async resumeWalks(accountFor: (id: string) => string = (id) => id): Promise<string[]> {
    const journal = await this.walkJournal();
    const engine = await this.engine();
    const resumed: string[] = [];
    for (const open of journal.incomplete()) {
      if (this.walking.has(open.walk.id)) continue;
      const keys = new Set(open.keys);
      const paths = new Set<string>();
      for (const j of engine.list(0, Number.MAX_SAFE_INTEGER).jobs) {
        if (j.batchId !== open.walk.id) continue;
        keys.add(j.key);
        paths.add(j.localPath);
      }
      const walk = { ...open.walk, accountId: accountFor(open.walk.accountId) };
      const what = walk.download ? 'download' : 'upload';
      this.deps.log?.info(`resuming the folder ${what} ${walk.id}: ${keys.size} file(s) were queued before`);
      this.track(walk.download ? this.runListing(walk, keys) : this.runWalk(walk, keys, paths), walk.id);
      resumed.push(walk.id);
    }
    return resumed;
  }

  /** Walks `walk.roots` and queues every entry whose key (or file) the batch does not hold yet. */
  private async runWalk(walk: WalkRecord, keys: Set<string>, paths: Set<string>): Promise<void> {
    this.walking.add(walk.id);
    try {
      const journal = await this.walkJournal();
      const stopAfter = Number(process.env.COSDESK_TEST_WALK_STOP_AFTER ?? 0);
      let queued = 0;
      const batchSize = stopAfter > 0 ? Math.min(1000, stopAfter) : 1000;
      for await (const files of walkFiles(walk.roots, { symlinks: walk.symlinks, batchSize })) {
        const jobs: NewJob[] = [];
        for (const f of files) {
          const key = walk.prefix + f.relative;
          if (keys.has(key) || (!f.skip && paths.has(f.path))) continue;
          keys.add(key);
          jobs.push({
            kind: 'upload',
            accountId: walk.accountId,
            bucket: walk.bucket,
            region: walk.region,
            key,
            localPath: f.path,
            size: f.size,
            // A skipped entry has no mtime: the upload looks at it again and says why it is skipped.
            mtimeMs: f.skip ? undefined : f.mtimeMs,
            onConflict: walk.onConflict,
            contentType: walk.contentType,
          });
        }
        if (jobs.length === 0) continue;
        await (await this.engine()).add(jobs, walk.id, { carryOn: this.carrying.get(walk.id) });
        await journal.queued(
          walk.id,
          jobs.map((j) => j.key),
        );
        queued += jobs.length;
        if (stopAfter > 0 && queued >= stopAfter) await this.holdForTest(walk, queued);
      }
      await journal.done(walk.id);
    } finally {
      this.walking.delete(walk.id);
      this.carrying.delete(walk.id);
    }
  }

  private walkJournal(): Promise<WalkJournal> {
    this.walksOpened ??= WalkJournal.open(join(this.deps.dataDir, 'transfers'));
    return this.walksOpened;
  }

  /** `o.carryOn`: see TransferEngine.add (a CLI `cp` run again). */
  async download(req: Req<'download'>, o: { carryOn?: (accountId: string) => boolean } = {}) {
    if (req.versionId !== undefined && (req.keys.length !== 1 || req.keys[0].endsWith('/'))) {
      throw new AppError(
        'VALIDATION',
        'A version can be downloaded for one file at a time: ask for a single key (not a folder) with its version id.',
        { messageZh: '一次只能下载一个文件的某个版本：请只指定一个对象键（不是文件夹）及其版本 ID。' },
      );
    }
    const batchId = (await this.engine()).newBatchId();
    await this.client(req.accountId);
    if (o.carryOn) this.carrying.set(batchId, o.carryOn);
    const walk: WalkRecord = {
      id: batchId,
      accountId: req.accountId,
      bucket: req.bucket,
      region: req.region,
      roots: [],
      prefix: '',
      onConflict: req.onConflict,
      symlinks: DEFAULT_SYMLINKS,
      download: { keys: req.keys, prefix: req.prefix, localDir: req.localDir, versionId: req.versionId },
    };
    // On disk before the listing starts: a crash mid-listing is listed again on restart.
    await (await this.walkJournal()).begin(walk);
    if (o.carryOn) await this.supersede(walk, o.carryOn);
    this.track(this.runListing(walk, new Set()), batchId);
    return { batchId };
  }

  /**
   * Test seam (COSDESK_TEST_WALK_STOP_AFTER): hold a walk or listing here, the queue run dry
   * and its journal on disk (closed), so a test can kill the process mid-walk at a known point.
   */
  private async holdForTest(walk: WalkRecord, queued: number): Promise<never> {
    const engine = await this.engine();
    const unfinished = () =>
      engine
        .list(0, Number.MAX_SAFE_INTEGER)
        .jobs.some((j) => j.batchId === walk.id && ['queued', 'running', 'paused'].includes(j.state));
    // Idle, and no job waiting for an automatic retry either (bounded: at most ~10 min).
    for (let i = 0; i < 3000 && unfinished(); i++) {
      await engine.idle();
      await new Promise((r) => setTimeout(r, 200));
    }
    await engine.close();
    // As if this process had died here: the next one may take the queue at once.
    await this.lock?.release();
    this.lock = undefined;
    const line = `walk stopped after ${queued} file(s)`;
    if (this.deps.log) this.deps.log.info(line);
    else process.stderr.write(line + '\n');
    return new Promise<never>(() => setInterval(() => undefined, 60_000));
  }

  /**
   * Queues a folder download's objects as its listing goes, page by page, skipping keys the
   * batch already holds (`keys`): a listing cut short by a crash is listed again on resume.
   */
  private async runListing(walk: WalkRecord, keys: Set<string>): Promise<void> {
    const d = walk.download!;
    this.walking.add(walk.id);
    try {
      const journal = await this.walkJournal();
      const client = await this.client(walk.accountId);
      const loc = { bucket: walk.bucket, region: walk.region };
      const localPathOf = localPathsUnder(d.localDir);
      const toJob = (key: string, size: number): NewJob | undefined => {
        if (keys.has(key)) return undefined;
        const rel = key.startsWith(d.prefix) ? key.slice(d.prefix.length) : key;
        let localPath: string;
        try {
          localPath = localPathOf(rel);
        } catch {
          this.deps.log?.warn(`download: skipped a key that names no file inside the folder`);
          return undefined;
        }
        keys.add(key);
        return {
          kind: 'download',
          accountId: walk.accountId,
          bucket: walk.bucket,
          region: walk.region,
          key,
          localPath,
          size,
          onConflict: walk.onConflict,
          ...(d.versionId ? { versionId: d.versionId } : {}),
        };
      };
      const stopAfter = Number(process.env.COSDESK_TEST_WALK_STOP_AFTER ?? 0);
      let queued = 0;
      const add = async (jobs: NewJob[]) => {
        if (jobs.length === 0) return;
        const keys = jobs.map((j) => j.key);
        await (await this.engine()).add(jobs, walk.id, { carryOn: this.carrying.get(walk.id) });
        await journal.queued(walk.id, keys);
        queued += jobs.length;
        if (stopAfter > 0 && queued >= stopAfter) await this.holdForTest(walk, queued);
      };
      // A folder ends in `/`; the empty key is the bucket root (`cp -r s3://bucket/ dir`).
      const isFolder = (k: string) => k === '' || k.endsWith('/');
      await add(
        d.keys
          .filter((k) => !isFolder(k))
          .map((k) => toJob(k, 0))
          .filter((j): j is NewJob => !!j),
      );
      // A page's listing is dropped before its jobs are queued (not held through the journal's
      // write and fsync): what outlived the young generation grew the heap while queueing (h18).
      const nextPage = async (folder: string, marker: string | undefined) => {
        const page = await listObjects(client, loc, {
          prefix: folder,
          marker,
          maxKeys: stopAfter > 0 ? Math.min(1000, stopAfter) : 1000,
        });
        const jobs: NewJob[] = [];
        for (const o of page.objects) {
          if (o.key.endsWith('/')) continue;
          const j = toJob(o.key, o.size);
          if (j) jobs.push(j);
        }
        return { jobs, next: page.isTruncated && page.nextMarker ? page.nextMarker : undefined };
      };
      for (const folder of d.keys.filter(isFolder)) {
        let marker: string | undefined;
        for (;;) {
          const { jobs, next } = await nextPage(folder, marker);
          await add(jobs);
          if (next === undefined) break;
          marker = next;
        }
      }
      await journal.done(walk.id);
    } finally {
      this.walking.delete(walk.id);
      this.carrying.delete(walk.id);
    }
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

  /** Settings changed: limits apply at once to an open engine, else when it opens. */
  configure(c: TransferConfig): void {
    this.configured = c;
    void this.opened?.then((e) => applyConfig(e, c)).catch(() => undefined);
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
    this.spools.set(token, { req, batchId, received: new Set(), queued: new Set() });
    return { batchId, token };
  }

  /**
   * Web mode: the bytes of file `index` of a webUpload, spooled to disk and then queued, so
   * the upload itself is resumable like any other (the page cannot be asked again after a crash).
   */
  async receive(token: string, index: number, body: Readable): Promise<void> {
    const slot = await this.receiveBegin(token, index);
    await spoolBody(body, slot).catch(async (e: unknown) => {
      await this.receiveFailed(token, index);
      throw e;
    });
    await this.receiveEnd(token, index, slot.path).catch(async (e: unknown) => {
      // No slot for it (nothing queued it): the copy would only wait for the next start's clean-up.
      if (e instanceof AppError && e.code === 'NOT_FOUND') await rm(slot.path, { force: true });
      throw e;
    });
  }

  /** The spool file (private, not there yet) for file `index` of a webUpload; taken until it fails. */
  async receiveBegin(token: string, index: number): Promise<SpoolSlot> {
    const spool = this.spools.get(token);
    const file = spool?.req.files[index];
    if (!spool || !file || spool.received.has(index)) throw new AppError('NOT_FOUND', 'No such upload slot.');
    spool.received.add(index);
    // A private folder (0700), a file only this user can read (0600), a name nobody can guess.
    return { path: join(await this.spoolDir(), unguessableName()), size: file.size, name: file.relativePath };
  }

  /** The bytes broke off: the slot can be sent again. */
  async receiveFailed(token: string, index: number): Promise<void> {
    this.spools.get(token)?.received.delete(index);
  }

  /** The spooled file holds all of file `index`'s bytes: queue its upload. */
  async receiveEnd(token: string, index: number, path: string): Promise<void> {
    const spool = this.spools.get(token);
    const file = spool?.req.files[index];
    if (!spool || !file || !spool.received.has(index) || spool.queued.has(index))
      throw new AppError('NOT_FOUND', 'No such upload slot.');
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
          contentType: req.contentType,
        },
      ],
      spool.batchId,
    );
    // Files arrive side by side: one that began last may end first, while a longer one is still
    // arriving, and that one must still find its slot.
    spool.queued.add(index);
    if (spool.queued.size === req.files.length) this.spools.delete(token);
  }

  /** One job as the transfer list shows it (the file manager's "show in folder"). */
  async job(id: string): Promise<TransferJob | undefined> {
    return (await this.engine()).get(id);
  }

  private spoolDir(): Promise<string> {
    return privateDir(join(this.deps.dataDir, 'transfers', 'spool'));
  }

  /** Spool copies left by a crashed run that no queued job reads any more. */
  private async cleanSpool(): Promise<void> {
    const dir = await this.spoolDir();
    const inUse = new Set(
      (await this.engine())
        .list(0, Number.MAX_SAFE_INTEGER)
        .jobs.filter((j) => j.state !== 'done' && j.state !== 'cancelled' && j.state !== 'skipped')
        .map((j) => j.localPath),
    );
    const n = await cleanDir(dir, (p) => inUse.has(p));
    if (n > 0) this.deps.log?.info(`removed ${n} spooled file(s) a previous run left behind`);
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
    await (await this.walksOpened?.catch(() => undefined))?.close();
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

/** Where one file of a web upload is spooled. */
export interface SpoolSlot {
  path: string;
  size: number;
  /** The file's relative path, for messages. */
  name: string;
}

/** Writes a web upload's body to its spool file (exactly its announced size), or removes it. */
export async function spoolBody(body: Readable, slot: SpoolSlot): Promise<void> {
  try {
    await pipeline(
      body,
      exactly(slot.size),
      createWriteStream(slot.path, { flags: 'wx', mode: PRIVATE_FILE_MODE }),
    );
  } catch (e) {
    await rm(slot.path, { force: true });
    throw e instanceof AppError
      ? e
      : new AppError(
          'STORAGE',
          `The upload of ${slot.name} broke off before all its bytes arrived: try again.`,
        );
  }
}

/** Passes exactly `size` bytes, failing on a body longer or shorter than announced. */
function exactly(size: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > size)
        cb(new AppError('VALIDATION', `The page sent more bytes than the ${size} it announced.`));
      else cb(null, chunk);
    },
    flush(cb) {
      cb(
        seen === size
          ? null
          : new AppError('VALIDATION', `The page sent ${seen} bytes of the ${size} it announced.`),
      );
    },
  });
}

function folderPrefix(p: string): string {
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
