import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { OperationView, StartOperationRequest } from '../../src-shared/contract';
import { writeFileAtomic } from '../fs-atomic';

/** A bulk operation as the journal keeps it while it runs. */
export interface JournalEntry {
  id: string;
  request: StartOperationRequest;
  kind: OperationView['kind'];
  bucket: string;
  total: number;
  done: number;
  failed: number;
  startedAt: string;
  updatedAt: string;
}

/** What an operation cut short by a crash or kill -9 had done: "interrupted: N of M done". */
export interface InterruptedOperation extends JournalEntry {
  summary: string;
}

/** The journal folder in the data dir: one file per process (`<pid>.json`). */
export const JOURNAL_DIR = 'operations-journal';

/** Whether a process of this id is running (another CLI, the app): its journal is not ours to read. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The running bulk operations, in the data dir, written atomically (fs-atomic, like the
 * transfer journal): an entry is added when an operation starts, its counts refreshed as it
 * goes (one write in flight at a time, the newest counts win), and removed when it ends. What
 * is in the file when the app starts was cut short: `interrupted()` lists it until it is
 * resumed or dismissed. Several processes may run operations on one data dir at once (CLI
 * commands): each keeps its own file, and only the files of processes no longer running are
 * read as interrupted (and taken over).
 */
export class OperationsJournal {
  private readonly dir: string;
  private readonly path: string;
  private readonly live = new Map<string, JournalEntry>();
  private left: InterruptedOperation[] = [];
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(dataDir: string) {
    this.dir = join(dataDir, JOURNAL_DIR);
    this.path = join(this.dir, `${process.pid}.json`);
  }

  /** Reads what a previous run left (call once, before the first operation starts). */
  async load(): Promise<void> {
    const entries: JournalEntry[] = [];
    const taken: string[] = [];
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(/^(\d+)\.json$/.exec(name)?.[1]);
      if (!Number.isInteger(pid) || (pid !== process.pid && alive(pid))) continue;
      try {
        const doc = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as { running?: JournalEntry[] };
        if (Array.isArray(doc.running)) entries.push(...doc.running);
      } catch {
        // A file cut short cannot be: it is written atomically. Anything else is not ours.
      }
      if (name !== `${process.pid}.json`) taken.push(name);
    }
    this.left = entries.map((e) => ({
      ...e,
      summary: `interrupted: ${e.done.toLocaleString('en')} of ${e.total.toLocaleString('en')} done`,
    }));
    // Ours now: written into this process's file before the old files go.
    await this.flush();
    await Promise.all(taken.map((n) => rm(join(this.dir, n), { force: true })));
  }

  interrupted(): InterruptedOperation[] {
    return this.left.map((e) => ({ ...e }));
  }

  /** Forgets an interrupted operation (it was resumed or dismissed). */
  async dismiss(id: string): Promise<InterruptedOperation | undefined> {
    const e = this.left.find((x) => x.id === id);
    this.left = this.left.filter((x) => x.id !== id);
    await this.flush();
    return e;
  }

  begin(view: OperationView, request: StartOperationRequest): Promise<void> {
    this.live.set(view.id, {
      id: view.id,
      request,
      kind: view.kind,
      bucket: view.bucket,
      total: view.total,
      done: view.done,
      failed: view.failed,
      startedAt: view.startedAt,
      updatedAt: new Date().toISOString(),
    });
    return this.flush();
  }

  update(view: OperationView): void {
    const e = this.live.get(view.id);
    if (!e) return;
    e.total = view.total;
    e.done = view.done;
    e.failed = view.failed;
    e.updatedAt = new Date().toISOString();
    void this.flush();
  }

  end(id: string): Promise<void> {
    this.live.delete(id);
    return this.flush();
  }

  /** Writes the file: one write at a time; changes meanwhile go in the next one. */
  flush(): Promise<void> {
    if (this.dirty) return this.writing;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      // Interrupted ones stay in the file until dismissed, so a second crash keeps them.
      const running = [...this.left.map(({ summary: _s, ...e }) => e), ...this.live.values()];
      await writeFileAtomic(this.path, JSON.stringify({ version: 1, running }, null, 1)).catch(
        () => undefined,
      );
    });
    return this.writing;
  }
}
