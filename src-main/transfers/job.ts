import type { TransferState, Verification } from '../../src-shared/contract';
import { compactRecord } from './record';
import type { StorageClient } from '../storage/client';
import { isExpiredRequest, StorageError } from '../storage/errors';
import { IntegrityError } from './hash';
import type { InitiateRecord, Journal, JobRecord } from './journal';
import type { Limiter } from './limiter';
import type { TokenBucket } from './throttle';

export { compactRecord, intern, newRecord } from './record';

/** A job as the engine holds it: the journaled record plus what changes while it runs. */
export interface Job {
  rec: JobRecord;
  seq: number;
  state: TransferState;
  error?: string;
  uploadId?: string;
  partSize?: number;
  /** An Initiate sent but not answered (journaled): settled before a new one is sent. */
  initiating?: InitiateRecord;
  parts: Map<number, { etag: string; crc?: string; size: number }>;
  chunks: Map<number, { crc: string; size: number }>;
  transferred: number;
  speed: number;
  sampleBytes: number;
  sampleAt: number;
  autoRetries: number;
  abort?: AbortController;
  /** Set by runUpload / runDownload when the bytes were checked end to end (journaled with `done`). */
  verified?: Verification;
  /** The user's answer to a conflict, for this job only. */
  resolution?: 'overwrite' | 'skip' | 'rename';
  /** Taken back from the journal and not started yet: only `start()` (or resume/retry) runs it. */
  held?: boolean;
  /**
   * Ran in this process or was taken back from the journal: only such a job may have left a
   * `.part` file or a multipart upload behind. One queued and cancelled unrun has nothing to tidy.
   */
  touched?: boolean;
  /** An automatic retry is pending: the job stays queued (and the engine busy) until it fires. */
  retryTimer?: ReturnType<typeof setTimeout>;
  /** When the pending retry starts (epoch ms). */
  retryAt?: number;
  /** What a person should know about a job that is not failed: "retry 2 of 3 in 4 s: <reason>". */
  note?: string;
}

type PartMap = Map<number, { etag: string; crc?: string; size: number }>;
type ChunkMap = Map<number, { crc: string; size: number }>;

/**
 * A new queued job, made small because a queue may hold 100,000 of them (see
 * bench/CHANGES-h5b.md): its part and chunk maps are made on first use (200,000 empty Maps
 * were ~40 MB), its record has one shape for every job (a record made by spreading had a
 * hidden class of its own: ~0.35 KB a job), and the strings every job of a batch
 * repeats are shared.
 */
export function queuedJob(rec: JobRecord, seq: number, tally?: Tally, shaped = false): Job {
  return new QueuedJob(rec, seq, tally, shaped);
}

/**
 * Counts over a queue's jobs, kept as their states and sizes change: a summary (every 100 ms
 * while jobs run, and each progress tick) walks no queue (issue 13 (c), (d): with 10,000
 * small files the walks grew with the square of the count).
 */
export class Tally {
  total = 0;
  running = 0;
  queued = 0;
  /** Done and skipped. */
  done = 0;
  failed = 0;
  conflicts = 0;
  /** Sizes of the jobs not cancelled. */
  bytesTotal = 0;
  /** Sizes of the done and skipped jobs. */
  bytesFinished = 0;

  /** Counts (sign 1) or uncounts (sign -1) one job in `state` of `size` bytes. */
  count(state: TransferState, size: number, sign: 1 | -1): void {
    this.total += sign;
    if (state === 'running') this.running += sign;
    else if (state === 'queued') this.queued += sign;
    else if (state === 'done' || state === 'skipped') this.done += sign;
    else if (state === 'failed') this.failed += sign;
    else if (state === 'conflict') this.conflicts += sign;
    if (state !== 'cancelled') this.bytesTotal += sign * size;
    if (state === 'done' || state === 'skipped') this.bytesFinished += sign * size;
  }
}

/** The job leaves its queue (`clear`): its engine's tally stops counting it. */
export function forgetJob(job: Job): void {
  if (job instanceof QueuedJob) job.forget();
}

/** Whether the job holds parts or chunks; asking makes no maps. */
export function hasPieces(job: Job): boolean {
  if (job instanceof QueuedJob) return job.pieces();
  return job.parts.size > 0 || job.chunks.size > 0;
}

/** Forgets the job's parts and chunks (a reset); makes no maps. */
export function dropPieces(job: Job): void {
  if (job instanceof QueuedJob) job.dropPieces();
  else {
    job.parts.clear();
    job.chunks.clear();
  }
}

