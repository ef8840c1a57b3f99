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

/** The groups a statement's action list covers entirely, for showing it in friendly terms. */
export function groupsOf(dialect: PermDialect, actions: readonly string[]): ActionGroup[] {
  return ACTION_GROUPS.filter((g) => {
    if (g === 'full') return actions.some((a) => actionCovers(a, GROUPS[dialect].full[0]));
    return GROUPS[dialect][g].every((x) => actions.some((a) => actionCovers(a, x)));
  });
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
