import type { PermDialect } from './model';

/** The friendly action groups the editors offer, and what each means in each dialect. */
export const ACTION_GROUPS = ['read', 'write', 'list', 'full'] as const;
export type ActionGroup = (typeof ACTION_GROUPS)[number];

const GROUPS: Record<PermDialect, Record<ActionGroup, string[]>> = {
  s3: {
    read: ['s3:GetObject'],
    write: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    list: ['s3:ListBucket'],
    full: ['s3:*'],
  },
  cos: {
    read: ['name/cos:GetObject', 'name/cos:HeadObject'],
    write: [
      'name/cos:PutObject',
      'name/cos:PostObject',
      'name/cos:DeleteObject',
      'name/cos:InitiateMultipartUpload',
      'name/cos:UploadPart',
      'name/cos:CompleteMultipartUpload',
      'name/cos:AbortMultipartUpload',
      'name/cos:ListParts',
    ],
    list: ['name/cos:GetBucket'],
    full: ['name/cos:*'],
  },
};

export function actionsOf(dialect: PermDialect, group: ActionGroup): string[] {
  return [...GROUPS[dialect][group]];
}

/**
 * Every action that belongs to a group, beyond the ones the editor writes: a statement naming
 * only `name/cos:GetObject` is still "Read", and `name/cos:DeleteMultipleObjects` is "Write".
 * COS names from the COS API authorisation guide (cloud.tencent.com/document/product/436/30580).
 */
const MEMBERS: Record<PermDialect, Record<Exclude<ActionGroup, 'full'>, string[]>> = {
  s3: {
    read: ['s3:GetObject', 's3:GetObjectVersion'],
    write: [
      's3:PutObject',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
    ],
    list: ['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads'],
  },
  cos: {
    read: ['name/cos:GetObject', 'name/cos:HeadObject', 'name/cos:OptionsObject'],
    write: [
      'name/cos:PutObject',
      'name/cos:PostObject',
      'name/cos:AppendObject',
      'name/cos:PutObjectCopy',
      'name/cos:DeleteObject',
      'name/cos:DeleteMultipleObjects',
      'name/cos:InitiateMultipartUpload',
      'name/cos:UploadPart',
      'name/cos:UploadPartCopy',
      'name/cos:CompleteMultipartUpload',
      'name/cos:AbortMultipartUpload',
      'name/cos:ListParts',
    ],
    list: [
      'name/cos:GetBucket',
      'name/cos:HeadBucket',
      'name/cos:GetBucketObjectVersions',
      'name/cos:ListMultipartUploads',
    ],
  },
};

/** The group an action belongs to (case-insensitively), or undefined for an action of no group. */
export function groupOfAction(dialect: PermDialect, action: string): ActionGroup | undefined {
  const a = action.trim().toLowerCase();
  if (a === '*' || a === GROUPS[dialect].full[0].toLowerCase()) return 'full';
  for (const g of ['read', 'write', 'list'] as const) {
    if (MEMBERS[dialect][g].some((m) => m.toLowerCase() === a)) return g;
  }
  return undefined;
}

/**
 * The groups a statement's actions amount to, for showing it in friendly terms: a group is
 * ticked when the statement names any of its actions (`name/cos:GetObject` alone is Read).
 * Wildcards other than the full one (`s3:Get*`) tick nothing: the editor shows them as they are.
 */
export function groupsOf(dialect: PermDialect, actions: readonly string[]): ActionGroup[] {
  const found = new Set(actions.map((a) => groupOfAction(dialect, a)));
  if (found.has('full')) return ['full'];
  return ACTION_GROUPS.filter((g) => found.has(g));
}

/** The action an operation needs (what the server checks). */
export const OPERATION_ACTION: Record<PermDialect, Record<'read' | 'write' | 'list', string>> = {
  s3: { read: 's3:GetObject', write: 's3:PutObject', list: 's3:ListBucket' },
  cos: { read: 'name/cos:GetObject', write: 'name/cos:PutObject', list: 'name/cos:GetBucket' },
};

/** Whether a statement's action pattern (wildcards `*` and `?`, case-insensitive) covers an action. */
export function actionCovers(pattern: string, action: string): boolean {
  const p = pattern.trim();
  if (p === '*') return true;
  return glob(p.toLowerCase(), action.toLowerCase());
}

/** IAM-style glob: `*` any run of characters (slashes too), `?` exactly one. */
export function glob(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
