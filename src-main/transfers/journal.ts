import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** What survives a restart about one job. */
export interface JobRecord {
  id: string;
  kind: 'upload' | 'download';
  batchId: string;
  accountId: string;
  bucket: string;
  region?: string;
  key: string;
  localPath: string;
  size: number;
  /** Upload: the local file's mtime when queued; a changed file starts over. */
  mtimeMs?: number;
  /** Download: the object's ETag when it started; a changed object starts over. */
  etag?: string;
  onConflict: 'ask' | 'overwrite' | 'skip' | 'rename';
  /** Web-mode uploads read a spooled copy that is deleted once the job ends. */
  spooled?: boolean;
}

/** An Initiate sent and not yet answered: its upload, if any, is found by ListMultipartUploads. */
export interface InitiateRecord {
  key: string;
  at: number;
  before?: string[];
}

export type JournalEntry =
  | { t: 'job'; job: JobRecord }
  | { t: 'upload'; id: string; uploadId: string; partSize: number }
  | ({ t: 'initiating'; id: string } & InitiateRecord)
  | { t: 'part'; id: string; n: number; etag: string; crc?: string; size: number }
  | { t: 'chunk'; id: string; n: number; crc: string; size: number }
  | {
      t: 'state';
      id: string;
      state: 'paused' | 'queued' | 'done' | 'skipped' | 'failed' | 'cancelled';
      error?: string;
    }
  | { t: 'retarget'; id: string; key: string; localPath: string }
  | { t: 'forget'; id: string };

export interface ReplayedJob {
  job: JobRecord;
  uploadId?: string;
  partSize?: number;
  /** An Initiate whose answer was never recorded (no `upload` after it). */
  initiating?: InitiateRecord;
  parts: Map<number, { etag: string; crc?: string; size: number }>;
  chunks: Map<number, { crc: string; size: number }>;
  state: 'queued' | 'paused' | 'done' | 'skipped' | 'failed' | 'cancelled';
  error?: string;
}

/**
 * Append-only JSON lines, each record on disk (fsync) before the promise for it resolves.
 * Records written together share one write and one fsync (group commit), so queueing
 * 100,000 files costs a handful of syncs, not 100,000.
 */
export class Journal {
  private fh: FileHandle | undefined;
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private records = 0;

  private constructor(readonly path: string) {}

  /** Reads what the last run left and rewrites the file with only the unfinished jobs. */
  static async open(dir: string): Promise<{ journal: Journal; jobs: ReplayedJob[] }> {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'journal.jsonl');
    const jobs = existsSync(path) ? replay(readFileSync(path, 'utf8')) : [];
    const live = jobs.filter((j) => j.state !== 'done' && j.state !== 'skipped' && j.state !== 'cancelled');
    writeSnapshot(path, live);
    const journal = new Journal(path);
    journal.records = live.length;
    journal.fh = await open(path, 'a');
    return { journal, jobs: live };
  }

  append(entry: JournalEntry): Promise<void> {
    this.pending.push(JSON.stringify(entry) + '\n');
    this.records++;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return p;
  }

  get size(): number {
    return this.records;
  }

  /** Rewrites the journal with just `jobs` (called when the queue is idle). */
  async compact(jobs: ReplayedJob[]): Promise<void> {
    await this.flushing;
    await this.fh?.close();
    writeSnapshot(this.path, jobs);
    this.records = jobs.length;
    this.fh = await open(this.path, 'a');
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.fh?.close();
    this.fh = undefined;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending.join('');
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (!this.fh) throw new Error('the transfer journal is closed');
        await this.fh.write(lines);
        await this.fh.sync();
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.flushing = undefined;
  }
}

function replay(text: string): ReplayedJob[] {
  const byId = new Map<string, ReplayedJob>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    let e: JournalEntry;
    try {
      e = JSON.parse(line) as JournalEntry;
    } catch {
      // The last line may be torn by a crash mid-write: everything before it still counts.
      continue;
    }
    if (e.t === 'job') {
      byId.set(e.job.id, { job: e.job, parts: new Map(), chunks: new Map(), state: 'queued' });
      continue;
    }
    const j = byId.get(e.id);
    if (!j) continue;
    switch (e.t) {
      case 'upload':
        j.uploadId = e.uploadId;
        j.partSize = e.partSize;
        j.initiating = undefined;
        j.parts.clear();
        break;
      case 'initiating':
        j.initiating = { key: e.key, at: e.at, before: e.before };
        break;
      case 'part':
        j.parts.set(e.n, { etag: e.etag, crc: e.crc, size: e.size });
        break;
      case 'chunk':
        j.chunks.set(e.n, { crc: e.crc, size: e.size });
        break;
      case 'state':
        j.state = e.state;
        j.error = e.error;
        break;
      case 'retarget':
        j.job = { ...j.job, key: e.key, localPath: e.localPath };
        break;
      case 'forget':
        byId.delete(e.id);
        break;
    }
  }
  return [...byId.values()];
}

/** The state of `jobs` as a fresh journal, swapped in atomically. */
function writeSnapshot(path: string, jobs: ReplayedJob[]): void {
  const lines: string[] = [];
  for (const j of jobs) {
    lines.push(JSON.stringify({ t: 'job', job: j.job }));
    if (j.uploadId)
      lines.push(JSON.stringify({ t: 'upload', id: j.job.id, uploadId: j.uploadId, partSize: j.partSize }));
    if (j.initiating && !j.uploadId)
      lines.push(JSON.stringify({ t: 'initiating', id: j.job.id, ...j.initiating }));
    for (const [n, p] of j.parts) lines.push(JSON.stringify({ t: 'part', id: j.job.id, n, ...p }));
    for (const [n, c] of j.chunks) lines.push(JSON.stringify({ t: 'chunk', id: j.job.id, n, ...c }));
    if (j.state !== 'queued')
      lines.push(JSON.stringify({ t: 'state', id: j.job.id, state: j.state, error: j.error }));
  }
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    if (lines.length) writeSync(fd, lines.join('\n') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
