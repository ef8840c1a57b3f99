import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { TransferJob, TransferLimits, TransferSummary } from '../../src-shared/contract';
import type { StorageClient } from '../storage/client';
import { PART_SUFFIX, runDownload } from './download';
import { ConflictPending, errorText, Skipped, type Job, type RunContext } from './job';
import { Journal, type JobRecord } from './journal';
import { Limiter } from './limiter';
import { LocalFileError } from './local-file';
import { abortUpload } from './multipart';
import { TokenBucket } from './throttle';
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
  /** A failed job is queued again this many times before it stays failed. */
  autoRetries?: number;
  onChanged?(summary: TransferSummary): void;
  onProgress?(p: {
    jobs: Array<{ id: string; transferred: number; speed: number; etaSeconds?: number }>;
    summary: TransferSummary;
  }): void;
}

export type NewJob = Omit<JobRecord, 'id' | 'batchId'>;
export type Filter = 'all' | 'active' | 'done' | 'failed';

const ACTIVE = new Set(['queued', 'running', 'paused', 'conflict']);
const FINISHED = new Set(['done', 'skipped', 'cancelled']);

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
  private readonly limiter: Limiter;
  private readonly up = new TokenBucket();
  private readonly down = new TokenBucket();
  private readonly batchPolicy = new Map<string, 'overwrite' | 'skip' | 'rename'>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  private constructor(
    private readonly opts: EngineOptions,
    private readonly journal: Journal,
  ) {
    this.limiter = new Limiter(opts.concurrency ?? 8);
  }

  /** Opens the journal and takes back every unfinished job; paused and failed ones stay so. */
  static async open(opts: EngineOptions): Promise<TransferEngine> {
    const { journal, jobs } = await Journal.open(opts.dir);
    const engine = new TransferEngine(opts, journal);
    for (const r of jobs) {
      const job = engine.newJob(r.job);
      job.uploadId = r.uploadId;
      job.partSize = r.partSize;
      job.parts = r.parts;
      job.chunks = r.chunks;
      job.state = r.state === 'failed' ? 'failed' : r.state === 'paused' ? 'paused' : 'queued';
      job.error = r.error;
    }
    return engine;
  }

  /** Queues jobs of one batch; they are on disk before this resolves. */
  async add(records: NewJob[], batchId = randomBytes(6).toString('hex')): Promise<string[]> {
    const jobs = records.map((r) => this.newJob({ ...r, id: randomBytes(8).toString('hex'), batchId }));
    await Promise.all(jobs.map((j) => this.journal.append({ t: 'job', job: j.rec })));
    this.changed();
    this.pump();
    return jobs.map((j) => j.rec.id);
  }

  newBatchId(): string {
    return randomBytes(6).toString('hex');
  }

  /** Starts queued jobs; does nothing new once closed. */
  start(): void {
    this.pump();
  }

  list(offset: number, limit: number, filter: Filter = 'all'): { jobs: TransferJob[]; total: number } {
    const pick = this.order.filter((j) => matches(j, filter));
    return { jobs: pick.slice(offset, offset + limit).map(view), total: pick.length };
  }

  get(id: string): TransferJob | undefined {
    const j = this.jobs.get(id);
    return j && view(j);
  }

  summary(): TransferSummary {
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

  resume(ids?: string[]): number {
    return this.each(ids, (j) => {
      if (j.state !== 'paused' && j.state !== 'failed') return false;
      j.autoRetries = 0;
      this.requeue(j);
      return true;
    });
  }

  retry(ids?: string[]): number {
    return this.resume(ids);
  }

  cancel(ids?: string[]): number {
    return this.each(ids, (j) => {
      if (FINISHED.has(j.state)) return false;
      j.abort?.abort(new Error('cancelled'));
      this.setState(j, 'cancelled');
      void this.cleanUp(j);
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
        void this.journal.append({ t: 'forget', id: j.rec.id });
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

  /** Resolves when nothing is queued or running (paused, failed and conflicts wait for a person). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.order) if (j.state === 'running') j.abort?.abort(new Error('closing'));
    if (this.ticker) clearInterval(this.ticker);
    await this.journal.close();
  }

  private newJob(rec: JobRecord): Job {
    const job: Job = {
      rec,
      seq: this.order.length,
      state: 'queued',
      parts: new Map(),
      chunks: new Map(),
      transferred: 0,
      speed: 0,
      sampleBytes: 0,
      sampleAt: Date.now(),
      autoRetries: 0,
    };
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
    this.setState(j, 'queued');
    this.cursor = Math.min(this.cursor, j.seq);
    this.pump();
  }

  private setState(j: Job, state: Job['state'], error?: string): void {
    j.state = state;
    j.error = error;
    if (state !== 'running' && state !== 'conflict') {
      void this.journal.append({ t: 'state', id: j.rec.id, state, error }).catch(() => undefined);
    }
  }

  private pump(): void {
    if (this.closed) return;
    while (this.running < this.limiter.size && this.cursor < this.order.length) {
      const j = this.order[this.cursor];
      if (j.state !== 'queued') {
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
    return this.running === 0 && this.cursor >= this.order.length;
  }

  private async run(job: Job): Promise<void> {
    this.running++;
    this.inFlight.add(job);
    job.state = 'running';
    const abort = new AbortController();
    // Every part of the job listens on this signal through its request.
    setMaxListeners(0, abort.signal);
    job.abort = abort;
    job.transferred = 0;
    job.sampleBytes = 0;
    job.sampleAt = Date.now();
    this.changed();
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
      const result = job.rec.kind === 'upload' ? await runUpload(ctx, job) : await runDownload(ctx, job);
      if (abort.signal.aborted) return;
      job.transferred = job.rec.size;
      this.setState(job, result);
      void this.cleanUp(job);
    } catch (e) {
      if (abort.signal.aborted) return;
      if (e instanceof ConflictPending) this.setState(job, 'conflict');
      else if (e instanceof Skipped) this.setState(job, 'skipped', e.message || undefined);
      else if (isExpiredCredential(e)) this.pauseAccount(job.rec.accountId, TOKEN_EXPIRED);
      // A local file that changed or a full disk: another go cannot help.
      else if (job.autoRetries < (this.opts.autoRetries ?? 3) && !(e instanceof LocalFileError)) {
        job.autoRetries++;
        const delay = 1000 * 2 ** job.autoRetries;
        job.state = 'paused';
        setTimeout(() => {
          if (job.state === 'paused' && !this.closed) this.requeue(job);
        }, delay).unref?.();
      } else this.setState(job, 'failed', errorText(e));
    } finally {
      job.abort = undefined;
      job.speed = 0;
      this.inFlight.delete(job);
      this.running--;
      this.changed();
      this.pump();
    }
  }

  /** What a finished or cancelled job leaves behind: a multipart upload, a `.part` file, a spool copy. */
  private async cleanUp(j: Job): Promise<void> {
    if (j.state === 'cancelled') {
      if (j.rec.kind === 'upload' && j.uploadId) {
        const client = await this.opts.clientFor(j.rec.accountId).catch(() => undefined);
        if (client) {
          await abortUpload(
            client,
            { bucket: j.rec.bucket, region: j.rec.region },
            j.rec.key,
            j.uploadId,
          ).catch(() => undefined);
        }
      }
      if (j.rec.kind === 'download') await rm(j.rec.localPath + PART_SUFFIX, { force: true });
    }
    if (j.rec.spooled && (j.state === 'done' || j.state === 'cancelled' || j.state === 'skipped')) {
      await rm(j.rec.localPath, { force: true });
    }
  }

  private reorder(keep: Job[]): void {
    keep.forEach((j, i) => (j.seq = i));
    this.order = keep;
    this.cursor = 0;
  }

  private async compactIfWorthIt(): Promise<void> {
    if (this.journal.size < 2000 || this.closed) return;
    const live = this.order.filter((j) => ACTIVE.has(j.state) || j.state === 'failed');
    await this.journal.compact(
      live.map((j) => ({
        job: j.rec,
        uploadId: j.uploadId,
        partSize: j.partSize,
        parts: j.parts,
        chunks: j.chunks,
        state: j.state === 'failed' ? 'failed' : j.state === 'paused' ? 'paused' : 'queued',
        error: j.error,
      })),
    );
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
    const now = Date.now();
    const jobs = [];
    for (const j of this.inFlight) {
      const dt = (now - j.sampleAt) / 1000;
      if (dt > 0) {
        const rate = Math.max(0, (j.transferred - j.sampleBytes) / dt);
        j.speed = j.speed === 0 ? rate : j.speed * 0.7 + rate * 0.3;
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
    speed: Math.round(j.speed),
    etaSeconds: j.state === 'running' ? eta(j) : undefined,
    batchId: j.rec.batchId,
  };
}

export const TOKEN_EXPIRED =
  'Paused: the temporary key has expired. Enter fresh keys for the account, then resume.';

/** Retrying cannot help an expired token; the queue waits for fresh keys instead. */
function isExpiredCredential(e: unknown): boolean {
  return e instanceof StorageError && /^(ExpiredToken|TokenExpired|InvalidToken)$/.test(e.storageCode);
}