const NO_PARTS: PartMap = new Map();
const NO_CHUNKS: ChunkMap = new Map();

/** Copies of the job's parts and chunks for a journal snapshot (empty ones shared: read only). */
export function piecesCopy(job: Job): { parts: PartMap; chunks: ChunkMap } {
  if (job instanceof QueuedJob && !job.pieces()) return { parts: NO_PARTS, chunks: NO_CHUNKS };
  return { parts: new Map(job.parts), chunks: new Map(job.chunks) };
}

class QueuedJob implements Job {
  private record: JobRecord;
  private current: TransferState = 'queued';
  transferred = 0;
  speed = 0;
  sampleBytes = 0;
  /** Set when the job starts. */
  sampleAt = 0;
  autoRetries = 0;
  // Fields every job gets once its state changes or the queue starts: declared, they sit in
  // the object; added later, each job would get a property array of its own. The rarer ones
  // (upload, retry, conflict) are added when needed.
  error: string | undefined = undefined;
  verified: Verification | undefined = undefined;
  abort: AbortController | undefined = undefined;
  held: boolean | undefined = undefined;
  touched = false;
  private partMap: PartMap | undefined;
  private chunkMap: ChunkMap | undefined;

  constructor(
    rec: JobRecord,
    public seq: number,
    private readonly tally: Tally | undefined,
    /** `rec` is in the one shape already (newRecord, compactRecord, a replay's): taken as it is. */
    shaped: boolean,
  ) {
    this.record = shaped ? rec : compactRecord(rec);
    tally?.count('queued', this.record.size, 1);
  }

  /** Replaced whole (a download's fresh ETag, a rebind): kept in the one shape. */
  get rec(): JobRecord {
    return this.record;
  }

  set rec(r: JobRecord) {
    const before = this.record.size;
    this.record = compactRecord(r);
    if (this.tally && this.record.size !== before) {
      this.tally.count(this.current, before, -1);
      this.tally.count(this.current, this.record.size, 1);
    }
  }

  get state(): TransferState {
    return this.current;
  }

  set state(s: TransferState) {
    if (s === this.current) return;
    this.tally?.count(this.current, this.record.size, -1);
    this.tally?.count(s, this.record.size, 1);
    this.current = s;
  }

  /** The job leaves the queue (forgotten): the tally no longer counts it. */
  forget(): void {
    this.tally?.count(this.current, this.record.size, -1);
  }

  get parts(): PartMap {
    return (this.partMap ??= new Map());
  }

  set parts(m: PartMap) {
    this.partMap = m.size > 0 ? m : undefined;
  }

  get chunks(): ChunkMap {
    return (this.chunkMap ??= new Map());
  }

  set chunks(m: ChunkMap) {
    this.chunkMap = m.size > 0 ? m : undefined;
  }

  pieces(): boolean {
    return (this.partMap?.size ?? 0) > 0 || (this.chunkMap?.size ?? 0) > 0;
  }

  dropPieces(): void {
    this.partMap = undefined;
    this.chunkMap = undefined;
  }
}

/** What a running upload or download needs from the engine. */
export interface RunContext {
  client: StorageClient;
  limiter: Limiter;
  throttle: TokenBucket;
  journal: Journal;
  signal: AbortSignal;
  /** Below this size a file goes in one request. */
  threshold: number;
  partSize: number;
  /** The conflict answer that applies to this job now. */
  policy: 'ask' | 'overwrite' | 'skip' | 'rename';
  /** Bytes moved (negative when an attempt's bytes are thrown away). */
  progress(n: number): void;
}

/** The destination exists and nobody has said what to do yet. */
export class ConflictPending extends Error {
  constructor() {
    super('the destination exists');
  }
}

/** The destination exists and the answer was "skip". */
export class Skipped extends Error {}

export function isRetryable(e: unknown): boolean {
  if (e instanceof IntegrityError) return true;
  if (e instanceof StorageError) {
    const s = e.status;
    if (s === undefined) return true;
    if (s >= 500 || s === 408 || s === 429) return true;
    return ['BadDigest', 'InvalidDigest', 'RequestTimeout', 'IncompleteBody', 'SlowDown'].includes(
      e.storageCode,
    );
  }
  const code = (e as { code?: string } | undefined)?.code ?? '';
  return (
    /^(ECONN|EPIPE|ETIMEDOUT|UND_ERR)/.test(code) ||
    (e instanceof Error && /terminated|socket/i.test(e.message))
  );
}

/**
 * Attempts per request group inside one run of a job: 6, or COSDESK_MAX_ATTEMPTS when set
 * (the headless modes and tests bound every retry layer with it).
 */
