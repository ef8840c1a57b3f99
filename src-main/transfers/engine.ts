import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { TransferJob, TransferLimits, TransferSummary } from '../../src-shared/contract';
import type { StorageClient } from '../storage/client';
import { PART_SUFFIX, runDownload } from './download';
import {
  ConflictPending,
  errorText,
  failureText,
  dropPieces,
  forgetJob,
  hasPieces,
  isRetryable,
  newRecord,
  piecesCopy,
  queuedJob,
  Skipped,
  Tally,
  type Job,
  type RunContext,
} from './job';
import {
  Journal,
  type JobRecord,
  type JournalDamage,
  type ReplayedJob,
  type SnapshotSource,
} from './journal';
import { Limiter } from './limiter';
import { LocalFileError } from './local-file';
import { abortUpload } from './multipart';
import { TokenBucket } from './throttle';
import { hashPool } from './workers/pool';
import { StorageError } from '../storage/errors';
import { runUpload } from './upload';

export interface EngineOptions {
  /** Where the journal lives. */
  dir: string;
  clientFor(accountId: string): Promise<StorageClient>;
  /** Requests in flight across every job (default 8). */
  concurrency?: number;
  partSize?: number;
  threshold?: number;
  /**
   * A job that failed for a reason worth another go (network, 5xx, SlowDown, a checksum
   * mismatch) is queued again this many times (default 3) before it is failed.
   */
  autoRetries?: number;
  /** The first automatic retry waits this long (default 2 s); each next one twice as long. */
  retryDelayMs?: number;
  /**
   * Read the journal and never write it: no rewrite at open, no jobs run, nothing added.
   * For commands that only look (`transfers list`).
   */
  readOnly?: boolean;
  onChanged?(summary: TransferSummary): void;
  /** A job finished with its bytes in place (done): views listing its folder refresh. */
  onFinished?(job: { kind: 'upload' | 'download'; accountId: string; bucket: string; key: string }): void;
  onProgress?(p: {
    jobs: Array<{ id: string; transferred: number; speed: number; etaSeconds?: number }>;
    summary: TransferSummary;
  }): void;
}

export type NewJob = Omit<JobRecord, 'id' | 'batchId'>;

/** COSDESK_AUTO_RETRIES and COSDESK_RETRY_DELAY_MS, for the headless modes and tests. */
export function engineOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<EngineOptions, 'autoRetries' | 'retryDelayMs'> {
  const out: Pick<EngineOptions, 'autoRetries' | 'retryDelayMs'> = {};
  const retries = Number(env.COSDESK_AUTO_RETRIES);
  if (env.COSDESK_AUTO_RETRIES && Number.isInteger(retries) && retries >= 0) out.autoRetries = retries;
  const delay = Number(env.COSDESK_RETRY_DELAY_MS);
  if (env.COSDESK_RETRY_DELAY_MS && Number.isFinite(delay) && delay >= 0) out.retryDelayMs = delay;
  return out;
}
export type Filter = 'all' | 'active' | 'done' | 'failed';

const ACTIVE = new Set(['queued', 'running', 'paused', 'conflict']);
const FINISHED = new Set(['done', 'skipped', 'cancelled']);
/** From this size on a job's bytes are hashed by the worker pool (download.ts's WORKER_DIGEST, upload.ts's IN_MEMORY). */
const WARM_POOL_AT = 1024 * 1024;
/** Clean-ups of cancelled jobs at once (file removals, multipart aborts). */
export const TIDY_PARALLEL = 8;

/**
 * The transfer queue: jobs journaled before they start, run under one request budget,
 * paused, resumed, cancelled and retried one by one or all together.
 */
export class TransferEngine {
  private readonly jobs = new Map<string, Job>();
  private order: Job[] = [];
  private cursor = 0;
  private running = 0;
  private readonly inFlight = new Set<Job>();
  /** Counts kept as jobs change (see Tally). */
  private readonly tally = new Tally();
  /**
   * Jobs that ran and are not finished: the only ones whose bytes moved may be other than
   * 0 (queued, never run) or their size (done). A summary adds up these and no others.
   */
  private readonly moved = new Set<Job>();
  private readonly limiter: Limiter;
  private readonly up = new TokenBucket();
  private readonly down = new TokenBucket();
  private readonly batchPolicy = new Map<string, 'overwrite' | 'skip' | 'rename'>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** Jobs waiting for an automatic retry: the engine is not idle while any is. */
  private waiting = 0;
  private readonly cleanups = new Set<Promise<void>>();
  /** Cancelled jobs waiting for their clean-up (tidyLater), from tidyHead on. */
  private readonly tidyQueue: Job[] = [];
  private tidyHead = 0;
  private tidying = 0;
  /** Resolves the promise in `cleanups` that stands for the whole tidy queue. */
  private tidyDrained: (() => void) | undefined;
  /**
   * `.part` files being removed by a clean-up, by path: a download to the same place waits
   * for the removal before it touches the file (see removePart).
   */
  private readonly partRemovals = new Map<string, Promise<void>>();

