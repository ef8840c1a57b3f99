import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyVersion } from '../../src-shared/contract';
import { samePolicy } from '../../src-shared/permissions/policy';
import { writeFileAtomic } from '../fs-atomic';

export const HISTORY_LIMIT = 20;

/**
 * The last policy versions written from this machine, one small JSON file per account and
 * bucket in the data folder: a policy PUT replaces the whole document, so this is the undo.
 */
export class PolicyHistory {
  // One write at a time per file: two quick saves must not drop each other's entry.
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly dataDir: string) {}

  async list(accountId: string, bucket: string): Promise<PolicyVersion[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file(accountId, bucket), 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as PolicyVersion[]) : [];
    } catch {
      return [];
    }
  }

  /** Adds a version at the front unless it says what the newest one says; keeps the last 20. */
  record(accountId: string, bucket: string, document: string, kind: PolicyVersion['kind']): Promise<void> {
    const path = this.file(accountId, bucket);
    const next = (this.chains.get(path) ?? Promise.resolve()).then(async () => {
      const all = await this.list(accountId, bucket);
      // The server's re-rendering of what we saved is the same version (COS capitalises keys).
      if (all[0] && samePolicy(all[0].document, document)) return;
      const entry: PolicyVersion = {
        id: `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
        savedAt: new Date().toISOString(),
        document,
        kind,
      };
      await writeFileAtomic(path, JSON.stringify([entry, ...all].slice(0, HISTORY_LIMIT), null, 1));
    });
    this.chains.set(
      path,
      next.catch(() => undefined),
    );
    return next;
  }

  private file(accountId: string, bucket: string): string {
    const name = createHash('sha256').update(`${accountId}\n${bucket}`).digest('hex').slice(0, 32);
    return join(this.dataDir, 'policy-history', `${name}.json`);
  }
}
