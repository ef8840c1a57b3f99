import type { Bridge } from '../../src-shared/contract';
import { AppError, errorKindOf } from '../../src-shared/errors';
import type { Main } from '../services';
import { adHocAccount } from './adhoc';
import type { CliContext, GlobalFlags } from './context';
import { parseTarget, type Target } from './target';

export type Dialect = 'cos' | 's3';

/** The account a storage command runs with, and the services to call. */
export interface Session {
  main: Main;
  bridge: Bridge;
  accountId: string;
  kind: Dialect;
  /** `--region`, passed as the per-call region override (COS buckets live in one region). */
  region?: string;
}

/** The dialect an account-less command means when no target names one (`accounts test`, `ls`). */
export function inferDialect(g: GlobalFlags): Dialect {
  return g.endpoint && !g.endpoint.includes('{bucket}') ? 's3' : 'cos';
}

const article = (d: Dialect) => (d === 's3' ? 'an S3' : 'a COS');

function hasAdHocSecret(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.COSDESK_SECRET_ID || env.COSDESK_SECRET_KEY);
}

/**
 * Picks the account for a command, in this order:
 *  1. `--account` / COSDESK_ACCOUNT: a stored account; the target's scheme must match its kind;
 *  2. COSDESK_SECRET_ID / COSDESK_SECRET_KEY: an ad-hoc account from the flags, for this process only;
 *  3. the only stored account of the scheme's kind (several: ask for --account).
 */
export async function openSession(
  ctx: CliContext,
  dialect: Dialect | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Session> {
  current = await pickAccount(ctx, dialect, env);
  return current;
}

/** The session of the running command, for explainFailure. */
let current: Session | undefined;

async function pickAccount(
  ctx: CliContext,
  dialect: Dialect | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Session> {
  const g = ctx.globals();
  const { main, bridge } = await ctx.main();
  const region = g.region;
  if (g.account) {
    const stored = await main.accounts.resolveRef(g.account);
    const kind = stored.fields.kind;
    if (dialect && dialect !== kind) {
      throw new AppError(
        'VALIDATION',
        `Account "${stored.fields.name}" is ${article(kind)} account: write ${kind}:// targets with it, or pick ${article(dialect)} account.`,
      );
    }
    return { main, bridge, accountId: stored.id, kind, region };
  }
  if (hasAdHocSecret(env)) {
    const kind = dialect ?? inferDialect(g);
    const accountId = main.accounts.registerEphemeral(adHocAccount(kind, g, env));
    return { main, bridge, accountId, kind, region };
  }
  const all = await bridge.accounts.list({});
  const candidates = dialect ? all.filter((a) => a.kind === dialect) : all;
  if (candidates.length === 1) {
    const only = candidates[0];
    return { main, bridge, accountId: only.id, kind: only.kind, region };
  }
  if (candidates.length > 1) {
    const names = candidates.map((a) => `"${a.name}"`).join(', ');
    throw new AppError(
      'VALIDATION',
      `Several ${dialect ? dialect.toUpperCase() + ' ' : ''}accounts are saved (${names}): choose one with --account <name>.`,
    );
  }
  // No stored account and no COSDESK_* variables: let adHocAccount explain what is missing.
  adHocAccount(dialect ?? inferDialect(g), g, env);
  throw new AppError('VALIDATION', 'No account given: pass --account <name>.');
}

/** A target that must name a bucket. */
export function bucketTarget(text: string): Target {
  const t = parseTarget(text);
  if (!t.bucket) {
    throw new AppError('VALIDATION', `"${text}" names no bucket: write ${t.dialect}://<bucket>/<key>.`);
  }
  return t;
}

/** A target that must name a key (not just a bucket). */
export function keyTarget(text: string, what = 'an object key'): Target {
  const t = bucketTarget(text);
  if (!t.key) {
    throw new AppError(
      'VALIDATION',
      `"${text}" names a bucket, not ${what}: write ${t.dialect}://${t.bucket}/<key>.`,
    );
  }
  return t;
}

export function asFolder(key: string): string {
  return key === '' || key.endsWith('/') ? key : key + '/';
}

/** The last path segment, keeping a folder's trailing '/': `a/b.txt` -> `b.txt`, `a/b/` -> `b/`. */
export function baseName(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const name = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return key.endsWith('/') ? name + '/' : name;
}

/**
 * Where `cp`/`mv` put a source: a destination that is a bucket root or ends in '/' means
 * "into this folder, keep the name"; otherwise it is the new name (a folder's gets a '/').
 */
export function destinationKey(srcKey: string, dstKey: string): string {
  if (dstKey === '' || dstKey.endsWith('/')) return dstKey + baseName(srcKey);
  return srcKey.endsWith('/') ? dstKey + '/' : dstKey;
}

export function storageCodeOf(err: unknown): string | undefined {
  if (!(err instanceof AppError)) return undefined;
  const c = err.details?.storageCode;
  return typeof c === 'string' ? c : undefined;
}

export function isNotFound(err: unknown): boolean {
  const c = storageCodeOf(err);
  return c === 'NoSuchKey' || c === 'NotFound';
}

export function uri(dialect: Dialect, bucket: string, key = ''): string {
  return `${dialect}://${bucket}/${key}`;
}

/**
 * Ceph RGW answers a wrong secret key with 403 AccessDenied, as it answers a real lack of
 * permission. Any valid key may list its own buckets: when that is denied too, the
 * credentials are wrong, and the message says so. One extra request, on failure only.
 */
export async function explainFailure(err: unknown): Promise<unknown> {
  const s = current;
  // COS names bad credentials itself (SignatureDoesNotMatch, InvalidAccessKeyId): only an S3
  // server's bare AccessDenied needs a probe to tell a wrong secret from a refusal.
  if (!s || s.kind === 'cos' || !(err instanceof AppError) || errorKindOf(err) !== 'denied') return err;
  const d = err.details ?? {};
  if (d.status !== 403) return err;
  try {
    await s.bridge.storage.listBuckets({ accountId: s.accountId });
    return err;
  } catch (probe) {
    if (storageCodeOf(probe) !== 'AccessDenied') return err;
    return new AppError(
      'STORAGE',
      'The server refused this key, for listing buckets too (AccessDenied): the secret key is wrong, or the key id is unknown. Check them; if they are right, ask the owner for permission.',
      { ...d, kind: 'credentials' },
    );
  }
}
