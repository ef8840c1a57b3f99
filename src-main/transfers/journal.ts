import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  writevSync,
} from 'node:fs';
import { chmod, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { syncDir, syncDirSync } from '../fs-atomic';
import { verification, type Verification } from '../../src-shared/contract';
import { compactRecord } from './record';

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
  /** Download: one version of the object (`?versionId=`) instead of its newest. */
  versionId?: string;
  onConflict: 'ask' | 'overwrite' | 'skip' | 'rename';
  /** Web-mode uploads read a spooled copy that is deleted once the job ends. */
  spooled?: boolean;
  /** Upload: the Content-Type the user chose; left out, the key's extension decides. */
  contentType?: string;
}

/** An Initiate sent and not yet answered: its upload, if any, is found by ListMultipartUploads. */
export interface InitiateRecord {
  key: string;
  at: number;
  before?: string[];
}

const jobRecord = z.looseObject({
  id: z.string().min(1),
  kind: z.enum(['upload', 'download']),
  batchId: z.string(),
  accountId: z.string().min(1),
  bucket: z.string().min(1),
  region: z.string().optional(),
  key: z.string(),
  localPath: z.string().min(1),
  size: z.number().int().min(0),
  mtimeMs: z.number().optional(),
  etag: z.string().optional(),
  onConflict: z.enum(['ask', 'overwrite', 'skip', 'rename']),
  spooled: z.boolean().optional(),
  contentType: z.string().optional(),
});

const id = z.string().min(1);
const partNumber = z.number().int().min(0);

/**
 * Every record the journal may hold, checked line by line on replay: a line that does not
 * match (torn by a crash, garbage, a job record missing fields) is skipped and counted.
 * A new record type must be added here, or replay counts it as damage. Exported for the test
 * that holds the hand check of `entryOf` to it.
 */
export const journalEntry = z.discriminatedUnion('t', [
  z.object({ t: z.literal('job'), job: jobRecord }),
  z.object({ t: z.literal('upload'), id, uploadId: z.string().min(1), partSize: z.number().int().min(1) }),
  /** An Initiate sent and not yet answered: its upload, if any, is found by ListMultipartUploads. */
  z.object({
    t: z.literal('initiating'),
    id,
    key: z.string(),
    at: z.number(),
    before: z.array(z.string()).optional(),
  }),
  z.object({
    t: z.literal('part'),
    id,
    n: partNumber,
    etag: z.string(),
    crc: z.string().optional(),
    size: z.number().int().min(0),
    /** The upload the part belongs to (older journals do not name it). */
    uploadId: z.string().optional(),
  }),
  z.object({ t: z.literal('chunk'), id, n: partNumber, crc: z.string(), size: z.number().int().min(0) }),
  z.object({
    t: z.literal('state'),
    id,
    state: z.enum(['paused', 'queued', 'done', 'skipped', 'failed', 'cancelled']),
    error: z.string().optional(),
    verified: verification.optional(),
  }),
  z.object({ t: z.literal('retarget'), id, key: z.string(), localPath: z.string().min(1) }),
  /** What was sent or fetched so far is thrown away: no upload, no parts, no chunks. */
  z.object({ t: z.literal('reset'), id }),
  z.object({ t: z.literal('forget'), id }),
]);

type ParsedEntry = z.infer<typeof journalEntry>;
export type JournalEntry = Exclude<ParsedEntry, { t: 'job' }> | { t: 'job'; job: JobRecord };

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
  verified?: Verification;
}

/** Lines of the journal that could not be read: skipped, counted, and the file kept as it was. */
export interface JournalDamage {
  /** Lines skipped. */
  skipped: number;
  /** A copy of the damaged file, made before it was rewritten (not in read-only mode). */
  backup?: string;
}

/**
 * Append-only JSON lines, each record on disk (fsync) before the promise for it resolves.
 * Records written together share one write and one fsync (group commit), so queueing
 * 100,000 files costs a handful of syncs, not 100,000. The file and its folder are private
 * to the user (0600 / 0700): they name every file and key moved.
 */