  private constructor(
    private readonly opts: EngineOptions,
    private readonly journal: Journal,
    /** Lines of the journal that could not be read at open (skipped), and where a copy is. */
    readonly damage: JournalDamage,
  ) {
    this.limiter = new Limiter(opts.concurrency ?? 8);
  }

  /**
   * Opens the journal and takes back every unfinished job (read-only: every job it holds).
   * Taken-back jobs are held: they run once `start()` is called (the app, web mode and
   * `transfers resume` do; a CLI `cp` runs only what it adds) or when resumed or retried.
   */
  static async open(opts: EngineOptions): Promise<TransferEngine> {
    const { journal, jobs, damage } = await Journal.open(opts.dir, { readOnly: opts.readOnly });
    const engine = new TransferEngine(opts, journal, damage);
    for (const r of jobs) {
      const job = engine.newJob(r.job);
      // Only what a job holds: a field set (even to undefined) is a property array per job.
      if (r.uploadId !== undefined) job.uploadId = r.uploadId;
      if (r.partSize !== undefined) job.partSize = r.partSize;
      if (r.initiating !== undefined) job.initiating = r.initiating;
      if (r.parts.size > 0) job.parts = r.parts;
      if (r.chunks.size > 0) job.chunks = r.chunks;
      job.state = opts.readOnly
        ? r.state
        : r.state === 'failed'
          ? 'failed'
          : r.state === 'paused'
            ? 'paused'
            : 'queued';
      job.error = r.error;
      job.verified = r.state === 'done' ? r.verified : undefined;
      job.held = true;
      // It may have left a `.part` file or an upload behind in the run that queued it.
      job.touched = true;
    }
    return engine;
  }

  /**
   * Queues jobs of one batch; they are on disk before this resolves. With `carryOn` (a CLI
   * `cp` run again after a kill, a crash or a failure), a record for the same transfer as an
   * unfinished job of an earlier run (held, paused or failed; same direction, object, version,
   * local path and Content-Type, an account `carryOn` accepts) takes that job into this batch
   * and runs it again with what it has (parts sent, chunks written), instead of a new job
   * starting from zero beside it. Returns the ids, carried jobs' included.
   */
  async add(
    records: NewJob[],
    batchId = randomBytes(6).toString('hex'),
    o: { carryOn?: (accountId: string) => boolean } = {},
  ): Promise<string[]> {
    if (this.opts.readOnly) throw new Error('the transfer queue was opened read-only');
    const { fresh, carried } = o.carryOn
      ? this.carriedOn(records, batchId, o.carryOn)
      : { fresh: records, carried: [] as Job[] };
    // One draw of random bytes for the page's ids, each cut out as hex (no Buffer a job), and
    // records built in their one shape: a spread copy was a dictionary object of ~1 KB (h18).
    const bytes = randomBytes(8 * fresh.length);
    const jobs = fresh.map((r, i) =>
      this.newJob(newRecord(r, bytes.toString('hex', 8 * i, 8 * i + 8), batchId)),
    );
    // A carried job's record re-appended: its new batch and account (as a rebind is).
    await this.journal.appendAll([...carried, ...jobs].map((j) => ({ t: 'job' as const, job: j.rec })));
    for (const j of carried) {
      if (j.state === 'queued') {
        j.held = false;
        this.cursor = Math.min(this.cursor, j.seq);
      } else {
        j.autoRetries = 0;
        this.requeue(j);
      }
    }
    this.changed();
    this.pump();
    return [...carried, ...jobs].map((j) => j.rec.id);
  }

