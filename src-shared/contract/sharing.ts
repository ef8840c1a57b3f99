import { z } from 'zod';
import { accountId } from './accounts';
import { bucketName, bucketRef, objectKey } from './storage';

/** The longest validity SigV4 query signing allows (AWS and RGW refuse anything longer). */
export const S3_MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
/** The dialog's validity presets: 15 minutes, 1 hour, 2 hours, 1 day, 7 days. */
export const LINK_PRESETS_SECONDS = [900, 3600, 7200, 86_400, 604_800] as const;
/** COS GetFederationToken: default, root-account maximum, sub-account maximum (seconds). */
export const MINT_DEFAULT_SECONDS = 1800;
export const MINT_MAX_ROOT_SECONDS = 7200;
export const MINT_MAX_SUB_SECONDS = 129_600;
/** How many links one request may ask for (a large selection). */
export const MAX_LINKS_PER_REQUEST = 10_000;

const httpUrl = z
  .string()
  .trim()
  .max(512)
  .refine((s) => /^https?:\/\/[^\s/]+/i.test(s), { message: 'must be an http:// or https:// address' });

export const linkMethod = z.enum(['GET', 'PUT']);
export type LinkMethod = z.infer<typeof linkMethod>;

/** Why a validity was shortened: the temporary key dies first, or the dialect allows no more. */
export const validityCap = z.object({
  reason: z.enum(['token', 's3-max']),
  maxSeconds: z.number(),
});
export type ValidityCap = z.infer<typeof validityCap>;

export const validityLimits = z.object({
  /** The longest validity this account's credential can honour now; absent means no limit. */
  maxSeconds: z.number().optional(),
  reason: z.enum(['token', 's3-max']).optional(),
  tokenExpiresAt: z.string().optional(),
  /** A temporary key without a recorded expiry: links may die earlier than they say. */
  tokenExpiryUnknown: z.boolean(),
});
export type ValidityLimits = z.infer<typeof validityLimits>;

export const presignRequest = bucketRef
  .extend({
    keys: z.array(objectKey).min(1).max(MAX_LINKS_PER_REQUEST),
    method: linkMethod.default('GET'),
    expiresSeconds: z
      .number()
      .int()
      .min(1)
      .max(10 * 366 * 86_400),
    /** PUT only: the uploader must send exactly this Content-Type. */
    contentType: z.string().trim().min(1).max(255).optional(),
    /** GET only: the browser saves the file under this name (signed response-content-disposition). */
    downloadName: z.string().trim().min(1).max(255).optional(),
    /** Replaces the host of the link, e.g. https://files.example.com (signed with that host). */
    customDomain: httpUrl.optional(),
    /** Look at ACLs and the bucket policy, and give a plain URL for public objects. */
    checkPublic: z.boolean().default(true),
    /** Keep the links in the link log. */
    log: z.boolean().default(true),
  })
  .strict();
export type PresignRequest = z.input<typeof presignRequest>;

export const publicReason = z.enum(['object-acl', 'bucket-acl', 'bucket-policy']);

export const presignedLink = z.object({
  key: z.string(),
  url: z.string(),
  /** Set when the object is public-read: `url` is the plain address, without signature or expiry. */
  publicReason: publicReason.optional(),
});
export type PresignedLink = z.infer<typeof presignedLink>;

export const presignResponse = z.object({
  links: z.array(presignedLink),
  method: linkMethod,
  requestedSeconds: z.number(),
  /** The validity the signatures carry, after any cap. */
  seconds: z.number(),
  /** When the signed links stop working (ISO, UTC). */
  expiresAt: z.string(),
  capped: validityCap.optional(),
  keyIdMasked: z.string(),
  /** Signed with a temporary key: the link also dies with its token. */
  temporaryKey: z.boolean(),
  /** Public checks that could not be made (e.g. no permission to read the ACL). */
  publicCheck: z.enum(['done', 'partial', 'skipped']),
});
export type PresignResponse = z.infer<typeof presignResponse>;

/** One issued link in the local log. Never a secret; temporary-key URLs (they embed the token) are not kept. */
export const linkEntry = z.object({
  id: z.string(),
  accountId: z.string(),
  keyIdMasked: z.string(),
  bucket: z.string(),
  region: z.string().optional(),
  key: z.string(),
  method: linkMethod,
  createdAt: z.string(),
  /** Absent for a public object's plain URL, which does not expire. */
  expiresAt: z.string().optional(),
  url: z.string().optional(),
  /** The URL was not kept because it carries a temporary token: re-issue to get a new one. */
  reissueNeeded: z.boolean().optional(),
  publicReason: publicReason.optional(),
  contentType: z.string().optional(),
  downloadName: z.string().optional(),
  customDomain: z.string().optional(),
});
export type LinkEntry = z.infer<typeof linkEntry>;

export const linkCheckResult = z.object({
  /** HTTP status of a HEAD (GET links) or an OPTIONS-free probe; 0 when unreachable. */
  status: z.number(),
  ok: z.boolean(),
  /** Storage error code or network failure when not ok. */
  code: z.string().optional(),
  checkedAt: z.string(),
});
export type LinkCheckResult = z.infer<typeof linkCheckResult>;

