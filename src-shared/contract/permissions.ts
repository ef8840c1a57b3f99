import { z } from 'zod';
import { acl, cannedAcl, grant, permission } from '../permissions/model';
import { bucketRef, objectKey } from './storage';

const target = bucketRef.extend({ key: objectKey.optional() }).strict();
const folder = bucketRef.extend({ prefix: z.string().max(1024) }).strict();

export const aclView = acl.extend({
  /** The canned ACL the grants amount to, if they are exactly one. */
  canned: z.string().optional(),
});
export type AclView = z.infer<typeof aclView>;

export const policyView = z.object({
  /** The bucket policy, pretty-printed; null when the bucket has none. */
  document: z.string().nullable(),
  dialect: z.enum(['cos', 's3']),
  /** What the editor needs to write resources: COS names region and APPID. */
  context: z.object({ bucket: z.string(), region: z.string().optional(), appId: z.string().optional() }),
});
export type PolicyView = z.infer<typeof policyView>;

export const policyVersion = z.object({
  id: z.string(),
  savedAt: z.string(),
  document: z.string(),
  /** 'saved' by cosdesk, or 'before' = what the server had before the first save from here. */
  kind: z.enum(['saved', 'before']),
});
export type PolicyVersion = z.infer<typeof policyVersion>;

const rule = z.discriminatedUnion('source', [
  z.object({ source: z.literal('owner') }),
  z.object({
    source: z.literal('policy'),
    effect: z.enum(['allow', 'deny']),
    index: z.number(),
    sid: z.string().optional(),
  }),
  z.object({
    source: z.enum(['bucket-acl', 'object-acl']),
    permission,
    grantee: z.string(),
    inherited: z.boolean().optional(),
  }),
  z.object({ source: z.literal('none') }),
]);
const decision = z.object({ decision: z.enum(['allow', 'deny', 'none']), rule });

export const accessReport = z.object({
  rows: z.array(
    z.object({
      subject: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('anyone') }),
        z.object({ kind: z.literal('authenticated') }),
        z.object({ kind: z.literal('user'), id: z.string(), owner: z.boolean() }),
      ]),
      decisions: z.object({ read: decision, write: decision, list: decision }),
    }),
  ),
  conditional: z.array(z.object({ index: z.number(), sid: z.string().optional() })),
  perObjectAcls: z.boolean(),
});
export type AccessReportView = z.infer<typeof accessReport>;

export const permissionsContract = {
  /** The ACL of the bucket, or of the object `key`. */
  getAcl: { request: target, response: aclView },
  /** Sets a canned ACL and/or grants on the bucket (no keys) or on each of `keys`. */
  putAcl: {
    request: bucketRef
      .extend({
        keys: z.array(objectKey).max(1000).optional(),
        canned: cannedAcl.optional(),
        grants: z.array(grant).max(100).optional(),
      })
      .strict()
      .refine((r) => r.canned !== undefined || r.grants !== undefined, {
        message: 'give a canned ACL or grants',
      }),
    response: z.object({
      done: z.array(z.string()),
      errors: z.array(z.object({ key: z.string(), code: z.string(), message: z.string() })),
    }),
  },
  getPolicy: { request: bucketRef, response: policyView },
  /** Replaces the whole policy; the document is validated first and kept in the local history. */
  putPolicy: {
    request: bucketRef.extend({ document: z.string().min(1).max(20_480) }).strict(),
    response: policyView,
  },
  deletePolicy: { request: bucketRef, response: z.object({ deleted: z.boolean() }) },
  /** The last 20 versions saved from this machine, newest first. */
  policyHistory: { request: bucketRef, response: z.array(policyVersion) },
  restorePolicy: {
    request: bucketRef.extend({ id: z.string().max(64) }).strict(),
    response: policyView,
  },
  folderPublic: { request: folder, response: z.object({ public: z.boolean() }) },
  setFolderPublic: {
    request: folder.extend({ public: z.boolean() }).strict(),
    response: z.object({ public: z.boolean() }),
  },
  /** How many objects a folder holds, counting up to `cap` (then `more` is true). */
  countExposure: {
    request: folder.extend({ cap: z.number().int().min(1).max(1_000_000).default(100_000) }).strict(),
    response: z.object({ count: z.number(), more: z.boolean() }),
  },
  whoCanAccess: {
    request: bucketRef
      .extend({ key: z.string().max(1024), users: z.array(z.string().max(256)).max(20).optional() })
      .strict(),
    response: accessReport,
  },
} as const;