  /** `add`'s carryOn: which records an unfinished job takes (moved into `batchId`), which are new. */
  private carriedOn(
    records: NewJob[],
    batchId: string,
    sameAccount: (accountId: string) => boolean,
  ): { fresh: NewJob[]; carried: Job[] } {
    const id = (r: Pick<NewJob, 'kind' | 'bucket' | 'key' | 'localPath' | 'versionId'>) =>
      `${r.kind}\0${r.bucket}\0${r.key}\0${r.versionId ?? ''}\0${r.localPath}`;
    const waiting = new Map<string, Job>();
    for (const j of this.order) {
      const idle = (j.state === 'queued' && j.held) || j.state === 'paused' || j.state === 'failed';
      if (idle && !j.rec.spooled && sameAccount(j.rec.accountId)) waiting.set(id(j.rec), j);
    }
    const fresh: NewJob[] = [];
    const carried: Job[] = [];
    for (const r of records) {
      const j = waiting.get(id(r));
      // An upload begun with another Content-Type would finish with the first one.
      const same =
        j !== undefined &&
        !r.spooled &&
        j.rec.contentType === r.contentType &&
        (r.region === undefined || j.rec.region === undefined || j.rec.region === r.region);
      if (!same) {
        fresh.push(r);
        continue;
      }
      waiting.delete(id(r));
      const { id: jobId, batchId: _old, ...rest } = j.rec;
      j.rec = newRecord({ ...rest, accountId: r.accountId, onConflict: r.onConflict }, jobId, batchId);
      carried.push(j);
    }
    return { fresh, carried };
  }

  newBatchId(): string {
    return randomBytes(6).toString('hex');
  }

  /** Starts queued jobs, those taken back from the journal too; does nothing new once closed. */
  start(): void {
    if (this.opts.readOnly) return;
    for (const j of this.order) j.held = false;
    this.cursor = 0;
    this.pump();
  }

  /** The jobs of these batches, in queue order (what a CLI run reports). */
  jobsOf(batchIds: Iterable<string>): TransferJob[] {
    const want = new Set(batchIds);
    return this.order.filter((j) => want.has(j.rec.batchId)).map(view);
  }

  /** Ids of the jobs not finished (queued, running, paused, conflict, failed). */
  unfinished(): string[] {
    return this.order.filter((j) => !FINISHED.has(j.state)).map((j) => j.rec.id);
  }

  list(offset: number, limit: number, filter: Filter = 'all'): { jobs: TransferJob[]; total: number } {
    // A window, not a filtered copy of the queue: the renderer asks for one whenever the
    // queue changes (every 100 ms while 100,000 jobs run).
    if (filter === 'all')
      return { jobs: this.order.slice(offset, offset + limit).map(view), total: this.order.length };
    const jobs: TransferJob[] = [];
    let total = 0;
    for (const j of this.order) {
      if (!matches(j, filter)) continue;
      if (total >= offset && jobs.length < limit) jobs.push(view(j));
      total++;
    }
    return { jobs, total };
  }

  get(id: string): TransferJob | undefined {
    const j = this.jobs.get(id);
    return j && view(j);
  }

  /** Counts over the whole queue, or over the jobs `only` picks. */
  summary(only?: (j: TransferJob) => boolean): TransferSummary {
    if (!only) return this.tallied();
    const s: TransferSummary = {
      total: 0,
      active: 0,
      queued: 0,
      done: 0,
      failed: 0,
      conflicts: 0,
      bytesTotal: 0,
      bytesDone: 0,
      speed: 0,
    };
    for (const j of this.order) {
      if (only && !only(view(j))) continue;
      s.total++;
      if (j.state === 'running') s.active++;
      else if (j.state === 'queued') s.queued++;
      else if (j.state === 'done' || j.state === 'skipped') s.done++;
      else if (j.state === 'failed') s.failed++;
      else if (j.state === 'conflict') s.conflicts++;
      if (j.state !== 'cancelled') {
        s.bytesTotal += j.rec.size;
        s.bytesDone +=
          j.state === 'done' || j.state === 'skipped' ? j.rec.size : Math.min(j.transferred, j.rec.size);
      }
      s.speed += j.state === 'running' ? j.speed : 0;
    }
    if (s.speed > 0) s.etaSeconds = Math.round((s.bytesTotal - s.bytesDone) / s.speed);
    if (this.damage.skipped > 0) s.journalDamage = { ...this.damage };
    return s;
  }

