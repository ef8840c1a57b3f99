import { z } from 'zod';
import {
  corsConfig,
  lifecycleConfig,
  loggingConfig,
  versioningConfig,
  websiteConfig,
} from '../bucket-settings/model';
import { bucketRef } from './storage';

const jobId = z.string().min(1).max(64);

export * from '../bucket-settings/model';

/** One section as the server has it: its value, or why there is none to show. */
const sectionState = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion('state', [
    z.object({ state: z.literal('ok'), value }),
    /** The server refused the operation as not implemented (RGW: website, logging). */
    z.object({ state: z.literal('unsupported'), message: z.string() }),
    z.object({ state: z.literal('error'), message: z.string(), code: z.string().optional() }),
  ]);

export const bucketSettingsView = z.object({
  dialect: z.enum(['cos', 's3']),
  versioning: sectionState(versioningConfig),
  cors: sectionState(corsConfig),
  lifecycle: sectionState(lifecycleConfig),
  website: sectionState(websiteConfig.nullable()),
  logging: sectionState(loggingConfig.nullable()),
});
export type BucketSettingsView = z.infer<typeof bucketSettingsView>;
export type SectionState = BucketSettingsView['cors'];

/** A whole section replaced (a PUT replaces the server's configuration); null / [] deletes it. */
export const setSectionRequest = z.discriminatedUnion('section', [
  bucketRef.extend({ section: z.literal('versioning'), value: versioningConfig }).strict(),
  bucketRef.extend({ section: z.literal('cors'), value: corsConfig }).strict(),
  bucketRef.extend({ section: z.literal('lifecycle'), value: lifecycleConfig }).strict(),
  bucketRef.extend({ section: z.literal('website'), value: websiteConfig.nullable() }).strict(),
  bucketRef.extend({ section: z.literal('logging'), value: loggingConfig.nullable() }).strict(),
]);
export type SetSectionRequest = z.infer<typeof setSectionRequest>;

export const emptyCounts = z.object({
  objects: z.number(),
  versions: z.number(),
  deleteMarkers: z.number(),
  uploads: z.number(),
  failed: z.number(),
});
export type EmptyCounts = z.infer<typeof emptyCounts>;

export const emptyJobView = z.object({
  id: z.string(),
  accountId: z.string(),
  bucket: z.string(),
  deleteBucket: z.boolean(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  counts: emptyCounts,
  /** Why it stopped ('failed'), or the first per-key refusal. */
  message: z.string().optional(),
  /** The bucket itself is gone (deleteBucket and everything deleted). */
  bucketDeleted: z.boolean(),
  /**
   * What is still in the bucket when the job stopped on a refusal or an error (counted after
   * it stopped; `more`: there were more than the count looked at).
   */
  left: z.object({ versions: z.number(), uploads: z.number(), more: z.boolean() }).optional(),
});
export type EmptyJobView = z.infer<typeof emptyJobView>;

export const bucketSettingsContract = {
  /** Every section at once; a section the server lacks says so instead of failing the rest. */
  get: { request: bucketRef.strict(), response: bucketSettingsView },
  /** Validates (readable problems as VALIDATION), writes with Content-MD5, reads the section back. */
  set: { request: setSectionRequest, response: bucketSettingsView },
  /**
   * Starts deleting every object, version, delete marker and incomplete multipart upload, then
   * (deleteBucket) the bucket. `confirm` must be the bucket's name, typed by the user.
   * Progress arrives as `bucketSettings.emptyProgress`; the answer is the job as it starts.
   */
  empty: {
    request: bucketRef.extend({ confirm: z.string(), deleteBucket: z.boolean() }).strict(),
    response: emptyJobView,
  },
  emptyJob: { request: z.object({ id: jobId }).strict(), response: emptyJobView },
  cancelEmpty: { request: z.object({ id: jobId }).strict(), response: emptyJobView },
} as const;

export const bucketSettingsEvents = {
  'bucketSettings.emptyProgress': z.object({ job: emptyJobView }),
} as const;
