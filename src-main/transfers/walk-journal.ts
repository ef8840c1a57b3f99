import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic';
import type { SymlinkChoice } from './walk';

/** A folder upload as it was asked for: enough to walk it again after a crash. */
export interface WalkRecord {
  /** The batch the walk's jobs belong to. */
  id: string;
  accountId: string;
  bucket: string;
  region?: string;
  roots: string[];
  prefix: string;
  onConflict: 'ask' | 'overwrite' | 'skip' | 'rename';
  symlinks: SymlinkChoice;
  /** The Content-Type the user chose for every file of the upload (else each file's own). */
  contentType?: string;
  /**
   * A folder download instead: the keys asked for (folders end in `/`), the prefix their
   * local paths are taken relative to, and the local folder. Its "walk" is the listing.
   */
  download?: { keys: string[]; prefix: string; localDir: string; versionId?: string };
}

export interface OpenWalk {
  walk: WalkRecord;
  /** Keys already queued in the batch (before any rename on conflict). */
  keys: Set<string>;
}

type Line =
  { t: 'walk'; walk: WalkRecord } | { t: 'queued'; id: string; keys: string[] } | { t: 'done'; id: string };

/**
 * `<dataDir>/transfers/walks.jsonl`: a folder upload is recorded before its walk starts,
 * each batch of keys after the engine has journaled their jobs, and `done` once every file
 * is queued. A walk without `done` is walked again on restart, adding only keys not queued.
 *
 * A crash between the engine's journal and this one leaves keys that are queued but not
 * listed here; the resumed walk also skips keys the engine still holds for the batch, so
 * only a job that finished in that instant (and was then forgotten by the engine) can be
 * queued twice: uploaded again, never lost.
 */
export class WalkJournal {
  private fh: FileHandle | undefined;
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly open: Map<string, OpenWalk>) {}

  /** Reads the walks left incomplete and rewrites the file with only those. */
  static async open(dir: string): Promise<WalkJournal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, 'walks.jsonl');
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    const walks = replay(text);
    const lines: string[] = [];
    for (const w of walks.values()) {
      lines.push(JSON.stringify({ t: 'walk', walk: w.walk } satisfies Line));
      if (w.keys.size)
        lines.push(JSON.stringify({ t: 'queued', id: w.walk.id, keys: [...w.keys] } satisfies Line));
    }
    await writeFileAtomic(path, lines.length ? lines.join('\n') + '\n' : '', 0o600);
    const j = new WalkJournal(walks);
    j.fh = await open(path, 'a', 0o600);
    return j;
  }

  /** Walks that never finished queueing their files. */
  incomplete(): OpenWalk[] {
    return [...this.open.values()];
  }

  begin(walk: WalkRecord): Promise<void> {
    this.open.set(walk.id, { walk, keys: new Set() });
    return this.write({ t: 'walk', walk });
  }

  queued(id: string, keys: string[]): Promise<void> {
    const w = this.open.get(id);
    for (const k of keys) w?.keys.add(k);
    return keys.length ? this.write({ t: 'queued', id, keys }) : Promise.resolve();
  }

  done(id: string): Promise<void> {
    this.open.delete(id);
    return this.write({ t: 'done', id });
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.fh?.close();
    this.fh = undefined;
  }

  private write(line: Line): Promise<void> {
    const next = this.chain.then(async () => {
      if (!this.fh) throw new Error('the folder-walk journal is closed');
      await this.fh.write(JSON.stringify(line) + '\n');
      await this.fh.datasync();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function replay(text: string): Map<string, OpenWalk> {
  const walks = new Map<string, OpenWalk>();
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    let l: Line;
    try {
      l = JSON.parse(raw) as Line;
    } catch {
      continue; // a line torn by a crash mid-write: what came before still counts
    }
    if (!l || typeof l !== 'object') continue;
    if (l.t === 'walk' && isWalk(l.walk)) walks.set(l.walk.id, { walk: l.walk, keys: new Set() });
    else if (l.t === 'queued' && Array.isArray(l.keys)) {
      const w = walks.get(l.id);
      for (const k of l.keys) if (typeof k === 'string') w?.keys.add(k);
    } else if (l.t === 'done') walks.delete(l.id);
  }
  return walks;
}

function isWalk(w: unknown): w is WalkRecord {
  const x = w as WalkRecord | undefined;
  return (
    !!x &&
    typeof x.id === 'string' &&
    typeof x.accountId === 'string' &&
    typeof x.bucket === 'string' &&
    Array.isArray(x.roots) &&
    x.roots.every((r) => typeof r === 'string') &&
    typeof x.prefix === 'string' &&
    ['ask', 'overwrite', 'skip', 'rename'].includes(x.onConflict) &&
    (x.symlinks === 'follow' || x.symlinks === 'skip') &&
    (x.download === undefined ||
      (Array.isArray(x.download.keys) &&
        x.download.keys.every((k) => typeof k === 'string') &&
        typeof x.download.prefix === 'string' &&
        typeof x.download.localDir === 'string'))
  );
}
