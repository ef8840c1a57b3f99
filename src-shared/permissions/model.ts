import { z } from 'zod';

/** The two ACL and policy dialects: COS (`qcs`, `name/cos:*`) and S3 (`arn:aws:s3:::`, `s3:*`). */
export type PermDialect = 'cos' | 's3';

export const PERMISSIONS = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'] as const;
export const permission = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof permission>;

export const BUCKET_CANNED = ['private', 'public-read', 'public-read-write', 'authenticated-read'] as const;
export const OBJECT_CANNED = [
  'default',
  'private',
  'public-read',
  'authenticated-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;
export const cannedAcl = z.enum([...new Set([...BUCKET_CANNED, ...OBJECT_CANNED])] as [string, ...string[]]);

export const GROUP_URIS = {
  cos: {
    all: 'http://cam.qcloud.com/groups/global/AllUsers',
    authenticated: 'http://cam.qcloud.com/groups/global/AuthenticatedUsers',
  },
  s3: {
    all: 'http://acs.amazonaws.com/groups/global/AllUsers',
    authenticated: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
  },
} as const;

export const COS_ANYONE = 'qcs::cam::anyone:anyone';

export const grantee = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('user'),
    /** COS: `qcs::cam::uin/<owner>:uin/<uin>`; S3: the canonical user id. */
    id: z.string().trim().min(1, 'give the grantee id').max(256),
    displayName: z.string().max(256).optional(),
  }),
  z.object({ type: z.literal('group'), group: z.enum(['all', 'authenticated']) }),
]);
export type Grantee = z.infer<typeof grantee>;

export const grant = z.object({ grantee, permission });
export type Grant = z.infer<typeof grant>;

export const acl = z.object({
  owner: z.object({ id: z.string(), displayName: z.string().optional() }),
  grants: z.array(grant),
});
export type Acl = z.infer<typeof acl>;

/** Which group a URI names, in either dialect; undefined for an unknown group. */
export function groupOfUri(uri: string): 'all' | 'authenticated' | undefined {
  for (const d of Object.values(GROUP_URIS)) {
    if (uri === d.all) return 'all';
    if (uri === d.authenticated) return 'authenticated';
  }
  return undefined;
}

/** The canned ACL an ACL amounts to, when it is exactly one; undefined for a custom grant set. */
export function cannedOf(a: Acl): string | undefined {
  const others = a.grants.filter((g) => !(g.grantee.type === 'user' && sameUser(g.grantee.id, a.owner.id)));
  const owns = a.grants.some(
    (g) => g.grantee.type === 'user' && sameUser(g.grantee.id, a.owner.id) && g.permission === 'FULL_CONTROL',
  );
  if (!owns) return undefined;
  const sig = others
    .map((g) => `${g.grantee.type === 'group' ? g.grantee.group : 'user'}:${g.permission}`)
    .sort()
    .join(',');
  switch (sig) {
    case '':
      return 'private';
    case 'all:READ':
      return 'public-read';
    case 'all:READ,all:WRITE':
      return 'public-read-write';
    case 'authenticated:READ':
      return 'authenticated-read';
    default:
      return undefined;
  }
}

/**
 * Whether two user ids name the same principal. COS writes one account several ways
 * (`qcs::cam::uin/1:uin/1`, `uin/1`, `1`; a sub-account `qcs::cam::uin/1:uin/11` or `1/11`):
 * compare the (root, uin) pair, never the last uin alone: `uin/1:uin/2` is a sub-user of 1,
 * not the root account 2.
 */
export function sameUser(a: string, b: string): boolean {
  if (a === b) return true;
  const ua = parseCosUser(a);
  const ub = parseCosUser(b);
  return ua !== undefined && ub !== undefined && ua.root === ub.root && ua.uin === ub.uin;
}

export function lastUin(id: string): string | undefined {
  const m = /uin\/(\d+)(?!.*uin\/)/.exec(id);
  if (m) return m[1];
  return /^\d+$/.test(id.trim()) ? id.trim() : undefined;
}

/** A COS user as CAM names it: the root account's uin and the user's own (equal for a root account). */
export interface CosUser {
  root: string;
  uin: string;
}

/**
 * Reads a COS user as typed or as stored: `X` or `uin/X` (the root account X), `O/S` (the
 * sub-account S of root account O, the grant-header form), `qcs::cam::uin/O:uin/S` (CAM id).
 * Undefined for anything else.
 */
export function parseCosUser(id: string): CosUser | undefined {
  const s = id.trim();
  let m = /^qcs::cam::uin\/(\d+):uin\/(\d+)$/.exec(s);
  if (m) return { root: m[1], uin: m[2] };
  m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) return { root: m[1], uin: m[2] };
  m = /^(?:uin\/)?(\d+)$/.exec(s);
  if (m) return { root: m[1], uin: m[1] };
  return undefined;
}

/** The CAM id of a COS user: `qcs::cam::uin/<root>:uin/<uin>`. */
export function cosCamId(u: CosUser): string {
  return `qcs::cam::uin/${u.root}:uin/${u.uin}`;
}

/** The grant-header form COS documents (PUT Bucket acl, 436/7737): `X` for a root account, `O/S` for a sub-account. */
export function cosHeaderId(u: CosUser): string {
  return u.root === u.uin ? u.root : `${u.root}/${u.uin}`;
}

