import type { PolicyView, Services } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import {
  cannedOf,
  cosCamId,
  parseCosUser,
  type Acl,
  type PermDialect,
} from '../../src-shared/permissions/model';
import {
  isObj,
  parsePolicy,
  prettyPolicy,
  type Json,
  type PolicyStatement,
  type ResourceContext,
} from '../../src-shared/permissions/policy';
import { hasPublicRead, withPublicRead } from '../../src-shared/permissions/public-read';
import { whoCanAccess } from '../../src-shared/permissions/evaluate';
import type { ResolvedAccount } from '../accounts/types';
import { StorageClient, type StorageClientOptions } from '../storage/client';
import { StorageError } from '../storage/errors';
import { mapLimit } from '../storage/ops/pool';
import type { BucketLoc } from '../storage/ops/types';
import { getAcl, putAcl } from './acl-ops';
import { countObjects } from './exposure';
import { PolicyHistory } from './history';
import { deletePolicy, getPolicyText, putPolicyText } from './policy-ops';

type Api = Services['permissions'];
type Req<M extends keyof Api> = Parameters<Api[M]>[0];

export interface PermissionsServiceDeps {
  resolveAccount: (id: string) => Promise<ResolvedAccount>;
  dataDir: string;
  clientOptions?: StorageClientOptions;
}

interface Session {
  account: ResolvedAccount;
  client: StorageClient;
  dialect: PermDialect;
  loc: BucketLoc;
  ctx: ResourceContext;
}

/** ACLs, bucket policies, the folder switch and "who can access", over a client per call. */
export class PermissionsService implements Api {
  private readonly history: PolicyHistory;

  constructor(private readonly deps: PermissionsServiceDeps) {
    this.history = new PolicyHistory(deps.dataDir);
  }

  async getAcl(req: Req<'getAcl'>) {
    return this.with(req, async (s) => view(await getAcl(s.client, s.loc, req.key)));
  }

  async putAcl(req: Req<'putAcl'>) {
    if (req.canned === 'default' && req.keys === undefined) {
      throw new AppError('VALIDATION', 'A bucket has no "default" ACL: choose private, public-read, …');
    }
    return this.with(req, async (s) => {
      const change = { canned: req.canned, grants: req.grants };
      if (s.dialect === 's3' && req.canned === 'default') {
        throw new AppError('VALIDATION', 'S3 objects have no "default" ACL: choose private or public-read.');
      }
      if (req.keys === undefined) {
        await putAcl(s.client, s.loc, undefined, change);
        return { done: [''], errors: [] };
      }
      const done: string[] = [];
      const errors: { key: string; code: string; message: string }[] = [];
      await mapLimit(req.keys, 8, async (key) => {
        try {
          await putAcl(s.client, s.loc, key, change);
          done.push(key);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          errors.push({ key, code: e instanceof StorageError ? e.storageCode : e.code, message: e.message });
        }
      });
      return { done, errors };
    });
  }

  async getPolicy(req: Req<'getPolicy'>) {
    return this.with(req, (s) => this.policyView(s));
  }

  async putPolicy(req: Req<'putPolicy'>) {
    return this.with(req, async (s) => {
      const parsed = parsePolicy(req.document, s.dialect);
      if (!parsed.ok) {
        throw new AppError(
          'VALIDATION',
          parsed.problems.map((p) => (p.at ? `${p.at}: ${p.en}` : p.en)).join(' '),
          {
            problems: parsed.problems,
          },
        );
      }
      await this.write(s, parsed.raw);
      return this.policyView(s);
    });
  }

  async deletePolicy(req: Req<'deletePolicy'>) {
    return this.with(req, async (s) => {
      await this.write(s, null);
      return { deleted: true };
    });
  }

  async policyHistory(req: Req<'policyHistory'>) {
    return this.history.list(req.accountId, req.bucket);
  }

  async restorePolicy(req: Req<'restorePolicy'>) {
    const entry = (await this.history.list(req.accountId, req.bucket)).find((e) => e.id === req.id);
    if (!entry) throw new AppError('NOT_FOUND', 'That policy version is no longer in the history.');
    return this.putPolicy({
      accountId: req.accountId,
      bucket: req.bucket,
      region: req.region,
      document: entry.document,
    });
  }

  async folderPublic(req: Req<'folderPublic'>) {
    return this.with(req, async (s) => ({
      public: hasPublicRead(await this.currentDoc(s), s.loc.bucket, req.prefix),
    }));
  }