  /** summary() of the whole queue from the tally: O(jobs that ran and are not finished). */
  private tallied(): TransferSummary {
    const t = this.tally;
    let bytesDone = t.bytesFinished;
    for (const j of this.moved) {
      if (j.state === 'done' || j.state === 'skipped' || j.state === 'cancelled') this.moved.delete(j);
      else bytesDone += Math.min(j.transferred, j.rec.size);
    }
    let speed = 0;
    for (const j of this.inFlight) speed += j.state === 'running' ? j.speed : 0;
    const s: TransferSummary = {
      total: t.total,
      active: t.running,
      queued: t.queued,
      done: t.done,
      failed: t.failed,
      conflicts: t.conflicts,
      bytesTotal: t.bytesTotal,
      bytesDone,
      speed,
    };
    if (speed > 0) s.etaSeconds = Math.round((s.bytesTotal - s.bytesDone) / speed);
    if (this.damage.skipped > 0) s.journalDamage = { ...this.damage };
    return s;
  }

  pause(ids?: string[]): number {
    return this.each(ids, (j) => {
      if (j.state !== 'queued' && j.state !== 'running' && j.state !== 'conflict') return false;
      j.abort?.abort(new Error('paused'));
      this.setState(j, 'paused');
      return true;
    });
  }

  /**
   * An account's temporary key has expired: hold its jobs (not fail them) until the user
   * enters fresh keys and resumes. Returns how many jobs were paused.
   */
  pauseAccount(accountId: string, reason: string): number {
    let n = 0;
    for (const j of this.order) {
      if (j.rec.accountId !== accountId) continue;
      if (j.state !== 'queued' && j.state !== 'running' && j.state !== 'conflict') continue;
      j.abort?.abort(new Error('paused'));
      this.setState(j, 'paused', reason);
      n++;
    }
    return n;
  }

  /** Paused and failed jobs (and held ones) run again. */
  resume(ids?: string[]): number {
    return this.each(ids, (j) => {
      if (j.state === 'queued' && j.held) {
        j.held = false;
        this.cursor = Math.min(this.cursor, j.seq);
        return true;
      }
      if (j.state !== 'paused' && j.state !== 'failed') return false;
      j.autoRetries = 0;
      this.requeue(j);
      return true;
    });
  }

  /** Failed jobs run again, with a fresh retry budget ("Retry", "Retry all failed"). */
  retry(ids?: string[]): number {
    return this.each(ids, (j) => {
      if (j.state !== 'failed') return false;
      j.autoRetries = 0;
      this.requeue(j);
      return true;
    });
  }

  cancel(ids?: string[]): number {
    return this.each(ids, (j) => {
      if (FINISHED.has(j.state)) return false;
      j.abort?.abort(new Error('cancelled'));
      this.setState(j, 'cancelled');
      this.tidyLater(j);
      return true;
    });
  }

  /** Forgets finished jobs. */
  clear(): number {
    const before = this.order.length;
    const keep: Job[] = [];
    for (const j of this.order) {
      if (FINISHED.has(j.state)) {
        this.jobs.delete(j.rec.id);
        this.moved.delete(j);
        forgetJob(j);
        this.journal.note({ t: 'forget', id: j.rec.id });
      } else keep.push(j);
    }
    this.reorder(keep);
    this.changed();
    return before - keep.length;
  }

  resolveConflict(id: string, action: 'overwrite' | 'skip' | 'rename', applyToBatch: boolean): number {
    const job = this.jobs.get(id);
    if (!job) return 0;
    const targets = applyToBatch
      ? this.order.filter((j) => j.rec.batchId === job.rec.batchId && j.state === 'conflict')
      : [job];
    if (applyToBatch) this.batchPolicy.set(job.rec.batchId, action);
    for (const j of targets) {
      j.resolution = action;
      this.requeue(j);
    }
    return targets.length;
  }

  limits(): TransferLimits {
    return {
      uploadBps: this.up.bytesPerSecond,
      downloadBps: this.down.bytesPerSecond,
      concurrency: this.limiter.size,
    };
  }

  setLimits(l: TransferLimits): TransferLimits {
    this.up.setRate(l.uploadBps);
    this.down.setRate(l.downloadBps);
    if (l.concurrency) this.limiter.setLimit(l.concurrency);
    this.pump();
    return this.limits();
  }

