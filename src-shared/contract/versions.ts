import { z } from 'zod';
import { bucketRef, objectRef } from './storage';

/** `Off`: versioning was never enabled on the bucket (the server names no status). */
export const versioningStatus = z.enum(['Off', 'Enabled', 'Suspended']);
export type VersioningStatus = z.infer<typeof versioningStatus>;

/** A version id as servers write them (S3/RGW and COS ids, or `null` for a pre-versioning object). */
export const versionId = z
  .string()
  .min(1, 'give a version id')
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, 'a version id is printable ASCII without spaces');

export const objectVersion = z.object({
  key: z.string(),
  versionId: z.string(),
  isLatest: z.boolean(),
  /** A delete marker: the key "deleted" in a versioned bucket; it has no bytes. */
  deleteMarker: z.boolean(),
  lastModified: z.string(),
  size: z.number().optional(),
  etag: z.string().optional(),
  storageClass: z.string().optional(),
});
export type ObjectVersion = z.infer<typeof objectVersion>;

export const versionsPage = z.object({
  versions: z.array(objectVersion),
  prefixes: z.array(z.string()),
  isTruncated: z.boolean(),
  nextKeyMarker: z.string().optional(),
  nextVersionIdMarker: z.string().optional(),
});
export type VersionsPage = z.infer<typeof versionsPage>;

export const deletedObject = z.object({
  key: z.string(),
  /** When the delete marker was written. */
  deletedAt: z.string(),
  markerVersionId: z.string(),
  /** The newest real version under the marker, when the listing reached it. */
  previousVersionId: z.string().optional(),
  size: z.number().optional(),
});
export type DeletedObject = z.infer<typeof deletedObject>;

const versionRef = objectRef.extend({ versionId }).strict();

export const versionsContract = {
  /** GET /?versioning (COS 436/19888, S3 GetBucketVersioning). */
  getVersioning: { request: bucketRef, response: z.object({ status: versioningStatus }) },
  /** PUT /?versioning: on (`Enabled`) or suspended; a versioned bucket can never go back to `Off`. */
  setVersioning: {
    request: bucketRef.extend({ status: z.enum(['Enabled', 'Suspended']) }).strict(),
    response: z.object({ status: versioningStatus }),
  },
  /** One page of GET /?versions (prefix, delimiter, key-marker / version-id-marker). */
  listVersions: {
    request: bucketRef
      .extend({
        prefix: z.string().max(1024).default(''),
        delimiter: z.string().max(16).optional(),
        keyMarker: z.string().max(2048).optional(),
        versionIdMarker: z.string().max(1024).optional(),
        maxKeys: z.number().int().min(1).max(1000).default(1000),
      })
      .strict(),
    response: versionsPage,
  },
  /** Every version and delete marker of one key, newest first (`truncated` past 10,000 entries). */
  objectVersions: {
    request: objectRef,
    response: z.object({ versions: z.array(objectVersion), truncated: z.boolean() }),
  },
  /** A server-side copy of the version onto its key: it becomes the newest version. */
  restore: { request: versionRef, response: z.object({ versionId: z.string().optional() }) },
  /** Deletes one version or delete marker for good (DELETE ?versionId=). */
  deleteVersion: { request: versionRef, response: z.object({ deleteMarker: z.boolean() }) },
  /** Objects of one folder level whose newest version is a delete marker ("show deleted"). */
  listDeleted: {
    request: bucketRef.extend({ prefix: z.string().max(1024).default('') }).strict(),
    response: z.object({ objects: z.array(deletedObject), truncated: z.boolean() }),
  },
  /** Removes the delete markers on top of a deleted object, so its newest version shows again. */
  undelete: {
    request: objectRef,
    response: z.object({ removedMarkers: z.number(), versionId: z.string() }),
  },
  /**
   * A short-lived signed GET link for viewing in the page (`<img>`, `<video>`, a PDF frame):
   * 15 minutes, with `response-content-type` set so the browser renders it.
   */
  previewUrl: {
    request: objectRef
      .extend({ versionId: versionId.optional(), contentType: z.string().max(255).optional() })
      .strict(),
    response: z.object({ url: z.string(), expiresAt: z.string(), contentType: z.string() }),
  },
  /** The first `maxBytes` of an object as UTF-8 text (a ranged GET), for the text preview. */
  previewText: {
    request: objectRef
      .extend({
        versionId: versionId.optional(),
        maxBytes: z
          .number()
          .int()
          .min(1)
          .max(4 * 1024 * 1024)
          .default(1024 * 1024),
      })
      .strict(),
    response: z.object({
      text: z.string(),
      /** The object is longer than what was read. */
      truncated: z.boolean(),
      size: z.number(),
      /** The bytes look binary (NUL bytes or invalid UTF-8): show a notice, not the text. */
      binary: z.boolean(),
    }),
  },
} as const;
