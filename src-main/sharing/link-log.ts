import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { linkEntry, type LinkEntry } from '../../src-shared/contract';
import { writeFileAtomic } from '../fs-atomic';

/** Oldest entries go first past this many: the log is a convenience, not an archive. */
export const MAX_LOG_ENTRIES = 50_000;

const file = z.object({ version: z.literal(1), entries: z.array(linkEntry) });

/**
 * Every link issued, in `links.json` of the data folder. Entries hold the object, method, expiry
 * and masked key id; a signed URL holds no secret (only the key id and a signature) so it is kept,
 * except when it embeds a temporary key's token: then only the facts are kept.
 */
export class LinkLog {
  private entries: LinkEntry[] | undefined;
  /** Writes run one after another, so a later state never lands before an earlier one. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string) {}

  get path(): string {
    return join(this.dataDir, 'links.json');
  }

  static newId(): string {
    return `lnk-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
  }

  async list(): Promise<LinkEntry[]> {
    return [...(await this.load())].reverse();
  }

  async find(id: string): Promise<LinkEntry | undefined> {
    return (await this.load()).find((e) => e.id === id);
  }

  async append(added: LinkEntry[]): Promise<number> {
    const all = await this.load();
    all.push(...added);
    if (all.length > MAX_LOG_ENTRIES) all.splice(0, all.length - MAX_LOG_ENTRIES);
    await this.save();
    return all.length;
  }

  async clear(): Promise<number> {
    const all = await this.load();
    const n = all.length;
    all.length = 0;
    await this.save();
    return n;
  }

  private async load(): Promise<LinkEntry[]> {
    if (this.entries) return this.entries;
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const parsed = text === undefined ? undefined : file.safeParse(safeJson(text));
    // A damaged log is started afresh rather than blocking link creation.
    this.entries = parsed?.success ? parsed.data.entries : [];
    return this.entries;
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, entries: this.entries ?? [] });
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.path, snapshot));
    return this.writing;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