  /** Part size for multipart uploads and ranged downloads started from now on. */
  setPartSize(bytes: number): void {
    this.opts.partSize = Math.max(5 * 1024 * 1024, bytes);
  }

  /** Points jobs of an account that no longer exists (a CLI run's ad-hoc account) at another. */
  rebind(from: (accountId: string) => boolean, to: string): number {
    let n = 0;
    for (const j of this.order) {
      if (!FINISHED.has(j.state) && from(j.rec.accountId)) {
        j.rec = { ...j.rec, accountId: to };
        void this.journal.append({ t: 'job', job: j.rec });
        n++;
      }
    }
    return n;
  }

  /**
   * Resolves when nothing is queued, running or waiting for an automatic retry (paused,
   * failed and conflicts wait for a person; held jobs wait for `start()`).
   */
  async idle(): Promise<void> {
    if (!this.isIdle()) await new Promise<void>((r) => this.idleWaiters.push(r));
    // What ended jobs leave behind (an upload to abort) is gone before a CLI run exits.
    while (this.cleanups.size > 0) await Promise.all([...this.cleanups]);
    // And every outcome is on disk: a process may exit right after this resolves.
    await this.journal.drain();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.order) this.clearRetry(j);
    for (const j of this.order) if (j.state === 'running') j.abort?.abort(new Error('closing'));
    if (this.ticker) clearInterval(this.ticker);
    while (this.cleanups.size > 0) await Promise.all([...this.cleanups]);
    await this.journal.close();
  }

  /** `rec` must be in the one shape (newRecord, or a replay's record): the job keeps it as it is. */
  private newJob(rec: JobRecord): Job {
    const job = queuedJob(rec, this.order.length, this.tally, true);
    this.jobs.set(rec.id, job);
    this.order.push(job);
    return job;
  }

  private each(ids: string[] | undefined, fn: (j: Job) => boolean): number {
    let n = 0;
    const list =
      ids === undefined ? [...this.order] : ids.map((id) => this.jobs.get(id)).filter((j): j is Job => !!j);
    for (const j of list) if (fn(j)) n++;
    if (n > 0) {
      this.changed();
      this.pump();
    }
    return n;
  }

  private requeue(j: Job): void {
    j.error = undefined;
    j.held = false;
    this.clearRetry(j);
    this.setState(j, 'queued');
    this.cursor = Math.min(this.cursor, j.seq);
    this.pump();
  }

  private setState(j: Job, state: Job['state'], error?: string): void {
    j.state = state;
    j.error = error;
    if (state !== 'queued') this.clearRetry(j);
    if (state !== 'done') j.verified = undefined;
    if (state !== 'running' && state !== 'conflict') {
      const verified = state === 'done' ? j.verified : undefined;
      this.journal.note({ t: 'state', id: j.rec.id, state, error, verified });
    }
  }

  private clearRetry(j: Job): void {
    if (j.retryTimer) {
      clearTimeout(j.retryTimer);
      j.retryTimer = undefined;
      this.waiting--;
    }
    // Cleared only when set (every finished job passes here): see cleanUp.
    if (j.retryAt !== undefined) j.retryAt = undefined;
    if (j.note !== undefined) j.note = undefined;
  }

  /**
   * The job failed for a reason worth another go: it stays queued, with a note saying when
   * it runs again and why, and the engine stays busy (a CLI run waits for it). The timer is
   * not unref'd on purpose: a process waiting for the queue must not exit in the meantime.
   */
  private retryLater(job: Job, e: unknown): void {
    job.autoRetries++;
    const max = this.opts.autoRetries ?? 3;
    const delay = (this.opts.retryDelayMs ?? 2000) * 2 ** (job.autoRetries - 1);
    job.state = 'queued';
    job.error = undefined;
    job.retryAt = Date.now() + delay;
    job.note = `retry ${job.autoRetries} of ${max} in ${Math.max(1, Math.round(delay / 1000))} s: ${errorText(e)}`;
    this.waiting++;
    job.retryTimer = setTimeout(() => {
      job.retryTimer = undefined;
      this.waiting--;
      job.retryAt = undefined;
      job.note = undefined;
      if (this.closed || job.state !== 'queued') return;
      this.cursor = Math.min(this.cursor, job.seq);
      this.changed();
      this.pump();
    }, delay);
  }

  private pump(): void {
    if (this.closed) return;
    while (this.running < this.limiter.size && this.cursor < this.order.length) {
      const j = this.order[this.cursor];
      if (j.state !== 'queued' || j.held || j.retryTimer) {
        this.cursor++;
        continue;
      }
      void this.run(j);
    }
    this.ensureTicker();
    if (this.isIdle()) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
      void this.compactIfWorthIt();
    }
  }

  // Every queued job sits at or after the cursor (requeueing moves the cursor back), and
  // pump() stops only on a queued job or at the end: so idle is O(1), not a scan of the queue.
  private isIdle(): boolean {
    return this.running === 0 && this.cursor >= this.order.length && this.waiting === 0;
  }

  private async run(job: Job): Promise<void> {
    this.running++;
    this.inFlight.add(job);
    this.moved.add(job);
    job.touched = true;
    job.state = 'running';
    const abort = new AbortController();
    // Every part of the job listens on this signal through its request.
    setMaxListeners(0, abort.signal);
    job.abort = abort;
    job.transferred = 0;
    job.verified = undefined;
    job.sampleBytes = 0;
    job.sampleAt = clock();
    this.changed();
    // A job this big hashes in the worker pool: the workers start now, while its first request
    // is under way. A smaller one hashes on this thread (or starts a worker when it first needs
    // one), so a `cp` of a few small files boots no worker isolate at all.
    if (job.rec.size >= WARM_POOL_AT) hashPool().warm();
    try {
      const client = await this.opts.clientFor(job.rec.accountId);
      const ctx: RunContext = {
        client,
        limiter: this.limiter,
        throttle: job.rec.kind === 'upload' ? this.up : this.down,
        journal: this.journal,
        signal: abort.signal,
        threshold: this.opts.threshold ?? 16 * 1024 * 1024,
        partSize: this.opts.partSize ?? 8 * 1024 * 1024,
        policy: job.resolution ?? this.batchPolicy.get(job.rec.batchId) ?? job.rec.onConflict,
        progress: (n) => {
          job.transferred += n;
        },
      };
      if (job.rec.kind === 'download') await this.partRemovals.get(partFile(job));
      const result = job.rec.kind === 'upload' ? await runUpload(ctx, job) : await runDownload(ctx, job);
      if (abort.signal.aborted) return;
      job.transferred = job.rec.size;
      // runUpload / runDownload set job.verified; the `done` record carries it.
      this.setState(job, result);
      // Nothing reads a finished job's parts or chunks again: 100,000 done jobs keep no maps.
      dropPieces(job);
      if (result === 'done') {
        const { kind, accountId, bucket, key } = job.rec;
        this.opts.onFinished?.({ kind, accountId, bucket, key });
      }
      this.tidy(job);
    } catch (e) {
      if (abort.signal.aborted) return;
      if (e instanceof ConflictPending) this.setState(job, 'conflict');
      else if (e instanceof Skipped) this.setState(job, 'skipped', e.message || undefined);
      else if (isExpiredCredential(e)) this.pauseAccount(job.rec.accountId, TOKEN_EXPIRED);
      // A local file that changed or a full disk: another go cannot help.
      else if (
        isRetryable(e) &&
        !(e instanceof LocalFileError) &&
        job.autoRetries < (this.opts.autoRetries ?? 3)
      )
        this.retryLater(job, e);
      else {
        this.setState(job, 'failed', failureText(e, job, job.autoRetries + 1));
        this.tidy(job);
      }
    } finally {
      job.abort = undefined;
      job.speed = 0;
      this.inFlight.delete(job);
      this.running--;
      this.changed();
      this.pump();
    }
  }

  private tidy(j: Job): void {
    const p = this.cleanUp(j).catch(() => undefined);
    this.cleanups.add(p);
    void p.finally(() => this.cleanups.delete(p));
  }

  /**
   * A cancelled job's clean-up, in turn: at most TIDY_PARALLEL at once. Cancelling a queue
   * of 100,000 started 100,000 clean-ups at once (each an async call, an `rm` of its `.part`
   * and their promises): ~420 MB more RSS until they ended (bench/CHANGES-h13.md). A job that
   * never ran here and was not taken back from the journal has nothing to tidy. Only for
   * cancelled jobs, which never run again: a failed one may be retried at once, and a late
   * clean-up would remove what the new run made.
   */
  private tidyLater(j: Job): void {
    if (!j.touched && !j.rec.spooled) return;
    this.tidyQueue.push(j);
    if (!this.tidyDrained) {
      let done!: () => void;
      const p = new Promise<void>((r) => (done = r));
      this.tidyDrained = done;
      this.cleanups.add(p);
      void p.then(() => this.cleanups.delete(p));
    }
    this.pumpTidy();
  }

  private pumpTidy(): void {
    while (this.tidying < TIDY_PARALLEL && this.tidyHead < this.tidyQueue.length) {
      const j = this.tidyQueue[this.tidyHead++];
      this.tidying++;
      void this.cleanUp(j)
        .catch(() => undefined)
        .then(() => {
          this.tidying--;
          this.pumpTidy();
        });
    }
    if (this.tidying === 0 && this.tidyHead >= this.tidyQueue.length) {
      this.tidyQueue.length = 0;
      this.tidyHead = 0;
      const done = this.tidyDrained;
      this.tidyDrained = undefined;
      done?.();
    }
  }

  /**
   * What a finished, failed or cancelled job leaves behind: a multipart upload, a `.part`
   * file, a spool copy. A job that finally failed leaves nothing on the server either (a
   * retry starts afresh); a paused one keeps its upload for the resume.
   */
  private async cleanUp(j: Job): Promise<void> {
    if (j.state === 'cancelled' || j.state === 'failed') {
      const uploadId = j.rec.kind === 'upload' ? j.uploadId : undefined;
      const hadBytes = uploadId !== undefined || hasPieces(j);
      // Cleared only when set: a field set on every cancelled job is a property array per job.
      if (j.uploadId !== undefined) j.uploadId = undefined;
      if (j.partSize !== undefined) j.partSize = undefined;
      dropPieces(j);
      if (hadBytes) this.journal.note({ t: 'reset', id: j.rec.id });
      if (uploadId) {
        const client = await this.opts.clientFor(j.rec.accountId).catch(() => undefined);
        if (client) {
          await abortUpload(
            client,
            { bucket: j.rec.bucket, region: j.rec.region },
            j.rec.key,
            uploadId,
          ).catch(() => undefined);
        }
      }
      if (j.rec.kind === 'download') await this.removePart(j);
    }
    if (j.rec.spooled && (j.state === 'done' || j.state === 'cancelled' || j.state === 'skipped')) {
      await rm(j.rec.localPath, { force: true });
    }
  }

  /**
   * Removes what a cancelled or failed download left in its `.part` file, unless a download to
   * the same place runs now (a new job for the same destination, or this one retried): the file
   * is that run's then. A clean-up can come late (cancelled jobs are tidied TIDY_PARALLEL at a
   * time), and a run that starts while the removal is under way waits for it (see run).
   */
  private async removePart(j: Job): Promise<void> {
    const path = partFile(j);
    for (const other of this.inFlight)
      if (other.rec.kind === 'download' && other.state === 'running' && partFile(other) === path) return;
    const removal = rm(path, { force: true });
    const settled = removal.catch(() => undefined);
    this.partRemovals.set(path, settled);
    try {
      await removal;
    } finally {
      if (this.partRemovals.get(path) === settled) this.partRemovals.delete(path);
    }
  }

  private reorder(keep: Job[]): void {
    keep.forEach((j, i) => (j.seq = i));
    this.order = keep;
    this.cursor = 0;
  }

  private async compactIfWorthIt(): Promise<void> {
    // Nothing appended since the last rewrite (a queue just taken back): the file is that snapshot.
    if (this.journal.size < 2000 || this.journal.sinceRewrite === 0 || this.closed) return;
    await this.journal.compact(snapshotOf(this.order));
  }

  /** Summaries walk the whole queue: at most one every 100 ms, however many jobs change. */
  private changed(): void {
    if (this.changeTimer || !this.opts.onChanged) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      if (!this.closed) this.opts.onChanged?.(this.summary());
    }, 100);
    this.changeTimer.unref?.();
  }

  private ensureTicker(): void {
    if (this.ticker || this.running === 0) return;
    this.ticker = setInterval(() => this.tick(), 250);
    this.ticker.unref?.();
  }

  private tick(): void {
    const now = clock();
    const jobs = [];
    for (const j of this.inFlight) {
      const dt = (now - j.sampleAt) / 1000;
      if (dt > 0) {
        const rate = Math.max(0, (j.transferred - j.sampleBytes) / dt);
        j.speed = Math.round(j.speed === 0 ? rate : j.speed * 0.7 + rate * 0.3);
      }
      j.sampleBytes = j.transferred;
      j.sampleAt = now;
      jobs.push({ id: j.rec.id, transferred: j.transferred, speed: Math.round(j.speed), etaSeconds: eta(j) });
    }
    this.opts.onProgress?.({ jobs, summary: this.summary() });
    if (this.running === 0 && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }
}

