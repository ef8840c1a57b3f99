import { expect } from 'vitest';
import type { Bridge } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import { StorageClient } from '../../../src-main/storage/client';
import { mapLimit } from '../../../src-main/storage/ops/pool';
import { StorageService } from '../../../src-main/storage/service';
import { list, text } from '../../../src-main/storage/xml';
import { startMain } from '../../support/main';
import { rgwEnv, s3Account } from './helpers';

/** The real service stack (router, validation, accounts) with both RGW users registered. */
export async function storageStack() {
  const env = rgwEnv();
  const { main, bridge } = await startMain();
  const id = main.accounts.registerEphemeral(s3Account(env.endpoint, env.ak, env.sk));
  const id2 = main.accounts.registerEphemeral(s3Account(env.endpoint, env.ak2, env.sk2));
  const storage = main.services.storage;
  expect(storage).toBeInstanceOf(StorageService);
  return {
    env,
    main,
    bridge,
    id,
    id2,
    /** Main-side calls (put/get) that the contract does not carry. */
    storage: storage as StorageService,
    async close() {
      await (storage as StorageService).close();
      main.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof storageStack>>;

/** The error a bridge call rejects with, for asserting on code and wording. */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

export async function putAll(s: Stack, bucket: string, keys: readonly string[], body = 'x'): Promise<void> {
  await mapLimit(keys, 16, (key) => s.storage.putObject({ accountId: s.id, bucket, key }, body));
}

/** Every key in the bucket under `prefix`, by paging through the bridge. */
export async function allKeys(
  bridge: Bridge,
  accountId: string,
  bucket: string,
  prefix = '',
): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await bridge.storage.listObjects({ accountId, bucket, prefix, marker });
    keys.push(...page.objects.map((o) => o.key));
    if (!page.isTruncated) return keys;
    marker = page.nextMarker;
  }
}

/** Empties and removes a bucket with a plain client, so cleanup does not depend on the code under test. */
export async function dropBucket(endpoint: string, ak: string, sk: string, bucket: string): Promise<void> {
  const client = new StorageClient(s3Account(endpoint, ak, sk));
  try {
    await (
      await client.request({ method: 'DELETE', bucket, query: { policy: '' } }).catch(() => undefined)
    )?.body.dump();
    for (;;) {
      const { doc } = await client.requestXml({ method: 'GET', bucket, query: { 'encoding-type': 'url' } });
      const keys = list(doc['ListBucketResult'], 'Contents').map((c) =>
        decodeURIComponent(text(c, 'Key') ?? ''),
      );
      if (keys.length === 0) break;
      await mapLimit(keys, 16, async (key) =>
        (await client.request({ method: 'DELETE', bucket, key })).body.dump(),
      );
    }
    await (await client.request({ method: 'DELETE', bucket })).body.dump();
  } catch {
    // Best effort: a leftover bucket on a throwaway backend is harmless.
  } finally {
    await client.close();
  }
}
