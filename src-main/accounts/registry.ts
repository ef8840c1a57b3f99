import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { accountFields, accountId } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
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

/** The account list in `<dataDir>/accounts.json`, written atomically after every change. */
export class AccountRegistry {
  readonly path: string;
  private cache: StoredAccount[] | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'accounts.json');
  }

  async all(): Promise<StoredAccount[]> {
    this.cache ??= await this.load();
    return this.cache.map((a) => structuredClone(a));
  }

  async find(id: string): Promise<StoredAccount | undefined> {
    return (await this.all()).find((a) => a.id === id);
  }

  /** Serialize read-modify-write so concurrent calls cannot lose each other's changes. */
  mutate<T>(fn: (accounts: StoredAccount[]) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const accounts = await this.all();
      const result = fn(accounts);
      await writeFileAtomic(this.path, JSON.stringify({ version: 1, accounts }, null, 2) + '\n');
      this.cache = accounts;
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
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
