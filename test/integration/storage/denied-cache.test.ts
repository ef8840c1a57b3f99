import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient } from '../../../src-main/storage/client';
import { StorageError } from '../../../src-main/storage/errors';
import { LISTED_TTL_MS, StorageService } from '../../../src-main/storage/service';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { rgwEnv, s3Account, uniqueBucket } from './helpers';
import { dropBucket, failure } from './stack';

// explainDenied asks ListBuckets whether a refused key is wrong or only refused (RGW answers
// both with AccessDenied). A recording proxy in front of RGW counts those ListBuckets.
const env = rgwEnv();
const BUCKET = uniqueBucket('s3');
let proxy: FaultProxy;
let clock = Date.now();
const accounts = new Map<string, ResolvedAccount>();
let service: StorageService;

const listBucketsSeen = () => proxy.seen.filter((r) => r.method === 'GET' && /^\/(\?|$)/.test(r.url)).length;
const refuse = (accountId: string) =>
  failure(
    service.listObjects({ accountId, bucket: BUCKET, prefix: '', maxKeys: 100 }),
  ) as Promise<StorageError>;

beforeAll(async () => {
  const owner = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));
  await (await owner.request({ method: 'PUT', bucket: BUCKET })).body.dump();
  await owner.close();
  proxy = await startFaultProxy(env.endpoint);
  accounts.set('user2', s3Account(proxy.url, env.ak2, env.sk2));
  accounts.set('wrong', s3Account(proxy.url, env.ak, 'not-the-secret'));
  service = new StorageService({
    resolveAccount: async (id) => accounts.get(id)!,
    now: () => clock,
  });
});

afterAll(async () => {
  await service?.close();
  await proxy?.close();
  await dropBucket(env.endpoint, env.ak, env.sk, BUCKET);
});

describe('explainDenied asks ListBuckets once per account for a while', () => {
  it('10 refusals of a valid key make 1 ListBuckets, and each still says the key is valid', async () => {
    const before = listBucketsSeen();
    const errors = [];
    for (let i = 0; i < 5; i++) errors.push(await refuse('user2'));
    // At once too: concurrent refusals share the one answer.
    errors.push(...(await Promise.all(Array.from({ length: 5 }, () => refuse('user2')))));
    expect(listBucketsSeen() - before).toBe(1);
    for (const e of errors) {
      expect(e.details.kind).toBe('denied');
      expect(e.message).toMatch(/the key is valid/);
    }
  });

  it('a wrong secret: 10 refusals, 1 ListBuckets, each names the credentials', async () => {
    const before = listBucketsSeen();
    const errors = await Promise.all(Array.from({ length: 10 }, () => refuse('wrong')));
    expect(listBucketsSeen() - before).toBe(1);
    for (const e of errors) expect(e.details.kind).toBe('credentials');
  });

  it('asks again once the account changed, or the answer is old', async () => {
    let before = listBucketsSeen();
    await refuse('user2');
    expect(listBucketsSeen() - before).toBe(0);
    // The account changed (here: its keys became user1's wrong secret): the answer is not reused.
    accounts.set('user2', s3Account(proxy.url, env.ak, 'not-the-secret'));
    await service.invalidate('user2');
    before = listBucketsSeen();
    const e = await refuse('user2');
    expect(listBucketsSeen() - before).toBe(1);
    expect(e.details.kind).toBe('credentials');
    clock += LISTED_TTL_MS + 1;
    before = listBucketsSeen();
    await refuse('user2');
    expect(listBucketsSeen() - before).toBe(1);
  });
});
