import type { BatchResult, Services } from '../../src-shared/contract';
import type { ResolvedAccount } from '../accounts/types';
import { StorageClient, type StorageClientOptions } from './client';
import { StorageError } from './errors';
import type { HttpResponse } from './http';
import { bucketDenied, listBucketsDenied } from './test-connection';
import { withAppIdIfMissing } from './ops/bucket-names';
import { createBucket, deleteBucket, openBucket } from './ops/buckets';
import { transfer } from './ops/copy';
import { deleteObjects } from './ops/delete';
import { listObjects } from './ops/list';
import {
  createFolder,
  deleteObject,
  getObject,
  getObjectBytes,
  headObject,
  putObject,
  type GetOptions,
  type PutOptions,
  type PutResult,
} from './ops/objects';
import type { BucketLoc } from './ops/types';
import { abortUploads, describeUploads } from '../transfers/multipart';

type Api = Services['storage'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

export interface StorageServiceDeps {
  resolveAccount: (id: string) => Promise<ResolvedAccount>;
  clientOptions?: StorageClientOptions;
  /** The clock of the ListBuckets answer cache (tests). */
  now?: () => number;
}

/** How long the answer of explainDenied's ListBuckets is reused for the same account and keys. */
export const LISTED_TTL_MS = 60_000;

type Listed = 'ok' | 'denied' | 'unknown';

/** What main-side callers (transfers, tests) name an object by; not a contract call. */
export interface ObjectAddress {
  accountId: string;
  bucket: string;
  region?: string;
  key: string;
}

interface Entry {
  account: ResolvedAccount;
  client: StorageClient;
  /**
   * Whether these keys may list buckets, as a recent ListBuckets answered (the promise, so
   * refusals at once share one request). It lives in the entry, which holds one version of
   * the account's credentials and is dropped when the account changes (`invalidate`).
   */
  listed?: { until: number; answer: Promise<Listed> };
}

/** The storage contract over one cached client per account. */
export class StorageService implements Api {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(private readonly deps: StorageServiceDeps) {}

  /** Drops cached clients (one account's, or all) so the next call uses the account as it now is. */
  async invalidate(accountId?: string): Promise<void> {
    const ids = accountId === undefined ? [...this.entries.keys()] : [accountId];
    const closing: Promise<void>[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      this.entries.delete(id);
      // In-flight requests on the old client finish; only then does its pool close.
      closing.push(entry.then((e) => e.client.close()).catch(() => undefined));
    }
    await Promise.all(closing);
  }

  close(): Promise<void> {
    return this.invalidate();
  }

  async listBuckets(req: Req<'listBuckets'>) {
    const { client, account } = await this.entry(req.accountId);
    try {
      return await client.listBuckets();
    } catch (e) {
      throw (
        (e instanceof StorageError &&
          listBucketsDenied(e, account.kind, account.secret.sessionToken !== undefined)) ||
        e
      );
    }
  }

  async createBucket(req: Req<'createBucket'>) {
    const { client, account } = await this.entry(req.accountId);
    return createBucket(client, account, loc(req, account));
  }

  async deleteBucket(req: Req<'deleteBucket'>) {
    const { client, account } = await this.entry(req.accountId);
    await deleteBucket(client, loc(req, account));
    return { deleted: true };
  }

  async openBucket(req: Req<'openBucket'>) {
    const en = await this.entry(req.accountId);
    const { client, account } = en;
    const l = loc(req, account);
    return openBucket(client, account, l).catch((e: unknown) => this.explainDenied(e, en, l));
  }

  async listObjects(req: Req<'listObjects'>) {
    const en = await this.entry(req.accountId);
    const { client, account } = en;
    const l = loc(req, account);
    return listObjects(client, l, {
      prefix: req.prefix,
      delimiter: req.delimiter,
      marker: req.marker,
      maxKeys: req.maxKeys,
    }).catch((e: unknown) => this.explainDenied(e, en, l));
  }

  /**
   * S3 servers such as Ceph RGW answer a wrong secret with AccessDenied, like a real refusal:
   * one ListBuckets with the same key tells which it is (COS names bad credentials itself).
   */
  private async explainDenied(e: unknown, entry: Entry, l: BucketLoc): Promise<never> {
    const { account } = entry;
    if (!(e instanceof StorageError) || account.kind !== 's3' || e.kind !== 'denied') throw e;
    const listed = await this.listed(entry);
    throw bucketDenied(e, listed, l.bucket, account.kind === 's3' && !!account.secret.sessionToken);
  }

  /**
   * One ListBuckets per account (and version of its keys) for a short while: ten refusals in a
   * folder make one request, not ten. An answer that says nothing (a network failure) is not kept.
   */
  private async listed(entry: Entry): Promise<Listed> {
    const now = (this.deps.now ?? Date.now)();
    if (entry.listed && entry.listed.until > now) return entry.listed.answer;
    const answer = entry.client.listBuckets().then(
      (): Listed => 'ok',
      (le: unknown): Listed => (le instanceof StorageError && le.kind === 'denied' ? 'denied' : 'unknown'),
    );
    const cached = { until: now + LISTED_TTL_MS, answer };
    entry.listed = cached;
    const got = await answer;
    if (got === 'unknown' && entry.listed === cached) entry.listed = undefined;
    return got;
  }

  async headObject(req: Req<'headObject'>) {
    const { client, account } = await this.entry(req.accountId);
    return headObject(client, loc(req, account), req.key);
  }

  async createFolder(req: Req<'createFolder'>) {
    const { client, account } = await this.entry(req.accountId);
    return createFolder(client, loc(req, account), req.key);
  }

  async deleteObjects(req: Req<'deleteObjects'>): Promise<BatchResult> {
    const { client, account } = await this.entry(req.accountId);
    return deleteObjects(client, loc(req, account), req.keys);
  }

  async copyObject(req: Req<'copyObject'>): Promise<BatchResult> {
    return this.transfer(req, false);
  }

  async moveObject(req: Req<'moveObject'>): Promise<BatchResult> {
    return this.transfer(req, true);
  }

  async listUploads(req: Req<'listUploads'>) {
    const { client, account } = await this.entry(req.accountId);
    return { uploads: await describeUploads(client, loc(req, account), req.prefix) };
  }

  async abortUploads(req: Req<'abortUploads'>) {
    const { client, account } = await this.entry(req.accountId);
    return abortUploads(client, loc(req, account), req.uploads);
  }

  /** The account's client and a bucket's address as requests name it (for main-side services: operations). */
  async clientFor(
    accountId: string,
    bucket: string,
    region?: string,
  ): Promise<{ client: StorageClient; loc: BucketLoc; account: ResolvedAccount }> {
    const { client, account } = await this.entry(accountId);
    return { client, account, loc: loc({ bucket, region }, account) };
  }

  // Main-side calls that move bytes; the renderer reaches them through transfers, not the contract.

  async getObject(a: ObjectAddress, opts?: GetOptions): Promise<HttpResponse> {
    const { client, account } = await this.entry(a.accountId);
    return getObject(client, loc(a, account), a.key, opts);
  }

  async getObjectBytes(a: ObjectAddress, opts?: GetOptions): Promise<Uint8Array> {
    const { client, account } = await this.entry(a.accountId);
    return getObjectBytes(client, loc(a, account), a.key, opts);
  }

  async putObject(a: ObjectAddress, body: string | Uint8Array, opts?: PutOptions): Promise<PutResult> {
    const { client, account } = await this.entry(a.accountId);
    return putObject(client, loc(a, account), a.key, body, opts);
  }

  async deleteObject(a: ObjectAddress): Promise<void> {
    const { client, account } = await this.entry(a.accountId);
    return deleteObject(client, loc(a, account), a.key);
  }

  private async transfer(req: Req<'copyObject'>, move: boolean): Promise<BatchResult> {
    const { client, account } = await this.entry(req.accountId);
    const src = loc(req, account);
    // The contract names no destination region: a bucket of the same account is assumed to share it.
    const dst = req.toBucket === undefined ? src : loc({ bucket: req.toBucket, region: req.region }, account);
    return transfer(client, { src, key: req.key, dst, toKey: req.toKey, move });
  }

  private entry(accountId: string): Promise<Entry> {
    let e = this.entries.get(accountId);
    if (!e) {
      e = this.deps.resolveAccount(accountId).then((account) => ({
        account,
        client: new StorageClient(account, this.deps.clientOptions),
      }));
      // A failed resolve (missing secret, unknown id) must not stick: the user may fix it.
      e.catch(() => {
        if (this.entries.get(accountId) === e) this.entries.delete(accountId);
      });
      this.entries.set(accountId, e);
    }
    return e;
  }
}

/** COS buckets are `<name>-<APPID>`: a short name typed by a person gets the account's APPID. */
function loc(r: { bucket: string; region?: string }, account: ResolvedAccount): BucketLoc {
  const bucket = account.kind === 'cos' ? withAppIdIfMissing(r.bucket, account.appId) : r.bucket;
  return r.region === undefined ? { bucket } : { bucket, region: r.region };
}