export class Journal {
  private fh: FileHandle | undefined;
  /**
   * Lines not yet written: encoded in pieces of about PIECE_CHARS, and the text since the last
   * piece. Held as one string per flush (and a page of 1,000 jobs as one), they outlived the
   * young generation, and the whole text flattened for the write went to the old one: what a
   * 100,000-job queueing and a pause-all grew the heap with (h18).
   */
  private pending: Buffer[] = [];
  private text = '';
  private pendingRecords = 0;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  /** Set while records appended with `appendSoon` wait for company. */
  private soonTimer: ReturnType<typeof setTimeout> | undefined;
  private records = 0;
  /** Records appended since the file was last rewritten (at open or by `compact`). */
  private appended = 0;
  private closing = false;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
  ) {}

  /**
   * Reads what the last run left. Read-write (the default): keeps a copy of a damaged file,
   * then rewrites the file with only the unfinished jobs. Read-only: reads every job the file
   * holds (finished ones too) and never writes, renames or creates anything.
   */
  static async open(
    dir: string,
    o: { readOnly?: boolean; pieceBytes?: number } = {},
  ): Promise<{ journal: Journal; jobs: ReplayedJob[]; damage: JournalDamage }> {
    const path = join(dir, JOURNAL_FILE);
    if (o.readOnly) {
      const read = await replayFile(path, o.pieceBytes).catch((e: unknown) =>
        e instanceof JournalReadError && e.code === 'ENOENT' ? { jobs: [], skipped: 0 } : undefined,
      );
      if (read === undefined) return { journal: new Journal(path, true), jobs: [], damage: { skipped: 1 } };
      return { journal: new Journal(path, true), jobs: read.jobs, damage: { skipped: read.skipped } };
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    // Read a piece at a time, each line parsed once: 100,000 jobs' journal read whole (31 MB)
    // and each record parsed, then copied by the check, then copied again by the engine were
    // most of a reopen's peak (h18, h25).
    let read: ReadJournal | undefined;
    try {
      read = existsSync(path) ? await readJournal(path, o.pieceBytes) : undefined;
    } catch (e) {
      if (!(e instanceof JournalReadError)) throw e;
      // Unreadable (a folder in its place, an I/O error): set it aside whole and start afresh.
      const aside = `${path}.damaged-${stamp()}`;
      renameSync(path, aside);
      return Journal.start(path, [], { skipped: 1, backup: aside });
    }
    const { jobs, skipped } = read ?? { jobs: [], skipped: 0 };
    const damage: JournalDamage = { skipped };
    if (skipped > 0) {
      // Before the rewrite drops what could not be read: the user (or support) may want it back.
      damage.backup = `${path}.damaged-${stamp()}`;
      copyFileSync(path, damage.backup);
      chmodSync(damage.backup, 0o600);
    }
    const live = jobs.filter((j) => j.state !== 'done' && j.state !== 'skipped' && j.state !== 'cancelled');
    // Already what its rewrite would write (a queue closed after its compaction, taken back
    // again): every line describes a job's state as it is, nothing is finished, nothing is
    // damaged, the last line ends. Rewriting 100,000 jobs' 31 MB gained nothing then (h25).
    if (
      read &&
      read.ended &&
      skipped === 0 &&
      live.length === jobs.length &&
      read.lines - 1 === snapshotCount(live)
    )
      return Journal.reuse(path, live, damage);
    return Journal.start(path, live, damage);
  }

  /** The journal as it is, appended to (what `start` would have written is what it holds). */
  private static async reuse(
    path: string,
    live: ReplayedJob[],
    damage: JournalDamage,
  ): Promise<{ journal: Journal; jobs: ReplayedJob[]; damage: JournalDamage }> {
    // A file left by an older version kept its 0644, as `start` makes it private.
    chmodSync(path, 0o600);
    const journal = new Journal(path, false);
    journal.records = live.length;
    journal.fh = await open(path, 'a', 0o600);
    return { journal, jobs: live, damage };
  }

  private static async start(
    path: string,
    live: ReplayedJob[],
    damage: JournalDamage,
  ): Promise<{ journal: Journal; jobs: ReplayedJob[]; damage: JournalDamage }> {
    writeSnapshot(path, live);
    const journal = new Journal(path, false);
    journal.records = live.length;
    journal.fh = await open(path, 'a', 0o600);
    return { journal, jobs: live, damage };
  }

  append(entry: JournalEntry): Promise<void> {
    const p = this.queue(entry);
    this.kick();
    return p;
  }

  /**
   * A record nobody waits for (a job's end state): written with the next `append`'s flush, or
   * SOON_MS after it was made, with whatever came meanwhile. Small files end a few hundred times
   * a second; one write and one fsync each was most of the journal's cost (issue 13 (c), (d)).
   * A crash within those milliseconds loses the record: the job is redone on the next start.
   */
  appendSoon(entry: JournalEntry): Promise<void> {
    if (this.readOnly) return Promise.reject(new Error('the transfer journal was opened read-only'));
    this.note(entry);
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * `appendSoon` for a record nobody waits for (a job's new state): no promise is made, and a
   * failed write is the waiting callers' to see. Cancelling 100,000 queued jobs made 100,000
   * promises and waiters (and a `.catch` each) here: ~30 MB held until the write (h13).
   */
  note(entry: JournalEntry): void {
    if (this.readOnly) return;
    this.push(JSON.stringify(entry) + '\n');
    if (!this.flushing && !this.soonTimer) {
      this.soonTimer = setTimeout(() => {
        this.soonTimer = undefined;
        this.kick();
      }, SOON_MS);
    }
  }

  private queue(entry: JournalEntry): Promise<void> {
    if (this.readOnly) return Promise.reject(new Error('the transfer journal was opened read-only'));
    this.push(JSON.stringify(entry) + '\n');
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Starts writing what is pending now (unless a flush runs, which takes it on). */
  private kick(): void {
    if (this.soonTimer) {
      clearTimeout(this.soonTimer);
      this.soonTimer = undefined;
    }
    if (this.hasPending()) this.flushing ??= this.flush();
  }

  /**
   * Many records, on disk (in this order) before the one promise resolves: a page of 1,000
   * queued files makes one promise and one waiter, not 1,000 of each.
   */
  appendAll(entries: JournalEntry[]): Promise<void> {
    if (this.readOnly) return Promise.reject(new Error('the transfer journal was opened read-only'));
    if (entries.length === 0) return Promise.resolve();
    for (const e of entries) this.push(JSON.stringify(e) + '\n');
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.kick();
    return p;
  }

  get size(): number {
    return this.records;
  }

  /**
   * Records appended since the file was last rewritten (at open, or by `compact`): 0 means
   * the file is a snapshot of the queue already, and rewriting it gains nothing. Reopening a
   * 100,000-job queue rewrote its 31 MB twice: at open, then when the idle engine compacted.
   */
  get sinceRewrite(): number {
    return this.appended;
  }

  /**
   * Rewrites the journal with just `jobs` (called when the queue is idle), written in pages:
   * `jobs` is read while the file is written, so it must answer as when this was called.
   */
  async compact(jobs: ReplayedJob[] | SnapshotSource): Promise<void> {
    if (this.readOnly) return;
    this.kick();
    // Inline, not drain(): nothing may start a flush between the wait and the rewrite.
    while (this.flushing) await this.flushing;
    // Closed meanwhile (the engine compacts unawaited when the queue goes idle): the file stays.
    if (this.closing) return;
    // Appends made while the file is rewritten wait in `pending` (flushing is set) and are
    // written to the new file after: none may reach the closed handle.
    const rewrite = async () => {
      try {
        await this.fh?.close();
        this.fh = undefined;
        // Async: a big queue's snapshot (and its fsync) must not stall the thread that serves IPC.
        await writeSnapshotAsync(this.path, jobs);
        this.records = jobs.length + this.pendingRecords;
        this.appended = this.pendingRecords;
      } finally {
        this.fh = await open(this.path, 'a', 0o600);
      }
    };
    const run = rewrite().finally(() => this.flush());
    this.flushing = run.catch(() => undefined);
    await run;
  }

  /** Resolves once every record appended so far is on disk (or failed to get there). */
  async drain(): Promise<void> {
    this.kick();
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.kick();
    // A compaction started before this (it swaps the file and its handle) ends first.
    while (this.flushing) await this.flushing;
    await this.fh?.close();
    this.fh = undefined;
  }

  /** One record's line, to be written with the next flush. */
  private push(line: string): void {
    this.text += line;
    this.records++;
    this.appended++;
    this.pendingRecords++;
    if (this.text.length >= PIECE_CHARS) this.seal();
  }

  /** The text gathered so far as a piece of bytes (short-lived strings, external bytes). */
  private seal(): void {
    if (!this.text) return;
    this.pending.push(Buffer.from(this.text));
    this.text = '';
  }

  private hasPending(): boolean {
    return this.pending.length > 0 || this.text.length > 0;
  }

  private async flush(): Promise<void> {
    while (this.hasPending()) {
      this.seal();
      const pieces = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.pendingRecords = 0;
      this.waiters = [];
      try {
        if (!this.fh) throw new Error('the transfer journal is closed');
        await this.fh.writev(pieces);
        await this.fh.sync();
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.flushing = undefined;
  }
}

export const JOURNAL_FILE = 'journal.jsonl';
/**
 * Pending text is encoded in pieces of about this many characters: short enough for V8 to make
 * each piece's flat copy in the young generation (objects under 128 KiB), long enough that a
 * page of 1,000 queued jobs is a handful of pieces.
 */
const PIECE_CHARS = 32 * 1024;
/** How long a record made with `appendSoon` may wait for others to share its write and fsync. */
const SOON_MS = 50;

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * The jobs a journal's text describes, and how many lines could not be read. Every line is
 * checked against the record schema; a bad one (torn, garbage, `null`, a job record missing
 * fields) is skipped and counted, and the rest still counts.
 *
 * What was sent belongs to one upload: `parts` are those of the upload named by the latest
 * `upload` record, and a re-appended job record (a rebind to another account, a refreshed
 * size or ETag) keeps them unless it says the bytes changed (an upload's size or mtime, a
 * download's size or ETag) or the destination moved (retarget): then upload, parts and
 * chunks are reset together, as the running engine did.
 *
 * The records replayed are in the one shape (compactRecord): the engine takes them as they are.
 */
export function replay(text: string | Buffer): { jobs: ReplayedJob[]; skipped: number } {
  const r = new Replayer();
  for (const line of lines(text)) r.line(line);
  return r.result();
}

/** A journal file's read failed (not a line that could not be read: that is counted). */
class JournalReadError extends Error {
  readonly code: string | undefined;
  constructor(cause: unknown) {
    super(`the transfer journal could not be read: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

/** The journal's file is read in pieces of this many bytes. */
const READ_PIECE_BYTES = 1 << 20;

/**
 * `replay` of a journal file, read `pieceBytes` at a time (the whole file's bytes and text are
 * never held): what `replay(readFileSync(path))` gives. A failed read throws JournalReadError.
 */
export async function replayFile(
  path: string,
  pieceBytes = READ_PIECE_BYTES,
): Promise<{ jobs: ReplayedJob[]; skipped: number }> {
  const { jobs, skipped } = await readJournal(path, pieceBytes);
  return { jobs, skipped };
}

/** `replayFile`, and how many lines the file holds and whether it ends with a newline. */
async function readJournal(path: string, pieceBytes = READ_PIECE_BYTES): Promise<ReadJournal> {
  const r = new Replayer();
  const split = new LineSplitter((line) => r.line(line));
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new JournalReadError(e);
  });
  try {
    const piece = Buffer.allocUnsafe(pieceBytes);
    for (;;) {
      const n = await fh.read(piece, 0, pieceBytes, null).then(
        (x) => x.bytesRead,
        (e: unknown) => {
          throw new JournalReadError(e);
        },
      );
      if (n === 0) break;
      split.push(piece.subarray(0, n));
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
  split.end();
  return { ...r.result(), ...r.read() };
}

interface ReadJournal {
  jobs: ReplayedJob[];
  skipped: number;
  /** Lines read (a file ending with a newline has an empty one after it). */
  lines: number;
  /** The last line read was empty: the file ends with a newline (or is empty). */
  ended: boolean;
}

/**
 * Bytes arriving in pieces, handed on as lines (what `lines` gives for the whole): a line split
 * across pieces is put together from copies of its parts before it is decoded, so a multi-byte
 * UTF-8 character cut in two is decoded whole. The piece may be reused once `push` returns.
 */
export class LineSplitter {
  /** Copies of the current line's bytes from earlier pieces. */
  private carry: Buffer[] = [];

  constructor(private readonly onLine: (line: string) => void) {}

  push(piece: Buffer): void {
    let at = 0;
    for (;;) {
      const nl = piece.indexOf(10, at);
      if (nl < 0) {
        if (at < piece.length) this.carry.push(Buffer.from(piece.subarray(at)));
        return;
      }
      if (this.carry.length > 0) {
        this.carry.push(piece.subarray(at, nl));
        const line = Buffer.concat(this.carry).toString('utf8');
        this.carry = [];
        this.onLine(line);
      } else this.onLine(piece.toString('utf8', at, nl));
      at = nl + 1;
    }
  }

  /** The text after the last newline (empty if the bytes ended with one), as `lines` gives it. */
  end(): void {
    const line = Buffer.concat(this.carry).toString('utf8');
    this.carry = [];
    this.onLine(line);
  }
}

/** Replay's state, fed a line at a time. */
class Replayer {
  private readonly byId = new Map<string, ReplayedJob>();
  private skipped = 0;
  private lines = 0;
  private lastEmpty = false;

  line(line: string): void {
    this.lines++;
    this.lastEmpty = line.length === 0;
    if (!line.trim()) return;
    const e = entryOf(line);
    if (!e) {
      this.skipped++;
      return;
    }
    const byId = this.byId;
    if (e.t === 'job') {
      const job = compactRecord(e.job);
      const prev = byId.get(job.id);
      if (!prev) {
        byId.set(job.id, { job, parts: NO_PARTS, chunks: NO_CHUNKS, state: 'queued' });
        return;
      }
      if (bytesChanged(prev.job, job)) reset(prev);
      prev.job = job;
      return;
    }
    const j = byId.get(e.id);
    if (!j) return;
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
        // A part of no upload, or of an upload replaced since, must not be completed with this one.
        if (!j.uploadId || (e.uploadId !== undefined && e.uploadId !== j.uploadId)) break;
        if (j.parts === NO_PARTS) j.parts = new Map();
        j.parts.set(e.n, { etag: e.etag, crc: e.crc, size: e.size });
        break;
      case 'chunk':
        if (j.chunks === NO_CHUNKS) j.chunks = new Map();
        j.chunks.set(e.n, { crc: e.crc, size: e.size });
        break;
      case 'state':
        j.state = e.state;
        j.error = e.error;
        j.verified = e.state === 'done' ? e.verified : undefined;
        break;
      case 'retarget':
        if (e.key !== j.job.key || e.localPath !== j.job.localPath) reset(j);
        j.job = compactRecord({ ...j.job, key: e.key, localPath: e.localPath });
        break;
      case 'reset':
        reset(j);
        break;
      case 'forget':
        byId.delete(e.id);
        break;
    }
  }

  result(): { jobs: ReplayedJob[]; skipped: number } {
    return { jobs: [...this.byId.values()], skipped: this.skipped };
  }

  read(): { lines: number; ended: boolean } {
    return { lines: this.lines, ended: this.lastEmpty };
  }
}

/**
 * One line's record, or undefined if it is not one (not JSON, or not what the schema allows).
 * The line is parsed once: the two records a big queue is made of (a job, a state without a
 * verification) are checked by hand where they lie, anything else by the schema (`journalEntry`
 * decides every line the hand check does not accept, so it accepts nothing the schema refuses).
 */
export function entryOf(line: string): JournalEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (quickEntry(parsed)) return parsed;
  const r = journalEntry.safeParse(parsed);
  return r.success ? (r.data as JournalEntry) : undefined;
}

const KINDS = new Set<unknown>(['upload', 'download']);
const CONFLICTS = new Set<unknown>(['ask', 'overwrite', 'skip', 'rename']);
const STATES = new Set<unknown>(['paused', 'queued', 'done', 'skipped', 'failed', 'cancelled']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const filled = (v: unknown) => typeof v === 'string' && v.length > 0;
const maybeString = (v: unknown) => v === undefined || typeof v === 'string';
/** What zod's `z.number()` takes: a finite number (JSON's 1e999 is Infinity). */
const maybeNumber = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

/**
 * Whether `v` is a `job` record or a `state` record without a verification, exactly as the
 * schema would take it (false: let the schema decide). Only what the schema checks is read.
 */
function quickEntry(v: unknown): v is JournalEntry {
  if (!isObject(v)) return false;
  if (v.t === 'state') {
    return filled(v.id) && STATES.has(v.state) && maybeString(v.error) && v.verified === undefined;
  }
  if (v.t !== 'job') return false;
  const j = v.job;
  return (
    isObject(j) &&
    filled(j.id) &&
    KINDS.has(j.kind) &&
    typeof j.batchId === 'string' &&
    filled(j.accountId) &&
    filled(j.bucket) &&
    maybeString(j.region) &&
    typeof j.key === 'string' &&
    filled(j.localPath) &&
    Number.isSafeInteger(j.size) &&
    (j.size as number) >= 0 &&
    maybeNumber(j.mtimeMs) &&
    maybeString(j.etag) &&
    CONFLICTS.has(j.onConflict) &&
    (j.spooled === undefined || typeof j.spooled === 'boolean') &&
    maybeString(j.contentType)
  );
}

/**
 * The lines of a journal's text or bytes, one at a time (what `split('\n')` gave, without the
 * array). Bytes are decoded a line at a time: a newline byte is never part of a UTF-8 sequence.
 */
function* lines(text: string | Buffer): Generator<string> {
  const n = text.length;
  let at = 0;
  for (;;) {
    let nl = typeof text === 'string' ? text.indexOf('\n', at) : text.indexOf(10, at);
    if (nl < 0) nl = n;
    yield typeof text === 'string' ? text.slice(at, nl) : text.toString('utf8', at, nl);
    if (nl >= n) return;
    at = nl + 1;
  }
}

function bytesChanged(a: JobRecord, b: JobRecord): boolean {
  if (a.kind !== b.kind || a.size !== b.size) return true;
  return a.kind === 'upload' ? a.mtimeMs !== b.mtimeMs : a.etag !== b.etag;
}

function reset(j: ReplayedJob): void {
  j.uploadId = undefined;
  j.partSize = undefined;
  j.parts = NO_PARTS;
  j.chunks = NO_CHUNKS;
}

/** An empty map no one may fill: what a replayed job without parts or chunks holds. */
class NoEntries<V> extends Map<number, V> {
  override set(): this {
    throw new Error('a replayed job without parts or chunks holds a shared empty map');
  }
}

// One for every job replayed without any: 100,000 jobs taken back made 200,000 empty Maps.
const NO_PARTS: ReplayedJob['parts'] = new NoEntries();
const NO_CHUNKS: ReplayedJob['chunks'] = new NoEntries();

/**
 * What a compaction writes: the jobs as the caller saw them when it asked (an array does), read
 * one at a time while the snapshot is written page by page. A source may build each job when
 * asked, so that 100,000 jobs' records never exist at once (h18).
 */
export interface SnapshotSource {
  readonly length: number;
  at(index: number): ReplayedJob | undefined;
}

/** The snapshot is written in pages of about this many bytes (one write each). */
const SNAPSHOT_PAGE_BYTES = 1 << 20;

/** How many lines `snapshotLines` writes for these jobs (what a fresh journal of them holds). */
function snapshotCount(jobs: readonly ReplayedJob[]): number {
  let n = 0;
  for (const j of jobs) {
    n += 1 + j.parts.size + j.chunks.size;
    if (j.uploadId) n++;
    if (j.initiating && !j.uploadId) n++;
    if (j.state !== 'queued') n++;
  }
  return n;
}

/** One job's lines in a fresh journal, each ending in a newline (snapshotCount counts them). */
function snapshotLines(j: ReplayedJob): string {
  const id = j.job.id;
  let s = JSON.stringify({ t: 'job', job: j.job }) + '\n';
  if (j.uploadId) s += JSON.stringify({ t: 'upload', id, uploadId: j.uploadId, partSize: j.partSize }) + '\n';
  if (j.initiating && !j.uploadId) s += JSON.stringify({ t: 'initiating', id, ...j.initiating }) + '\n';
  for (const [n, p] of j.parts) s += JSON.stringify({ t: 'part', id, n, ...p, uploadId: j.uploadId }) + '\n';
  for (const [n, c] of j.chunks) s += JSON.stringify({ t: 'chunk', id, n, ...c }) + '\n';
  if (j.state !== 'queued')
    s += JSON.stringify({ t: 'state', id, state: j.state, error: j.error, verified: j.verified }) + '\n';
  return s;
}

/**
 * The snapshot's bytes in pages of about SNAPSHOT_PAGE_BYTES: the lines of 100,000 jobs, their
 * join and its bytes held at once were ~120 MB of a pause-all's peak (h13, h18). A page is
 * pieces of about PIECE_CHARS encoded as they fill: a page of 1 MiB held as one string had a
 * flat copy made for its write, in the old generation, garbage until the next full GC: 31 MB
 * of them for a 100,000-job snapshot (h25).
 */
function* snapshotPages(jobs: SnapshotSource): Generator<Buffer[]> {
  let page: Buffer[] = [];
  let bytes = 0;
  let text = '';
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs.at(i);
    if (!j) continue;
    text += snapshotLines(j);
    if (text.length < PIECE_CHARS) continue;
    const piece = Buffer.from(text);
    text = '';
    page.push(piece);
    bytes += piece.length;
    if (bytes >= SNAPSHOT_PAGE_BYTES) {
      yield page;
      page = [];
      bytes = 0;
    }
  }
  if (text) page.push(Buffer.from(text));
  if (page.length > 0) yield page;
}

/** What is left of `pieces` once `n` bytes of them are written (a short write). */
export function unwritten(pieces: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < pieces.length && n >= pieces[i].length) n -= pieces[i++].length;
  const rest = pieces.slice(i);
  if (rest.length > 0 && n > 0) rest[0] = rest[0].subarray(n);
  return rest;
}

function writeAllSync(fd: number, pieces: Buffer[]): void {
  while (pieces.length > 0) pieces = unwritten(pieces, writevSync(fd, pieces));
}

async function writeAll(fh: FileHandle, pieces: Buffer[]): Promise<void> {
  while (pieces.length > 0) pieces = unwritten(pieces, (await fh.writev(pieces)).bytesWritten);
}

/**
 * The state of `jobs` as a fresh journal, swapped in atomically: written whole to a temporary
 * file, synced, then renamed over the journal. A crash before the rename leaves the old journal
 * as it was (the temporary file is written afresh next time); the pages change only how the
 * temporary file is filled.
 */
function writeSnapshot(path: string, jobs: ReplayedJob[] | SnapshotSource): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    for (const page of snapshotPages(jobs)) writeAllSync(fd, page);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // A file left over from an older version kept its 0644; the fresh one is private.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  // Before anything is appended to the new file: else a crash could bring the old journal back
  // and lose records that were reported on disk.
  syncDirSync(dirname(path));
}

async function writeSnapshotAsync(path: string, jobs: SnapshotSource): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    for (const page of snapshotPages(jobs)) await writeAll(fh, page);
    await fh.sync();
  } finally {
    await fh.close();
  }
  // A file left over from an older version kept its 0644; the fresh one is private.
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  await syncDir(dirname(path));
}
