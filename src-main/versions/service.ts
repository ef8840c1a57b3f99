import type { Services } from '../../src-shared/contract';
import type { ResolvedAccount } from '../accounts/types';
import { createPresigner } from '../sharing/presign';
import { StorageClient, type StorageClientOptions } from '../storage/client';
import { mimeType } from '../storage/content-type';
import { StorageError } from '../storage/errors';
import { withAppIdIfMissing } from '../storage/ops/bucket-names';
import { getObject } from '../storage/ops/objects';
import type { BucketLoc } from '../storage/ops/types';
import {
  deletedInFolder,
  deleteVersion,
  getVersioning,
  listVersions,
  restoreVersion,
  setVersioning,
  undelete,
  versionsOfKey,
} from './ops';

type Api = Services['versions'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

export interface VersionsServiceDeps {
  resolveAccount: (id: string) => Promise<ResolvedAccount>;
  clientOptions?: StorageClientOptions;
  now?: () => number;
}

/** Preview links live 15 minutes: long enough to watch a clip, short enough not to matter if copied. */
export const PREVIEW_SECONDS = 15 * 60;
const CLOCK_PROBE_MS = 3000;

/** Versioning, versions and delete markers, and the preview's signed links and text. */
export class VersionsService implements Api {
  private readonly clients = new Map<string, Promise<{ account: ResolvedAccount; client: StorageClient }>>();

  constructor(private readonly deps: VersionsServiceDeps) {}

  async getVersioning(req: Req<'getVersioning'>) {
    const { client, loc } = await this.with(req);
    return { status: await getVersioning(client, loc) };
  }

  async setVersioning(req: Req<'setVersioning'>) {
    const { client, loc } = await this.with(req);
    await setVersioning(client, loc, req.status);
    return { status: await getVersioning(client, loc) };
  }

  async listVersions(req: Req<'listVersions'>) {
    const { client, loc } = await this.with(req);
    return listVersions(client, loc, {
      prefix: req.prefix,
      delimiter: req.delimiter,
      keyMarker: req.keyMarker,
      versionIdMarker: req.versionIdMarker,
      maxKeys: req.maxKeys,
    });
  }

  async objectVersions(req: Req<'objectVersions'>) {
    const { client, loc } = await this.with(req);
    return versionsOfKey(client, loc, req.key);
  }

  async restore(req: Req<'restore'>) {
    const { client, loc } = await this.with(req);
    return restoreVersion(client, loc, req.key, req.versionId);
  }

  async deleteVersion(req: Req<'deleteVersion'>) {
    const { client, loc } = await this.with(req);
    return deleteVersion(client, loc, req.key, req.versionId);
  }

  async listDeleted(req: Req<'listDeleted'>) {
    const { client, loc } = await this.with(req);
    return deletedInFolder(client, loc, req.prefix);
  }

  async undelete(req: Req<'undelete'>) {
    const { client, loc } = await this.with(req);
    return undelete(client, loc, req.key);
  }

  async previewUrl(req: Req<'previewUrl'>) {
    const { client, loc, account } = await this.with(req);
    const contentType = req.contentType || mimeType(req.key) || 'application/octet-stream';
    // Signed in the server's time, like shared links, so a skewed clock does not kill the preview.
    const offsetMs = (await client.syncClock(loc, AbortSignal.timeout(CLOCK_PROBE_MS))).offsetMs;
    const serverMs = (this.deps.now ?? Date.now)() + offsetMs;
    const startSec = Math.floor(serverMs / 1000);
    let seconds = PREVIEW_SECONDS;
    const tokenEnd = account.tokenExpiresAt ? Date.parse(account.tokenExpiresAt) : NaN;
    if (Number.isFinite(tokenEnd))
      seconds = Math.max(1, Math.min(seconds, Math.floor((tokenEnd - serverMs) / 1000)));
    const query: Record<string, string> = { 'response-content-type': contentType };
    if (req.versionId) query['versionId'] = req.versionId;
    const url = await createPresigner(account).sign({
      ...loc,
      key: req.key,
      method: 'GET',
      startSec,
      seconds,
      query,
    });
    return { url, expiresAt: new Date((startSec + seconds) * 1000).toISOString(), contentType };
  }

  async previewText(req: Req<'previewText'>) {
    const { client, loc } = await this.with(req);
    let res;
    try {
      res = await getObject(client, loc, req.key, {
        range: `bytes=0-${req.maxBytes - 1}`,
        versionId: req.versionId,
      });
    } catch (e) {
      // A Range on an empty object is unsatisfiable: the object is there, it holds no text.
      if (e instanceof StorageError && e.status === 416)
        return { text: '', truncated: false, size: 0, binary: false };
      throw e;
    }
    const bytes = new Uint8Array(await res.body.arrayBuffer());
    const total = /\/(\d+)$/.exec(res.headers['content-range'] ?? '')?.[1];
    const size = total !== undefined ? Number(total) : bytes.byteLength;
    // Never more than asked for, even from a server that ignored the Range.
    const body = bytes.subarray(0, req.maxBytes);
    const truncated = size > body.byteLength;
    return { ...decodeText(body, truncated), truncated, size };
  }

  close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    return Promise.all(all.map((c) => c.then((e) => e.client.close()).catch(() => undefined))).then(
      () => undefined,
    );
  }

  /** Drops the cached client of an account (or all) after it changed. */
  invalidate(accountId?: string): Promise<void> {
    if (accountId === undefined) return this.close();
    const e = this.clients.get(accountId);
    this.clients.delete(accountId);
    return e ? e.then((x) => x.client.close()).catch(() => undefined) : Promise.resolve();
  }

  private async with(r: { accountId: string; bucket: string; region?: string }) {
    let e = this.clients.get(r.accountId);
    if (!e) {
      e = this.deps.resolveAccount(r.accountId).then((account) => ({
        account,
        client: new StorageClient(account, this.deps.clientOptions),
      }));
      e.catch(() => {
        if (this.clients.get(r.accountId) === e) this.clients.delete(r.accountId);
      });
      this.clients.set(r.accountId, e);
    }
    const { account, client } = await e;
    const bucket = account.kind === 'cos' ? withAppIdIfMissing(r.bucket, account.appId) : r.bucket;
    const loc: BucketLoc = r.region === undefined ? { bucket } : { bucket, region: r.region };
    return { account, client, loc };
  }
}

/** UTF-8 text, unless the bytes are plainly not text (a NUL, or invalid UTF-8 before the cut). */
export function decodeText(bytes: Uint8Array, truncated: boolean): { text: string; binary: boolean } {
  if (bytes.subarray(0, 8192).includes(0)) return { text: '', binary: true };
  try {
    // `stream` when cut: a character split by the cut is left out instead of failing the decode.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
    return { text, binary: false };
  } catch {
    return { text: '', binary: true };
  }
}
