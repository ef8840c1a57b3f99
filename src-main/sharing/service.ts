import type {
  LinkEntry,
  PresignResponse,
  Services,
  UploadLinkResponse,
  ValidityLimits,
} from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { maskKeyId } from '../accounts/service';
import type { ResolvedAccount } from '../accounts/types';
import type { EventHub } from '../ipc/events';
import { StorageClient, type StorageClientOptions } from '../storage/client';
import { serverClock, serverKeyOf } from '../storage/clock';
import { EndpointError } from '../storage/endpoints';
import { invalidEndpointError, StorageError } from '../storage/errors';
import { headObject } from '../storage/ops/objects';
import { checkLink } from './check-link';
import { LinkLog } from './link-log';
import { mintKeys } from './mint';
import { postCurl, postForm, putCurl } from './post-policy';
import { createPresigner } from './presign';
import { findPublic, type PublicCheck } from './public';
import { capValidity, validityLimits } from './validity';

type Api = Services['sharing'];

/** How long making a link may wait to learn the server's clock. */
const CLOCK_PROBE_MS = 5_000;
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

export interface SharingDeps {
  resolveAccount: (id: string) => Promise<ResolvedAccount>;
  dataDir: string;
  hub: EventHub;
  clientOptions?: StorageClientOptions;
  now?: () => number;
}

const keyIdOf = (a: ResolvedAccount) => (a.kind === 'cos' ? a.secretId : a.accessKeyId);
const credential = (a: ResolvedAccount) => ({
  kind: a.kind,
  id: a.id,
  tokenExpiresAt: a.tokenExpiresAt,
  hasToken: a.secret.sessionToken !== undefined,
});

/** Pre-signed links with honest validity, the link log, the link check and minting temporary keys. */
export class SharingService implements Api {
  readonly log: LinkLog;
  private readonly now: () => number;

  constructor(private readonly deps: SharingDeps) {
    this.log = new LinkLog(deps.dataDir);
    this.now = deps.now ?? Date.now;
  }

  async limits({ accountId }: Req<'limits'>): Promise<ValidityLimits> {
    const account = await this.deps.resolveAccount(accountId);
    // A token's expiry is in the server's time: compare with the server clock as known so far.
    const clock = serverClock(serverKeyOf(account), this.deps.clientOptions?.now ?? Date.now);
    return validityLimits(credential(account), this.now() + clock.offsetMs);
  }

  async presign(req: Req<'presign'>): Promise<PresignResponse> {
    if (req.method === 'GET' && req.contentType) {
      throw new AppError('VALIDATION', 'A fixed Content-Type applies to upload (PUT) links only.');
    }
    if (req.method === 'PUT' && req.downloadName) {
      throw new AppError('VALIDATION', 'A download name applies to download (GET) links only.');
    }
    const account = await this.deps.resolveAccount(req.accountId);
    const loc = { bucket: req.bucket, region: req.region };
    const client = new StorageClient(account, { maxAttempts: 2, ...this.deps.clientOptions });
    let pub: PublicCheck = { reasons: new Map(), partial: false };
    const checked = req.method === 'GET' && req.checkPublic;
    let offsetMs: number;
    try {
      // A link counts in the server's time: "valid 1 hour" must hold however far off this clock is.
      // Asked once per server and process; offline, the link is signed by this computer's clock.
      offsetMs = (await client.syncClock(loc, AbortSignal.timeout(CLOCK_PROBE_MS))).offsetMs;
      if (checked) pub = await this.publicKeys(client, account, loc, req.keys);
    } finally {
      await client.close().catch(() => undefined);
    }
    const localMs = this.now();
    const serverMs = localMs + offsetMs;
    const { seconds, capped } = capValidity(credential(account), req.expiresSeconds, serverMs);
    const startSec = Math.floor(serverMs / 1000);

    const presigner = createPresigner(account);
    const links = [];
    try {
      for (const key of req.keys) {
        const publicReason = pub.reasons.get(key);
        const o = { ...loc, key, customDomain: req.customDomain };
        const url = publicReason
          ? presigner.plainUrl(o)
          : await presigner.sign({
              ...o,
              method: req.method,
              startSec,
              seconds,
              contentType: req.contentType,
              downloadName: req.downloadName,
            });
        links.push(publicReason ? { key, url, publicReason } : { key, url });
      }
    } catch (e) {
      if (e instanceof EndpointError) throw invalidEndpointError(e.message);
      throw e;
    }

    // When this computer's clock will read the link's end (what the page counts down to).
    const expiresAt = new Date((startSec + seconds) * 1000 - offsetMs).toISOString();
    const keyIdMasked = maskKeyId(keyIdOf(account));
    const temporaryKey = account.secret.sessionToken !== undefined;
    if (req.log) {
      const createdAt = new Date(localMs).toISOString();
      const entries: LinkEntry[] = links.map((l) => ({
        id: LinkLog.newId(),
        accountId: req.accountId,
        keyIdMasked,
        bucket: req.bucket,
        region: req.region,
        key: l.key,
        method: req.method,
        createdAt,
        expiresAt: l.publicReason ? undefined : expiresAt,
        // A URL signed with a temporary key embeds its token: keep the facts, not the URL.
        url: temporaryKey && !l.publicReason ? undefined : l.url,
        reissueNeeded: temporaryKey && !l.publicReason ? true : undefined,
        publicReason: l.publicReason,
        contentType: req.contentType,
        downloadName: req.downloadName,
        customDomain: req.customDomain,
      }));
      const count = await this.log.append(entries);
      this.deps.hub.emit('sharing.linksChanged', { count });
    }
    return {
      links,
      method: req.method,
      requestedSeconds: req.expiresSeconds,
      seconds,
      expiresAt,
      capped,
      keyIdMasked,
      temporaryKey,
      publicCheck: !checked ? 'skipped' : pub.partial ? 'partial' : 'done',
    };
  }