/**
 * Milliseconds, whole (a small integer for weeks): every job has the same hidden class, and
 * one fractional speed or epoch time stored in one job boxes that field in all 100,000.
 */
function clock(): number {
  return Math.round(performance.now());
}

function eta(j: Job): number | undefined {
  return j.speed > 0 ? Math.round(Math.max(0, j.rec.size - j.transferred) / j.speed) : undefined;
}

function matches(j: Job, f: Filter): boolean {
  if (f === 'all') return true;
  if (f === 'active') return ACTIVE.has(j.state);
  if (f === 'done') return FINISHED.has(j.state);
  return j.state === 'failed';
}

function view(j: Job): TransferJob {
  return {
    id: j.rec.id,
    kind: j.rec.kind,
    accountId: j.rec.accountId,
    bucket: j.rec.bucket,
    region: j.rec.region,
    key: j.rec.key,
    localPath: j.rec.localPath,
    size: j.rec.size,
    transferred: j.state === 'done' ? j.rec.size : Math.max(0, Math.min(j.transferred, j.rec.size)),
    state: j.state,
    error: j.error,
    note: j.note,
    retryAt: j.retryAt,
    speed: Math.round(j.speed),
    etaSeconds: j.state === 'running' ? eta(j) : undefined,
    batchId: j.rec.batchId,
    verified: j.state === 'done' ? j.verified : undefined,
  };
}

