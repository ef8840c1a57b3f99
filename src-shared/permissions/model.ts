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
 * Whether two user ids name the same principal. COS writes one uin several ways
 * (`qcs::cam::uin/1:uin/1`, `uin/1`, `1`): compare the last uin.
 */
export function sameUser(a: string, b: string): boolean {
  if (a === b) return true;
  const ua = lastUin(a);
  const ub = lastUin(b);
  return ua !== undefined && ua === ub;
}

export function lastUin(id: string): string | undefined {
  const m = /uin\/(\d+)(?!.*uin\/)/.exec(id);
  if (m) return m[1];
  return /^\d+$/.test(id.trim()) ? id.trim() : undefined;
}

/** The CAM id COS grants and policies name a uin by; the root uin is the bucket owner's. */
export function camId(rootUin: string, uin: string): string {
  return `qcs::cam::uin/${rootUin}:uin/${uin}`;
}