  async listLinks(): Promise<{ entries: LinkEntry[] }> {
    return { entries: await this.log.list() };
  }

  async clearLinks(): Promise<{ removed: number }> {
    const removed = await this.log.clear();
    this.deps.hub.emit('sharing.linksChanged', { count: 0 });
    return { removed };
  }

  async reissue(req: Req<'reissue'>): Promise<PresignResponse> {
    const e = await this.log.find(req.id);
    if (!e) throw new AppError('NOT_FOUND', 'That link is no longer in the link log.', { id: req.id });
    const previous = e.expiresAt
      ? Math.round((Date.parse(e.expiresAt) - Date.parse(e.createdAt)) / 1000)
      : 3600;
    return this.presign({
      accountId: e.accountId,
      bucket: e.bucket,
      region: e.region,
      keys: [e.key],
      method: e.method,
      expiresSeconds: req.expiresSeconds ?? Math.max(1, previous),
      contentType: e.contentType,
      downloadName: e.downloadName,
      customDomain: e.customDomain,
      checkPublic: true,
      log: true,
    });
  }

  checkLink(req: Req<'checkLink'>) {
    return checkLink(req.url);
  }

  async mint(req: Req<'mint'>) {
    const account = await this.deps.resolveAccount(req.accountId);
    return mintKeys(account, req);
  }

  /**
   * An upload link for a key that may not exist yet. With a name: a pre-signed PUT for
   * `<folder><name>`, and whether that key exists now (HEAD: the upload would replace it).
   * Without: a POST form whose policy lets any key under `<folder>` in, until it expires.
   */
  async uploadLink(req: Req<'uploadLink'>): Promise<UploadLinkResponse> {
    if (req.name !== undefined) {
      const key = req.folder + req.name;
      const r = await this.presign({
        accountId: req.accountId,
        bucket: req.bucket,
        region: req.region,
        keys: [key],
        method: 'PUT',
        expiresSeconds: req.expiresSeconds,
        contentType: req.contentType,
        checkPublic: false,
        log: req.log,
      });
      const url = r.links[0].url;
      return {
        mode: 'put',
        key,
        url,
        fields: [],
        curl: putCurl(url, req.contentType),
        exists: await this.exists(req.accountId, { bucket: req.bucket, region: req.region }, key),
        requestedSeconds: r.requestedSeconds,
        seconds: r.seconds,
        expiresAt: r.expiresAt,
        capped: r.capped,
        keyIdMasked: r.keyIdMasked,
        temporaryKey: r.temporaryKey,
      };
    }
    const account = await this.deps.resolveAccount(req.accountId);
    const loc = { bucket: req.bucket, region: req.region };
    const client = new StorageClient(account, { maxAttempts: 2, ...this.deps.clientOptions });
    let offsetMs: number;
    try {
      offsetMs = (await client.syncClock(loc, AbortSignal.timeout(CLOCK_PROBE_MS))).offsetMs;
    } finally {
      await client.close().catch(() => undefined);
    }
    const serverMs = this.now() + offsetMs;
    const { seconds, capped } = capValidity(credential(account), req.expiresSeconds, serverMs);
    const startSec = Math.floor(serverMs / 1000);
    let form;
    try {
      form = postForm(account, {
        ...loc,
        prefix: req.folder,
        startSec,
        seconds,
        contentType: req.contentType,
      });
    } catch (e) {
      if (e instanceof EndpointError) throw invalidEndpointError(e.message);
      throw e;
    }
    return {
      mode: 'post',
      key: req.folder,
      url: form.url,
      fields: form.fields,
      curl: postCurl(form),
      exists: false,
      requestedSeconds: req.expiresSeconds,
      seconds,
      expiresAt: new Date((startSec + seconds) * 1000 - offsetMs).toISOString(),
      capped,
      keyIdMasked: maskKeyId(keyIdOf(account)),
      temporaryKey: account.secret.sessionToken !== undefined,
    };
  }

  /** Whether `key` exists (HEAD answers); a 404 means no, anything else is not known: no. */
  private async exists(accountId: string, loc: { bucket: string; region?: string }, key: string) {
    const account = await this.deps.resolveAccount(accountId);
    const client = new StorageClient(account, { maxAttempts: 2, ...this.deps.clientOptions });
    try {
      await headObject(client, loc, key);
      return true;
    } catch (e) {
      if (e instanceof StorageError) return false;
      throw e;
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  private async publicKeys(
    client: StorageClient,
    account: ResolvedAccount,
    loc: { bucket: string; region?: string },
    keys: readonly string[],
  ): Promise<PublicCheck> {
    try {
      return await findPublic(client, account.kind, loc, keys);
    } catch {
      // The check is a courtesy: when it cannot be made, a signed link still works.
      return { reasons: new Map(), partial: true };
    }
  }
}
