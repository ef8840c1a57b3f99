import { z } from 'zod';

const httpUrl = z
  .string()
  .trim()
  .max(512)
  .refine((s) => /^https?:\/\/[^\s/]+/i.test(s), {
    message: 'must be an http:// or https:// address',
  });

const endpointTemplate = httpUrl.refine((s) => s.includes('{bucket}'), {
  message: 'must contain {bucket}, e.g. https://{bucket}.cos.{region}.myqcloud.com',
});

export const accountId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'not an account id');
export const region = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]{1,64}$/, 'a region is lower-case letters, digits and hyphens');
const name = z.string().trim().min(1, 'give the account a name').max(100);
const keyId = z
  .string()
  .trim()
  .min(1, 'the key id is required')
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'a key id is printable ASCII without spaces');

/** A secret sealed in the page for main's one-time public key: plaintext never crosses IPC. */
export const sealedSecret = z
  .object({
    v: z.literal(1),
    key: z.string().min(1).max(2048),
    iv: z.string().min(1).max(64),
    data: z.string().min(1).max(65536),
  })
  .strict();
export type SealedSecret = z.infer<typeof sealedSecret>;

/** What a sealed secret holds once opened in main. */
export const secretPlain = z
  .object({
    secretKey: z.string().min(1, 'the secret key is required').max(1024),
    sessionToken: z.string().min(1).max(16384).optional(),
  })
  .strict();
export type SecretPlain = z.infer<typeof secretPlain>;

export const cosFields = z
  .object({
    kind: z.literal('cos'),
    name,
    secretId: keyId,
    appId: z
      .string()
      .trim()
      .regex(/^\d{1,20}$/, 'an APPID is digits only')
      .optional(),
    region,
    endpointTemplate: endpointTemplate.optional(),
    serviceEndpoint: httpUrl.optional(),
    tokenExpiresAt: z.iso.datetime().optional(),
  })
  .strict();

export const s3Fields = z
  .object({
    kind: z.literal('s3'),
    name,
    endpoint: httpUrl,
    region,
    accessKeyId: keyId,
    pathStyle: z.boolean(),
    tokenExpiresAt: z.iso.datetime().optional(),
  })
  .strict();

export const accountFields = z.discriminatedUnion('kind', [cosFields, s3Fields]);
export type AccountFields = z.infer<typeof accountFields>;
export type CosFields = z.infer<typeof cosFields>;
export type S3Fields = z.infer<typeof s3Fields>;

/** Fields as an edit sends them: the key id may be left out to keep the stored one. */
export const accountFieldsEdit = z.discriminatedUnion('kind', [
  cosFields.extend({ secretId: keyId.optional() }),
  s3Fields.extend({ accessKeyId: keyId.optional() }),
]);
export type AccountFieldsEdit = z.infer<typeof accountFieldsEdit>;

export const addAccountRequest = z
  .object({
    fields: accountFields,
    secret: sealedSecret,
    /** Keep the secret in memory for this session only (when no keychain is available). */
    sessionOnly: z.boolean().optional(),
  })
  .strict();

export const updateAccountRequest = z
  .object({
    id: accountId,
    fields: accountFieldsEdit,
    /** Omit to keep the stored secret. */
    secret: sealedSecret.optional(),
    sessionOnly: z.boolean().optional(),
  })
  .strict();

export const testDraftRequest = z
  .object({
    fields: accountFieldsEdit,
    /** Omit to test with the stored secret of `id` (editing an account without retyping it). */
    secret: sealedSecret.optional(),
    id: accountId.optional(),
  })
  .strict();

export const secretStorage = z.enum(['keychain', 'session', 'missing']);

const viewCommon = {
  id: accountId,
  name: z.string(),
  region: z.string(),
  /** The key id with its middle hidden, e.g. AKID…1234. */
  keyIdMasked: z.string(),
  hasToken: z.boolean(),
  tokenExpiresAt: z.string().optional(),
  secretStorage,
  createdAt: z.string(),
  updatedAt: z.string(),
};

/** What the renderer sees of an account. zod strips anything else, so no secret can leak by accident. */
export const accountView = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('cos'),
    ...viewCommon,
    appId: z.string().optional(),
    endpointTemplate: z.string().optional(),
    serviceEndpoint: z.string().optional(),
  }),
  z.object({
    kind: z.literal('s3'),
    ...viewCommon,
    endpoint: z.string(),
    pathStyle: z.boolean(),
  }),
]);
export type AccountView = z.infer<typeof accountView>;

export const connectionTestResult = z.object({
  ok: z.boolean(),
  /** Storage error code (AccessDenied, SignatureDoesNotMatch, ECONNREFUSED, …) when not ok. */
  code: z.string().optional(),
  message: z.string(),
  latencyMs: z.number(),
  bucketCount: z.number().optional(),
});
export type ConnectionTestResult = z.infer<typeof connectionTestResult>;
