import { z } from 'zod';
import { accountId } from './accounts';
import { bucketName, bucketRef, objectKey } from './storage';

export const TRANSFER_STATES = [
  'queued',
  'running',
  'paused',
  'conflict',
  'done',
  'skipped',
  'failed',
  'cancelled',
] as const;
export const transferState = z.enum(TRANSFER_STATES);
export type TransferState = z.infer<typeof transferState>;

/** What to do when the destination already exists; `ask` makes the job wait in `conflict`. */
export const conflictPolicy = z.enum(['ask', 'overwrite', 'skip', 'rename']);
export type ConflictPolicy = z.infer<typeof conflictPolicy>;

/**
 * How a finished job's bytes were checked end to end: `crc64` (COS), `md5` (single-part S3
 * ETag), `multipart-etag` (S3 composite ETag re-derived from part MD5s), or `size-only` when
 * the object's checksum cannot be checked (SSE-KMS, unknown layout): never called verified.
 */
export const VERIFICATIONS = ['crc64', 'md5', 'multipart-etag', 'size-only'] as const;
export const verification = z.enum(VERIFICATIONS);
export type Verification = z.infer<typeof verification>;

export const transferJob = z.object({
  id: z.string(),
  kind: z.enum(['upload', 'download']),
  accountId: z.string(),
  bucket: z.string(),
  region: z.string().optional(),
  key: z.string(),
  localPath: z.string(),
  size: z.number(),
  transferred: z.number(),
  state: transferState,
  /** Why the job failed (or was paused), in the user's words (en): what happened and what to do. */
  error: z.string().optional(),
  /** A job still on its way that a person should know about: "retry 2 of 3 in 4 s: <reason>". */
  note: z.string().optional(),
  /** When a pending automatic retry starts (epoch ms). */
  retryAt: z.number().optional(),
  /** Bytes per second, smoothed. */
  speed: z.number(),
  etaSeconds: z.number().optional(),
  batchId: z.string(),
  /** Set once the job is done: how its bytes were checked (`size-only` is not verified). */
  verified: verification.optional(),
});
export type TransferJob = z.infer<typeof transferJob>;

export const transferSummary = z.object({
  total: z.number(),
  active: z.number(),
  queued: z.number(),
  done: z.number(),
  failed: z.number(),
  conflicts: z.number(),
  bytesTotal: z.number(),
  bytesDone: z.number(),
  speed: z.number(),
  etaSeconds: z.number().optional(),
  /**
   * The journal had lines that could not be read when the queue was opened: they were
   * skipped (jobs they described may be missing), and the damaged file was copied to `backup`.
   */
  journalDamage: z.object({ skipped: z.number(), backup: z.string().optional() }).optional(),
});
export type TransferSummary = z.infer<typeof transferSummary>;

export const transferLimits = z
  .object({
    /** Bytes per second; 0 means unlimited. */
    uploadBps: z.number().int().min(0),
    downloadBps: z.number().int().min(0),
    concurrency: z.number().int().min(1).max(64).optional(),
  })
  .strict();
export type TransferLimits = z.infer<typeof transferLimits>;

const target = z
  .object({
    accountId,
    bucket: bucketName,
    region: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
  })
  .strict();

const ids = z.object({ ids: z.array(z.string()).max(100_000).optional() }).strict();
const affected = z.object({ affected: z.number() });

/**
 * A Content-Type chosen by the user for an upload (`type/subtype`, parameters allowed), instead
 * of the one the file name gives. Left out: each file's type comes from its name.
 */
