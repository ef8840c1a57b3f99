import type { ResolvedAccount } from '../../src-main/accounts/types';
import { createStorageClient, type StorageClient } from '../../src-main/storage/client';

/** An S3 account on the RGW test backend (S3_ENDPOINT, AK, SK), path-style, us-east-1. */
export function rgwAccount(endpoint: string, accessKeyId: string, secretKey: string): ResolvedAccount {
  return {
    kind: 's3',
    name: 'seed',
    endpoint,
    region: 'us-east-1',
    accessKeyId,
    pathStyle: true,
    secret: { secretKey },
  };
}

export interface Seeder {
  client: StorageClient;
  createBucket(bucket: string): Promise<void>;
  /** Whether a key exists (HEAD); false for a missing bucket too. */
  exists(bucket: string, key: string): Promise<boolean>;
  /** PUT every key (a zero-byte body unless given) with at most `concurrency` requests in flight. */
  putMany(
    bucket: string,
    keys: readonly string[],
    opts?: { body?: string; concurrency?: number },
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes test data with the app's own storage client: signed like the app, over undici
 * keep-alive connections. The client's pool keeps 16 connections per origin, so 64 requests
 * in flight are spread over four clients.
 */
export function createSeeder(account: ResolvedAccount, pools = 4): Seeder {
  const clients = Array.from({ length: pools }, () => createStorageClient(account, { timeoutMs: 30_000 }));
  const client = clients[0];
  return {
    client,
    async createBucket(bucket) {
      const res = await client.request({ method: 'PUT', bucket });
      await res.body.dump();
    },
    async exists(bucket, key) {
      try {
        const res = await client.request({ method: 'HEAD', bucket, key });
        await res.body.dump();
        return true;
      } catch {
        return false;
      }
    },
    async putMany(bucket, keys, opts = {}) {
      const concurrency = opts.concurrency ?? 64;
      const body = opts.body ?? '';
      let next = 0;
      const worker = async (w: number) => {
        const c = clients[w % clients.length];
        for (;;) {
          const i = next++;
          if (i >= keys.length) return;
          const res = await c.request({ method: 'PUT', bucket, key: keys[i], body });
          await res.body.dump();
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, (_, w) => worker(w)));
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/** Keys of the browse test bucket: nested folders and names with unicode, spaces, '+' and '#'. */
export const NESTED_KEYS: readonly string[] = [
  'readme.txt',
  'photos/2024/beach.jpg',
  'photos/2024/city night.png',
  'photos/2025/雪山.jpg',
  'photos/2025/a+b#c.txt',
  'photos/cover.png',
  'docs/report.pdf',
  'docs/notes/draft one.md',
  'docs/notes/日记 2025.txt',
  'docs/notes/plus+hash#.txt',
  'music/',
  'empty folder/',
];

/** Sizes chosen so that sorting by size differs from sorting by name. */
export const SIZED: Readonly<Record<string, number>> = {
  'docs/report.pdf': 3000,
  'docs/notes/draft one.md': 5000,
  'docs/notes/日记 2025.txt': 2000,
  'docs/notes/plus+hash#.txt': 300,
  'readme.txt': 500,
};

/** big/obj-000000 … for a folder of `n` objects. */
export function bigKeys(n: number, prefix = 'big/'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}obj-${String(i).padStart(6, '0')}`);
}
