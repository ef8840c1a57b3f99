import { readFile } from 'node:fs/promises';
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

export const JOURNAL_FILE = 'operations-journal.json';

/**
 * The running bulk operations, in the data dir, written atomically (fs-atomic, like the
 * transfer journal): an entry is added when an operation starts, its counts refreshed as it
 * goes (one write in flight at a time, the newest counts win), and removed when it ends. What
 * is in the file when the app starts was cut short: `interrupted()` lists it until it is
 * resumed or dismissed.
 */
export class OperationsJournal {
  private readonly path: string;
  private readonly live = new Map<string, JournalEntry>();
  private left: InterruptedOperation[] = [];
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(dataDir: string) {
    this.path = join(dataDir, JOURNAL_FILE);
  }

  /** Reads what a previous run left (call once, before the first operation starts). */
  async load(): Promise<void> {
    let entries: JournalEntry[];
    try {
      const doc = JSON.parse(await readFile(this.path, 'utf8')) as { running?: JournalEntry[] };
      entries = Array.isArray(doc.running) ? doc.running : [];
    } catch {
      entries = [];
    }
    this.left = entries.map((e) => ({
      ...e,
      summary: `interrupted: ${e.done.toLocaleString('en')} of ${e.total.toLocaleString('en')} done`,
    }));
    await this.flush();
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