export const contentTypeValue = z
  .string()
  .max(256)
  .regex(
    /^[A-Za-z0-9][\w.+-]*\/[A-Za-z0-9][\w.+-]*(\s*;\s*[\w.+-]+=("[^"\\]*"|[\w.+-]+))*$/,
    'a Content-Type is written type/subtype, like image/png or text/plain; charset=utf-8',
  );

export const TRANSFER_FILTERS = ['all', 'active', 'done', 'failed'] as const;

export const transfersContract = {
  /** Local files and folders (recursive) into `prefix` of a bucket; relative paths kept. */
  upload: {
    request: target
      .extend({
        paths: z.array(z.string().min(1)).min(1).max(10_000),
        prefix: z.string().max(1024).default(''),
        onConflict: conflictPolicy.default('ask'),
        /**
         * Symbolic links inside the folders: followed (a loop is never followed twice) or
         * skipped; either way each one not uploaded is a `skipped` job with its reason.
         * The paths given are always followed.
         */
        symlinks: z.enum(['follow', 'skip']).default('skip'),
        /** Every file of the batch is stored with this type; left out, each gets its name's type. */
        contentType: contentTypeValue.optional(),
      })
      .strict(),
    response: z.object({ batchId: z.string() }),
  },
  /** Objects and folders (keys ending in `/`, recursive) into a local folder, named relative to `prefix`. */
  download: {
    request: target
      .extend({
        keys: z.array(objectKey).min(1).max(10_000),
        prefix: z.string().max(1024).default(''),
        localDir: z.string().min(1),
        onConflict: conflictPolicy.default('ask'),
        /** One version of the one key asked for (`GET ?versionId=`), verified like any download. */
        versionId: z.string().min(1).max(1024).optional(),
      })
      .strict(),
    response: z.object({ batchId: z.string() }),
  },
  list: {
    request: z
      .object({
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
        filter: z.enum(TRANSFER_FILTERS).default('all'),
      })
      .strict(),
    response: z.object({ jobs: z.array(transferJob), total: z.number(), summary: transferSummary }),
  },
  pause: { request: ids, response: affected },
  resume: { request: ids, response: affected },
  cancel: { request: ids, response: affected },
  retry: { request: ids, response: affected },
  /** Forgets finished jobs (done, skipped, cancelled). */
  clear: { request: z.object({}).strict(), response: affected },
  resolveConflict: {
    request: z
      .object({
        id: z.string(),
        action: z.enum(['overwrite', 'skip', 'rename']),
        applyToBatch: z.boolean().default(false),
      })
      .strict(),
    response: affected,
  },
  getLimits: { request: z.object({}).strict(), response: transferLimits },
  setLimits: { request: transferLimits, response: transferLimits },
  /**
   * Web mode: announce files the page will stream to `PUT /upload/<token>/<index>`; each
   * becomes an upload once its bytes have arrived.
   */
  webUpload: {
    request: target
      .extend({
        prefix: z.string().max(1024).default(''),
        files: z
          .array(z.object({ relativePath: z.string().min(1).max(1024), size: z.number().int().min(0) }))
          .min(1)
          .max(100_000),
        onConflict: conflictPolicy.default('ask'),
        /** As for `upload`: one type for every file, or each file's from its name. */
        contentType: contentTypeValue.optional(),
      })
      .strict(),
    response: z.object({ batchId: z.string(), token: z.string() }),
  },
} as const;

/** One finished job, numbered in the order jobs finished in this process. */
export const finishedTransfer = z.object({
  seq: z.number().int(),
  kind: z.enum(['upload', 'download']),
  accountId: z.string(),
  bucket: z.string(),
  key: z.string(),
});
export type FinishedTransfer = z.infer<typeof finishedTransfer>;

export const transfersEvents = {
  /**
   * Jobs finished lately (the last ones, newest last): cumulative, so a view that missed a
   * coalesced delivery still sees every job whose `seq` it has not seen; `seq` is the last one.
   * A view listing a folder a job uploaded into refreshes its listing.
   */
  'transfers.finished': z.object({ seq: z.number().int(), recent: z.array(finishedTransfer).max(200) }),
  /** The queue changed shape (jobs added, removed, state changes): views refetch their page. */
  'transfers.changed': z.object({ summary: transferSummary }),
  /** Running jobs' progress, coalesced. */
  'transfers.progress': z.object({
    jobs: z.array(
      z.object({
        id: z.string(),
        transferred: z.number(),
        speed: z.number(),
        etaSeconds: z.number().optional(),
      }),
    ),
    summary: transferSummary,
  }),
} as const;

/**
 * Dragging objects out of the window to the desktop (Electron only). Not a contract call:
 * the drag must start from the very window that sent it, so the Electron shell handles it.
 */
export const dragOutRequest = bucketRef.extend({ keys: z.array(objectKey).min(1).max(100) }).strict();
export type DragOutRequest = z.infer<typeof dragOutRequest>;
