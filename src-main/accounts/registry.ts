import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { accountFields, accountId } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { withFileLock } from '../data-lock';
import { writeFileAtomic } from '../fs-atomic';

/** One stored account: its fields and where its secret lives. Never a secret itself. */
const storedAccount = z.object({
  id: accountId,
  fields: accountFields,
  secretStorage: z.enum(['keychain', 'session']),
  hasToken: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StoredAccount = z.infer<typeof storedAccount>;

const fileSchema = z.object({ version: z.literal(1), accounts: z.array(storedAccount) });

/**
 * The account list in `<dataDir>/accounts.json`, shared by every cosdesk process on the data
 * folder (app, web mode, CLI commands). Each change locks the file across processes, reads it
 * afresh inside the lock, and writes it atomically, so concurrent changes keep each other's
 * edits. Reads see other processes' changes: the cache lasts while the file is unchanged.
 */
export class AccountRegistry {
  readonly path: string;
  private cache: { accounts: StoredAccount[]; stamp: string } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'accounts.json');
  }

  async all(): Promise<StoredAccount[]> {
    const stamp = await this.stamp();
    if (!this.cache || this.cache.stamp !== stamp) this.cache = { accounts: await this.load(), stamp };
    return this.cache.accounts.map((a) => structuredClone(a));
  }

  async find(id: string): Promise<StoredAccount | undefined> {
    return (await this.all()).find((a) => a.id === id);
  }

  /** Serialize read-modify-write, in this process and across processes, so none is lost. */
  mutate<T>(fn: (accounts: StoredAccount[]) => T): Promise<T> {
    const run = this.queue.then(async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      return withFileLock(this.path, async () => {
        const accounts = await this.load();
        const result = fn(accounts);
        await writeFileAtomic(this.path, JSON.stringify({ version: 1, accounts }, null, 2) + '\n');
        this.cache = { accounts, stamp: await this.stamp() };
        return result;
      });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Changes whenever the file is replaced (every write is a rename: a new inode) or edited. */
  private async stamp(): Promise<string> {
    try {
      const s = await stat(this.path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
      throw err;
    }
  }

  private async load(): Promise<StoredAccount[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed = fileSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new AppError(
        'INTERNAL',
        `The account list at ${this.path} is damaged and was left untouched. Move it aside to start afresh.`,
      );
    }
    return parsed.data.accounts;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