/**
 * The CAM id for a root uin and a uin. `camId(X, X)` is the root account X;
 * `camId(O, S)` the sub-account S of O. Never pass the bucket owner as the root of another
 * root account: that names a sub-user of the owner that does not exist.
 */
export function camId(rootUin: string, uin: string): string {
  return cosCamId({ root: rootUin, uin });
}

/** Who a grant or a policy statement is for, as the editors and the CLI ask it. */
export const GRANTEE_KINDS = ['root', 'sub', 'all', 'authenticated'] as const;
export type GranteeKind = (typeof GRANTEE_KINDS)[number];

export interface GranteeChoice {
  kind: GranteeKind;
  /**
   * root: the other account (COS uin; S3 canonical user id / account id).
   * sub: the account the sub-account belongs to (COS root uin, default the bucket owner; S3 account id).
   */
  account?: string;
  /** sub: the sub-account (COS sub uin; S3 IAM user name). */
  sub?: string;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; en: string; zh: string };

const bad = <T>(en: string, zh: string): Resolved<T> => ({ ok: false, en, zh });
const UIN = /^\d{1,20}$/;

/** The bucket owner's root uin (COS), from the owner id an ACL reports. */
export function ownerRootUin(ownerId: string): string | undefined {
  return parseCosUser(ownerId)?.root;
}

/** An ACL grantee for a choice; the owner id (from the ACL) is the default account of a sub-account. */
export function granteeOfChoice(dialect: PermDialect, c: GranteeChoice, ownerId: string): Resolved<Grantee> {
  if (c.kind === 'all' || c.kind === 'authenticated')
    return { ok: true, value: { type: 'group', group: c.kind } };
  const account = (c.account ?? '').trim();
  const sub = (c.sub ?? '').trim();
  if (dialect === 's3') {
    if (c.kind === 'sub')
      return bad(
        'An S3 ACL grants to whole accounts (canonical user id) only; grant a user of another account in the bucket policy instead.',
        'S3 ACL 只能授权给整个账号（规范用户 ID）；要授权给其他账号下的用户，请使用存储桶策略。',
      );
    if (!account) return bad('Give the canonical user id of the account.', '请填写该账号的规范用户 ID。');
    return { ok: true, value: { type: 'user', id: account } };
  }
  if (c.kind === 'root') {
    if (!UIN.test(account))
      return bad(
        `"${account}" is not an account uin: a COS root account is a number like 100000000002.`,
        `“${account}”不是账号 UIN：COS 主账号是 100000000002 这样的数字。`,
      );
    return { ok: true, value: { type: 'user', id: camId(account, account) } };
  }
  const root = account || ownerRootUin(ownerId) || '';
  if (!UIN.test(root) || !UIN.test(sub))
    return bad(
      'A sub-account is named by its root account uin and its own uin, both numbers (e.g. 100000000001 and 100000000011).',
      '子账号由其主账号 UIN 和自身 UIN 指定，两者都是数字（如 100000000001 和 100000000011）。',
    );
  return { ok: true, value: { type: 'user', id: camId(root, sub) } };
}

/** The choice an existing grantee amounts to (for editing it). */
export function choiceOfGrantee(dialect: PermDialect, g: Grantee): GranteeChoice {
  if (g.type === 'group') return { kind: g.group };
  const u = dialect === 'cos' ? parseCosUser(g.id) : undefined;
  if (!u) return { kind: 'root', account: g.id };
  return u.root === u.uin ? { kind: 'root', account: u.root } : { kind: 'sub', account: u.root, sub: u.uin };
}

/**
 * A policy principal for a choice. COS: the CAM id (`qcs::cam::uin/X:uin/X` for a root
 * account, `qcs::cam::uin/O:uin/S` for a sub-account, `*` for anyone); S3: `arn:aws:iam:::user/<id>`
 * for an account's canonical user, `arn:aws:iam::<account>:user/<name>` for a user of an account.
 * Authenticated users exist only as an ACL group: a policy has no such principal.
 */
export function principalOfChoice(dialect: PermDialect, c: GranteeChoice, ownerId: string): Resolved<string> {
  if (c.kind === 'all') return { ok: true, value: '*' };
  if (c.kind === 'authenticated')
    return bad(
      '"Authenticated users" is an ACL group; a policy cannot name it. Use the ACL editor, or name the accounts.',
      '“认证用户”是 ACL 用户组，策略无法指定它。请使用 ACL 编辑器，或逐个指定账号。',
    );
  if (dialect === 's3') {
    const account = (c.account ?? '').trim();
    const sub = (c.sub ?? '').trim();
    if (c.kind === 'root')
      return account
        ? { ok: true, value: `arn:aws:iam:::user/${account}` }
        : bad('Give the user id of the account.', '请填写该账号的用户 ID。');
    if (!account || !sub) return bad('Give the account id and the user name.', '请填写账号 ID 和用户名。');
    return { ok: true, value: `arn:aws:iam::${account}:user/${sub}` };
  }
  const g = granteeOfChoice('cos', c, ownerId);
  if (!g.ok) return g;
  return { ok: true, value: g.value.type === 'user' ? g.value.id : '*' };
}
