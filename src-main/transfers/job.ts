import type { TransferState, Verification } from '../../src-shared/contract';
import type { StorageClient } from '../storage/client';
import { StorageError } from '../storage/errors';
import { IntegrityError } from './hash';
import type { InitiateRecord, Journal, JobRecord } from './journal';
import type { Limiter } from './limiter';
import type { TokenBucket } from './throttle';

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

/** Runs `fn` until it succeeds, with exponential backoff for failures worth another go. */
export async function withRetries<T>(signal: AbortSignal, fn: () => Promise<T>, attempts = 6): Promise<T> {
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