function defaultAttempts(): number {
  const n = Number(process.env.COSDESK_MAX_ATTEMPTS);
  return Number.isInteger(n) && n >= 1 ? n : 6;
}

/** Runs `fn` until it succeeds, with exponential backoff for failures worth another go. */
export async function withRetries<T>(
  signal: AbortSignal,
  fn: () => Promise<T>,
  attempts = defaultAttempts(),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (signal.aborted || attempt >= attempts || !isRetryable(e)) throw e;
      const cap = Math.min(8000, 250 * 2 ** attempt);
      await sleep(cap / 2 + Math.random() * (cap / 2), signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const where = (job: Job) => `${job.rec.bucket}/${job.rec.key}`;

/**
 * Why a job failed, in words a person can act on: what happened to which file or object,
 * and what to do. `attempts` is how many times the engine ran the job (its retries ran out
 * when the failure was one worth retrying).
 */
export function failureText(e: unknown, job: Job, attempts = 1): string {
  const what =
    job.rec.kind === 'upload'
      ? `Upload of "${job.rec.localPath}" to ${where(job)}`
      : `Download of ${where(job)} to "${job.rec.localPath}"`;
  const local = localFailure(e, job);
  if (local) return `${what} failed: ${local}`;
  const reason = errorText(e);
  if (e instanceof IntegrityError) {
    return `${what} failed: the bytes did not match their checksum ${attempts > 1 ? `in all ${attempts} attempts` : ''} (${reason}). Something between here and the server (a proxy, the network, a disk) damages data: check it, then retry.`.replace(
      /  +/g,
      ' ',
    );
  }
  if (e instanceof StorageError) {
    if (e.status === 404 && e.storageCode !== 'NoSuchBucket' && e.storageCode !== 'NoSuchUpload') {
      return job.rec.kind === 'download'
        ? `${what} failed: no such object: "${job.rec.key}" is not in bucket "${job.rec.bucket}" (it may have been moved or deleted). Check the key and refresh the listing.`
        : `${what} failed: the bucket "${job.rec.bucket}" or its key was not found (${e.storageCode}). Check the bucket name and region.`;
    }
    // COS says AccessDenied "Request has expired" for a skewed clock: its own message says so.
    if (e.storageCode === 'AccessDenied' && e.status === 403 && !isExpiredRequest(e.details)) {
      return `${what} failed: access denied: the account's key may not ${job.rec.kind === 'upload' ? 'write to' : 'read from'} bucket "${job.rec.bucket}". Check the key's permissions (bucket policy, ACL or CAM/IAM policy) or use an account that has them.`;
    }
    if (isRetryable(e) && attempts > 1) {
      return `${what} failed: the server kept failing (${e.storageCode}${e.status ? `, HTTP ${e.status}` : ''}) in all ${attempts} attempts: ${reason} Retry later.`;
    }
    return `${what} failed: ${reason}`;
  }
  if (isRetryable(e) && attempts > 1)
    return `${what} failed in all ${attempts} attempts: ${reason}. Retry later.`;
  return `${what} failed: ${reason}`;
}

/** A local file-system failure (EACCES, EROFS, ENOSPC, …) explained; undefined for any other error. */
function localFailure(e: unknown, job: Job): string | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err || typeof err !== 'object' || typeof err.code !== 'string' || !err.syscall) return undefined;
  const path = err.path ?? job.rec.localPath;
  const upload = job.rec.kind === 'upload';
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return upload
        ? `cannot read "${path}": permission denied. Check the file's permissions.`
        : `cannot write to "${path}": permission denied. Choose a folder you can write to, or change its permissions.`;
    case 'EROFS':
      return `cannot write to "${path}": the file system is read-only. Choose another folder.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full (no space left for "${path}"). Free some space (or choose another disk), then retry.`;
    case 'ENOTDIR':
      return `cannot use "${path}": part of the path is a file, not a folder. Choose another destination.`;
    case 'EEXIST':
      return `cannot create the folder "${path}": a file of that name is in the way. Choose another destination.`;
    case 'EISDIR':
      return `"${path}" is a folder, not a file. Choose another ${upload ? 'file' : 'destination'}.`;
    case 'ENOENT':
      return upload
        ? `the file "${path}" no longer exists. It may have been moved or deleted.`
        : `the folder for "${path}" does not exist and could not be created. Choose another destination.`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many files are open. Lower the number of parallel transfers, then retry.`;
    default:
      // Other codes with a path are the file system's too; without one they are the network's.
      return err.path ? `${err.code} on "${path}": ${err.message}` : undefined;
  }
}
