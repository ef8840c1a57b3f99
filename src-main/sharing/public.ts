import type { StorageClient } from '../storage/client';
import { StorageError } from '../storage/errors';
import { mapLimit } from '../storage/ops/pool';
import { child, list, parseXml, text } from '../storage/xml';

/**
 * A deliberately small "is this object public-read?" check, enough to offer a plain URL:
 * an AllUsers READ grant on the object (or, on COS, on the bucket its objects inherit from),
 * or a bucket policy statement that lets anyone GetObject on a matching prefix with no deny.
 * Conditions make a statement not count: we only say "public" when we are sure.
 * (The full permission model lives in src-main/permissions.)
 */
export type PublicReason = 'object-acl' | 'bucket-acl' | 'bucket-policy';

export interface PublicCheck {
  reasons: Map<string, PublicReason>;
  /** Some ACL or policy could not be read (no permission): a key may be public without our knowing. */
  partial: boolean;
}

/** Object ACLs are one request per key: past this many keys only the bucket is looked at. */
export const OBJECT_ACL_LIMIT = 100;

const isAllUsers = (uri: string | undefined) => !!uri && /\/groups\/global\/AllUsers$/.test(uri);

export function aclIsPublicRead(doc: Record<string, unknown>): boolean {
  const grants = list(child(doc['AccessControlPolicy'], 'AccessControlList'), 'Grant');
  return grants.some((g) => {
    const perm = text(g, 'Permission');
    return isAllUsers(text(child(g, 'Grantee'), 'URI')) && (perm === 'READ' || perm === 'FULL_CONTROL');
  });
}

type Json = Record<string, unknown>;
const prop = (o: unknown, name: string): unknown => {
  if (!o || typeof o !== 'object') return undefined;
  const hit = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return hit === undefined ? undefined : (o as Json)[hit];
};
const arr = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function isAnyone(principal: unknown): boolean {
  if (principal === '*') return true;
  const values = Object.values((principal ?? {}) as Json).flatMap(arr);
  return values.some((v) => v === '*' || v === 'qcs::cam::anyone:anyone');
}

function allowsGetObject(action: unknown): boolean {
  return arr(action).some((a) =>
    ['*', 's3:*', 's3:getobject', 'name/cos:*', 'name/cos:getobject', 'cos:*', 'cos:getobject'].includes(
      String(a).toLowerCase(),
    ),
  );
}

function globToRegExp(glob: string): RegExp {
  const esc = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${esc}$`, 's');
}

/** The key pattern a resource names in `bucket`, e.g. `folder/*` of `arn:aws:s3:::b/folder/*`. */
function keyPattern(resource: string, bucket: string): string | undefined {
  const at = resource.indexOf(`:${bucket}/`);
  if (at >= 0) return resource.slice(at + bucket.length + 2);
  return resource === '*' ? '*' : undefined;
}

/** Which keys the policy makes anonymously readable (allow without condition, and no deny). */
export function policyPublicKeys(policyText: string, bucket: string, keys: readonly string[]): Set<string> {
  let doc: unknown;
  try {
    doc = JSON.parse(policyText);
  } catch {
    return new Set();
  }
  const allow: RegExp[] = [];
  const deny: RegExp[] = [];
  for (const st of arr(prop(doc, 'statement'))) {
    if (!isAnyone(prop(st, 'principal')) || !allowsGetObject(prop(st, 'action'))) continue;
    const effect = String(prop(st, 'effect') ?? '').toLowerCase();
    const conditional = prop(st, 'condition') !== undefined;
    const patterns = arr(prop(st, 'resource'))
      .map((r) => keyPattern(String(r), bucket))
      .filter((p): p is string => p !== undefined)
      .map(globToRegExp);
    if (effect === 'deny') deny.push(...patterns);
    else if (effect === 'allow' && !conditional) allow.push(...patterns);
  }
  return new Set(keys.filter((k) => allow.some((r) => r.test(k)) && !deny.some((r) => r.test(k))));
}

async function readText(client: StorageClient, req: Parameters<StorageClient['requestText']>[0]) {
  try {
    return (await client.requestText(req)).text;
  } catch (e) {
    if (e instanceof StorageError && e.status !== undefined && e.status < 500) return undefined;
    throw e;
  }
}

export async function findPublic(
  client: StorageClient,
  kind: 'cos' | 's3',
  loc: { bucket: string; region?: string },
  keys: readonly string[],
): Promise<PublicCheck> {
  const reasons = new Map<string, PublicReason>();
  let partial = false;
  const policy = await readText(client, { method: 'GET', ...loc, query: { policy: '' } });
  // 404 NoSuchBucketPolicy is the usual answer and not a gap; a 403 is.
  if (policy !== undefined)
    for (const k of policyPublicKeys(policy, loc.bucket, keys)) reasons.set(k, 'bucket-policy');

  // Only COS objects inherit the bucket ACL (their ACL is "default"); an S3 bucket's READ means listing.
  if (kind === 'cos') {
    const acl = await readText(client, { method: 'GET', ...loc, query: { acl: '' } });
    if (acl === undefined) partial = true;
    else if (aclIsPublicRead(parseXml(acl)))
      for (const k of keys) if (!reasons.has(k)) reasons.set(k, 'bucket-acl');
  }

  const rest = keys.filter((k) => !reasons.has(k));
  if (rest.length > OBJECT_ACL_LIMIT) return { reasons, partial: true };
  await mapLimit(rest, 8, async (key) => {
    const acl = await readText(client, { method: 'GET', ...loc, key, query: { acl: '' } });
    if (acl === undefined) partial = true;
    else if (aclIsPublicRead(parseXml(acl))) reasons.set(key, 'object-acl');
  });
  return { reasons, partial };
}
