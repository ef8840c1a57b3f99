import { z } from 'zod';
import { accountId } from './accounts';

/** Object keys: up to 1,024 bytes of UTF-8 (COS and S3 limit); any characters. */
export const objectKey = z
  .string()
  .min(1, 'an object key cannot be empty')
  .refine((k) => new TextEncoder().encode(k).length <= 1024, {
    message: 'an object key is at most 1,024 bytes',
  });

/** A bucket name as typed: the dialect checks its own rules and explains them. */
export const bucketName = z.string().trim().min(1, 'give a bucket name').max(255);

/** Which bucket of which account; region overrides the account's default (COS buckets live in one region). */
export const bucketRef = z
  .object({
    accountId,
    bucket: bucketName,
    region: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
  })
  .strict();
export type BucketRef = z.infer<typeof bucketRef>;

export const bucketSummary = z.object({
  name: z.string(),
  region: z.string().optional(),
  createdAt: z.string().optional(),
});
export type BucketSummary = z.infer<typeof bucketSummary>;

export const objectSummary = z.object({
  key: z.string(),
  size: z.number(),
  lastModified: z.string(),
  etag: z.string(),
  storageClass: z.string().optional(),
});
export type ObjectSummary = z.infer<typeof objectSummary>;

export const listObjectsRequest = bucketRef
  .extend({
    prefix: z.string().max(1024).default(''),
    /** '/' to browse a folder; omit for every key under the prefix. */
    delimiter: z.string().max(16).optional(),
    marker: z.string().max(2048).optional(),
    maxKeys: z.number().int().min(1).max(1000).default(1000),
  })
  .strict();

export const listObjectsPage = z.object({
  objects: z.array(objectSummary),
  /** Sub-folders (common prefixes), each ending with the delimiter. */
  prefixes: z.array(z.string()),
  isTruncated: z.boolean(),
  nextMarker: z.string().optional(),
});
export type ListObjectsPage = z.infer<typeof listObjectsPage>;

export const objectRef = bucketRef.extend({ key: objectKey }).strict();

export const objectProperties = z.object({
  key: z.string(),
  size: z.number(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  contentType: z.string().optional(),
  cacheControl: z.string().optional(),
  contentDisposition: z.string().optional(),
  storageClass: z.string().optional(),
  /** x-cos-hash-crc64ecma, an unsigned decimal string, when the server keeps one. */
  crc64: z.string().optional(),
  /** User metadata (x-cos-meta-* / x-amz-meta-*), names without the prefix. */
  metadata: z.record(z.string(), z.string()),
});
export type ObjectProperties = z.infer<typeof objectProperties>;

export const keyError = z.object({ key: z.string(), code: z.string(), message: z.string() });
export type KeyError = z.infer<typeof keyError>;

export const batchResult = z.object({
  /** Keys done (deleted, copied, moved). */
  done: z.array(z.string()),
  errors: z.array(keyError),
});
export type BatchResult = z.infer<typeof batchResult>;

/** A multipart upload begun and neither completed nor aborted (left by us or another tool). */
export const pendingUpload = z.object({
  key: z.string(),
  uploadId: z.string(),
  /** When the server says it began (ISO time), if it says. */
  initiated: z.string().optional(),
  /** Parts and bytes uploaded so far; absent when the server would not list them. */
  parts: z.number().int().optional(),
  bytes: z.number().optional(),
});
export type PendingUpload = z.infer<typeof pendingUpload>;

export const uploadRef = z.object({ key: objectKey, uploadId: z.string().min(1).max(1024) }).strict();

export const storageContract = {
  listBuckets: { request: z.object({ accountId }).strict(), response: z.array(bucketSummary) },
  createBucket: {
    request: bucketRef,
    response: z.object({ bucket: z.string(), region: z.string().optional() }),
  },
  deleteBucket: { request: bucketRef, response: z.object({ deleted: z.boolean() }) },
  /** HEAD a bucket by name: for keys that may not list buckets (the usual sub-account). */
  openBucket: { request: bucketRef, response: bucketSummary },
  listObjects: { request: listObjectsRequest, response: listObjectsPage },
  headObject: { request: objectRef, response: objectProperties },
  createFolder: { request: objectRef, response: z.object({ key: z.string() }) },
  /** Keys ending in '/' delete the folder and everything under it. */
  deleteObjects: {
    request: bucketRef.extend({ keys: z.array(objectKey).min(1).max(100_000) }).strict(),
    response: batchResult,
  },
  copyObject: {
    request: bucketRef.extend({ key: objectKey, toBucket: bucketName.optional(), toKey: objectKey }).strict(),
    response: batchResult,
  },
  /** Rename or move a key, or a folder (key ending in '/') with everything under it. */
  moveObject: {
    request: bucketRef.extend({ key: objectKey, toBucket: bucketName.optional(), toKey: objectKey }).strict(),
    response: batchResult,
  },
  /** Unfinished multipart uploads under a prefix (the whole bucket when empty), oldest first. */
  listUploads: {
    request: bucketRef.extend({ prefix: z.string().max(1024).default('') }).strict(),
    response: z.object({ uploads: z.array(pendingUpload) }),
  },
  /** Aborts uploads, throwing away their parts; one already gone counts as aborted. */
  abortUploads: {
    request: bucketRef.extend({ uploads: z.array(uploadRef).min(1).max(10_000) }).strict(),
    response: z.object({
      aborted: z.array(uploadRef),
      errors: z.array(keyError.extend({ uploadId: z.string() })),
    }),
  },
} as const;