  async setFolderPublic(req: Req<'setFolderPublic'>) {
    return this.with(req, async (s) => {
      const next = withPublicRead(s.dialect, await this.currentDoc(s), s.ctx, req.prefix, req.public);
      await this.write(s, next);
      return { public: req.public };
    });
  }

  async countExposure(req: Req<'countExposure'>) {
    return this.with(req, (s) => countObjects(s.client, s.loc, req.prefix, req.cap));
  }

  async whoCanAccess(req: Req<'whoCanAccess'>) {
    return this.with(req, async (s) => {
      const folder = req.key === '' || req.key.endsWith('/');
      const [bucketAcl, objectAcl, doc] = await Promise.all([
        getAcl(s.client, s.loc),
        folder ? undefined : getAcl(s.client, s.loc, req.key),
        this.currentDoc(s),
      ]);
      return whoCanAccess({
        dialect: s.dialect,
        bucket: s.loc.bucket,
        key: req.key,
        bucketAcl,
        objectAcl,
        statements: doc ? statementsOf(doc, s.dialect) : [],
        objectAclInheritsBucket: s.dialect === 'cos',
        users: req.users?.map((u) => userIdOf(s, bucketAcl, u)),
      });
    });
  }

  private async currentDoc(s: Session): Promise<Json | null> {
    const text = await getPolicyText(s.client, s.loc);
    if (text === null) return null;
    try {
      const doc = JSON.parse(text) as unknown;
      return isObj(doc) ? doc : null;
    } catch {
      return null;
    }
  }

  private async policyView(s: Session): Promise<PolicyView> {
    const doc = await this.currentDoc(s);
    return { document: doc ? prettyPolicy(doc) : null, dialect: s.dialect, context: s.ctx };
  }

  /** Writes (or deletes, for null) the policy, recording what the server had and what it has now. */
  private async write(s: Session, next: Json | null): Promise<void> {
    const before = await this.currentDoc(s);
    const key = s.account.id ?? '';
    if (before) await this.history.record(key, s.loc.bucket, prettyPolicy(before), 'before');
    if (next === null) await deletePolicy(s.client, s.loc);
    else await putPolicyText(s.client, s.loc, JSON.stringify(next));
    if (next) await this.history.record(key, s.loc.bucket, prettyPolicy(next), 'saved');
  }

  private async with<T>(
    req: { accountId: string; bucket: string; region?: string },
    fn: (s: Session) => Promise<T>,
  ) {
    const account = await this.deps.resolveAccount(req.accountId);
    const client = new StorageClient(account, this.deps.clientOptions);
    const dialect: PermDialect = account.kind;
    const region = req.region ?? account.region;
    const loc: BucketLoc =
      req.region === undefined ? { bucket: req.bucket } : { bucket: req.bucket, region: req.region };
    const ctx: ResourceContext =
      dialect === 'cos'
        ? {
            bucket: req.bucket,
            region,
            appId: (account.kind === 'cos' ? account.appId : undefined) ?? /-(\d+)$/.exec(req.bucket)?.[1],
          }
        : { bucket: req.bucket };
    try {
      return await fn({
        account: { ...account, id: account.id ?? req.accountId },
        client,
        dialect,
        loc,
        ctx,
      });
    } finally {
      await client.close();
    }
  }
}

function view(a: Acl) {
  const canned = cannedOf(a);
  return canned === undefined ? a : { ...a, canned };
}

function statementsOf(doc: Json, dialect: PermDialect): PolicyStatement[] {
  const parsed = parsePolicy(JSON.stringify(doc));
  if (parsed.ok) return parsed.statements;
  throw new AppError(
    'STORAGE',
    `The bucket policy cannot be read (${parsed.problems[0]?.en ?? 'unknown format'}); fix it in the ${dialect === 'cos' ? 'COS' : 'S3'} policy editor first.`,
  );
}

/**
 * A user as typed → the id ACLs use. COS: `X` is the root account X, `O/S` the sub-account S
 * of O (never a sub-user of the bucket owner named after another account); S3: the user id.
 */
function userIdOf(s: Session, _bucketAcl: Acl, user: string): string {
  if (s.dialect === 's3' || user.startsWith('qcs::')) return user;
  const u = parseCosUser(user);
  return u ? cosCamId(u) : user;
}
