import { actionsOf } from './actions';
import { COS_ANYONE, type PermDialect } from './model';
import {
  isObj,
  parsePolicy,
  policyDocument,
  resourceOf,
  resourceTail,
  statementDoc,
  statementsKey,
  type Json,
  type ResourceContext,
} from './policy';

const READ_ACTIONS = new Set(['s3:getobject', 'name/cos:getobject', 'name/cos:headobject']);

/** Marks the statement the folder switch owns, so turning it off touches nothing else. */
export const PUBLIC_READ_SID_PREFIX = 'cosdesk-public-read:';

export function publicReadSid(prefix: string): string {
  return PUBLIC_READ_SID_PREFIX + prefix;
}

/** The one statement that makes every object under `prefix` readable by anyone. */
export function publicReadStatement(dialect: PermDialect, ctx: ResourceContext, prefix: string): Json {
  return statementDoc(dialect, {
    sid: publicReadSid(prefix),
    effect: 'allow',
    principals: ['*'],
    actions: actionsOf(dialect, 'read'),
    resources: [resourceOf(dialect, ctx, `${prefix}*`)],
  });
}

/**
 * Whether a raw statement is the managed one for `prefix`: by its sid, or, for a server that
 * drops sids, by its exact shape (allow, anyone only, read actions only, the one folder resource,
 * no condition).
 */
export function isPublicReadStatement(st: unknown, bucket: string, prefix: string): boolean {
  if (!isObj(st)) return false;
  const parsed = parsePolicy(JSON.stringify({ statement: [st] }));
  if (!parsed.ok) return false;
  const s = parsed.statements[0];
  if (s.sid !== undefined) return s.sid === publicReadSid(prefix);
  return (
    s.effect === 'allow' &&
    s.condition === undefined &&
    s.principals.length > 0 &&
    s.principals.every((p) => p === '*' || p === COS_ANYONE) &&
    s.actions.every((a) => READ_ACTIONS.has(a.toLowerCase())) &&
    s.resources.length === 1 &&
    resourceTail(s.resources[0]) === `${bucket}/${prefix}*`
  );
}

/**
 * The policy after switching the folder on or off, leaving every other statement exactly as it
 * was; null when no statement is left (the caller deletes the policy instead of writing an empty one).
 */
export function withPublicRead(
  dialect: PermDialect,
  current: Json | null,
  ctx: ResourceContext,
  prefix: string,
  on: boolean,
): Json | null {
  const doc: Json = current ? { ...current } : policyDocument(dialect, []);
  const key = statementsKey(doc);
  const list = doc[key];
  const statements: unknown[] = Array.isArray(list) ? list : list === undefined ? [] : [list];
  const others = statements.filter((s) => !isPublicReadStatement(s, ctx.bucket, prefix));
  const next = on ? [...others, publicReadStatement(dialect, ctx, prefix)] : others;
  if (next.length === 0) return null;
  doc[key] = next;
  return doc;
}

/** Whether the document holds the managed statement for `prefix`. */
export function hasPublicRead(current: Json | null, bucket: string, prefix: string): boolean {
  if (!current) return false;
  const list = current[statementsKey(current)];
  const statements: unknown[] = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return statements.some((s) => isPublicReadStatement(s, bucket, prefix));
}
