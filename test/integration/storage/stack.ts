import { expect } from 'vitest';
import type { Bridge } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import { StorageClient } from '../../../src-main/storage/client';
import { mapLimit } from '../../../src-main/storage/ops/pool';
import { StorageService } from '../../../src-main/storage/service';
import { list, text } from '../../../src-main/storage/xml';
import { startMain } from '../../support/main';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { startCosGateway, type CosGateway } from '../../cos-gateway/server';
import {
  COS_REGION,
  UIN1,
  UIN2,
  cosAccount,
  rgwBucketName,
  rgwEnv,
  s3Account,
  uniqueBucket,
  type DialectName,
} from './helpers';

/** An in-process COS gateway in front of RGW, knowing both RGW users. */
export async function startGateway(env: ReturnType<typeof rgwEnv>): Promise<CosGateway> {
  return startCosGateway({
    port: 0,
    s3Endpoint: env.endpoint,
    users: [
      { secretId: env.ak, secretKey: env.sk, uin: UIN1 },
      { secretId: env.ak2, secretKey: env.sk2, uin: UIN2 },
    ],
    roleArn: process.env.ROLE_ARN,
    log: process.env.COS_GATEWAY_LOG === '1',
  });
}

/**
 * The real service stack (router, validation, accounts) with both RGW users registered, in one
 * dialect: `s3` talks SigV4 path-style to RGW; `cos` talks the COS dialect to an in-process
 * COS gateway on a random port, which forwards to the same RGW.
 */
export async function storageStack(dialect: DialectName = 's3') {
  const env = rgwEnv();
  const gateway = dialect === 'cos' ? await startGateway(env) : undefined;
  const account = (ak: string, sk: string): ResolvedAccount =>
    gateway ? cosAccount(gateway.port, ak, sk) : s3Account(env.endpoint, ak, sk);
  const { main, bridge } = await startMain();
  const id = main.accounts.registerEphemeral(account(env.ak, env.sk));
  const id2 = main.accounts.registerEphemeral(account(env.ak2, env.sk2));
  const storage = main.services.storage;
  expect(storage).toBeInstanceOf(StorageService);
  return {
    dialect,
    env,
    main,
    bridge,
    id,
    id2,
    gateway,
    /** The region an account of this dialect defaults to. */
    region: dialect === 'cos' ? COS_REGION : 'us-east-1',
    /** This dialect's account for other keys (wrong secret, unknown id, …). */
    account,
    /** A fresh bucket name in this dialect's form. */
    bucketName: () => uniqueBucket(dialect),
    /** Main-side calls (put/get) that the contract does not carry. */
    storage: storage as StorageService,
    /** Removes a bucket (either dialect's name) straight on RGW. */
    drop: (bucket: string) => dropBucket(env.endpoint, env.ak, env.sk, rgwBucketName(bucket)),
    async close() {
      await (storage as StorageService).close();
      main.close();
      await gateway?.close();
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