export const mintRequest = z
  .object({
    accountId,
    /** Omit for unscoped keys (COS: every bucket of the account; S3: GetSessionToken). */
    bucket: bucketName.optional(),
    region: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
    prefix: z.string().max(1024).default(''),
    readOnly: z.boolean().default(true),
    durationSeconds: z.number().int().min(900).max(MINT_MAX_SUB_SECONDS).default(MINT_DEFAULT_SECONDS),
    /** S3: the role to assume (RGW STS AssumeRole). Without it and with no scope, GetSessionToken. */
    roleArn: z.string().trim().min(1).max(2048).optional(),
    /** COS: the STS endpoint (default https://sts.tencentcloudapi.com); private clouds and tests. */
    stsEndpoint: httpUrl.optional(),
  })
  .strict();
export type MintRequest = z.input<typeof mintRequest>;

/**
 * THE ONE RESPONSE THAT CARRIES SECRETS to the page: keys minted on the user's explicit request,
 * to be handed to someone else. Shown once in a dialog; never logged, never stored by main.
 */
export const mintedKeysRevealed = z.object({
  tmpSecretId: z.string(),
  tmpSecretKey: z.string(),
  token: z.string(),
  expiresAt: z.string(),
  durationSeconds: z.number(),
  /** How the keys were obtained: GetFederationToken (COS), AssumeRole or GetSessionToken (S3). */
  via: z.enum(['GetFederationToken', 'AssumeRole', 'GetSessionToken']),
  scope: z.object({ bucket: z.string(), prefix: z.string(), readOnly: z.boolean() }),
  /** The policy sent with the request, for the user to read (no secret in it). */
  policy: z.string().optional(),
});
export type MintedKeysRevealed = z.infer<typeof mintedKeysRevealed>;

/**
 * An upload link for a key that need not exist yet: `name` gives a pre-signed PUT for
 * `<folder><name>`; without it, a POST form (S3 POST policy / COS PostObject) that uploads any
 * name under `<folder>` (a `starts-with $key` condition), valid until it expires.
 */
export const uploadLinkRequest = bucketRef
  .extend({
    /** The folder: '' for the bucket's root, else ending with '/'. */
    folder: z
      .string()
      .max(1024)
      .refine((f) => f === '' || f.endsWith('/'), { message: 'a folder ends with "/"' })
      .default(''),
    /** The new object's name inside the folder (may contain "/" for a sub-folder). */
    name: z
      .string()
      .trim()
      .min(1)
      .max(1024)
      .refine((n) => !n.startsWith('/'), { message: 'a name does not start with "/"' })
      .optional(),
    expiresSeconds: z
      .number()
      .int()
      .min(1)
      .max(10 * 366 * 86_400),
    /** The uploader must send exactly this Content-Type (PUT) / the form sets it (POST). */
    contentType: z.string().trim().min(1).max(255).optional(),
    log: z.boolean().default(true),
  })
  .strict();
export type UploadLinkRequest = z.input<typeof uploadLinkRequest>;

export const uploadLinkResponse = z.object({
  mode: z.enum(['put', 'post']),
  /** PUT: the object's key; POST: the prefix every uploaded key starts with. */
  key: z.string(),
  /** PUT: the pre-signed URL; POST: the address the form posts to. */
  url: z.string(),
  /** POST: the form fields, in order; the file goes last, as field `file`. */
  fields: z.array(z.tuple([z.string(), z.string()])),
  /** A ready-to-paste curl command uploading ./FILE through the link. */
  curl: z.string(),
  /** PUT: an object with that key exists now (the upload would replace it). */
  exists: z.boolean(),
  requestedSeconds: z.number(),
  seconds: z.number(),
  expiresAt: z.string(),
  capped: validityCap.optional(),
  keyIdMasked: z.string(),
  temporaryKey: z.boolean(),
});
export type UploadLinkResponse = z.infer<typeof uploadLinkResponse>;

export const sharingContract = {
  /** What validity the account's credential allows right now. */
  limits: { request: z.object({ accountId }).strict(), response: validityLimits },
  presign: { request: presignRequest, response: presignResponse },
  listLinks: { request: z.object({}).strict(), response: z.object({ entries: z.array(linkEntry) }) },
  clearLinks: { request: z.object({}).strict(), response: z.object({ removed: z.number() }) },
  /** Sign the logged link again with the account's current key (same object, method and options). */
  reissue: {
    request: z
      .object({ id: z.string().min(1).max(64), expiresSeconds: z.number().int().min(1).optional() })
      .strict(),
    response: presignResponse,
  },
  /** HEAD a pasted link (http/https only) to see whether it still works. */
  checkLink: {
    request: z
      .object({
        url: z
          .string()
          .trim()
          .max(16_384)
          .refine((s) => /^https?:\/\/[^\s/]+/i.test(s), {
            message: 'must be an http:// or https:// address',
          }),
      })
      .strict(),
    response: linkCheckResult,
  },
  mint: { request: mintRequest, response: mintedKeysRevealed },
  /** An upload link for a new name in a folder (PUT) or for any name under it (POST form). */
  uploadLink: { request: uploadLinkRequest, response: uploadLinkResponse },
} as const;