export const TOKEN_EXPIRED =
  'Paused: the temporary key has expired. Enter fresh keys for the account, then resume.';

/** Retrying cannot help an expired token; the queue waits for fresh keys instead. */
function isExpiredCredential(e: unknown): boolean {
  return e instanceof StorageError && /^(ExpiredToken|TokenExpired|InvalidToken)$/.test(e.storageCode);
}

const partFile = (j: Job): string => j.rec.localPath + PART_SUFFIX;

const SNAPSHOT_STATES = ['queued', 'paused', 'failed'] as const;
const NO_PIECES = new Map<number, never>();

/**
 * The unfinished jobs (active or failed) as the journal's snapshot should hold them, taken now
 * and read later, page by page, while the snapshot is written (jobs may change meanwhile:
 * what changes is journaled after the snapshot). A job holding nothing but its record, state
 * and error (nearly every job of a big queue) costs a reference and a byte here, not a record
 * object and its lines: pause-all of 100,000 jobs built every record and line at once (h13:
 * +120 MB). Jobs with an upload, an initiate or pieces are copied whole, as before.
 */
function snapshotOf(order: readonly Job[]): SnapshotSource {
  const recs: JobRecord[] = [];
  const states: number[] = [];
  const errors = new Map<number, string>();
  const whole = new Map<number, ReplayedJob>();
  for (const j of order) {
    if (!ACTIVE.has(j.state) && j.state !== 'failed') continue;
    const i = recs.length;
    const code = j.state === 'failed' ? 2 : j.state === 'paused' ? 1 : 0;
    const error = code > 0 ? j.error : undefined;
    recs.push(j.rec);
    states.push(code);
    if (error !== undefined) errors.set(i, error);
    if (j.uploadId !== undefined || j.partSize !== undefined || j.initiating !== undefined || hasPieces(j)) {
      whole.set(i, {
        job: j.rec,
        uploadId: j.uploadId,
        partSize: j.partSize,
        initiating: j.initiating,
        ...piecesCopy(j),
        state: SNAPSHOT_STATES[code],
        error,
      });
    }
  }
  const packed = Uint8Array.from(states);
  return {
    length: recs.length,
    at: (i) =>
      whole.get(i) ??
      (i < recs.length
        ? {
            job: recs[i],
            parts: NO_PIECES,
            chunks: NO_PIECES,
            state: SNAPSHOT_STATES[packed[i]],
            error: errors.get(i),
          }
        : undefined),
  };
}
