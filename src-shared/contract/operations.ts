import { z } from 'zod';
import { accountId } from './accounts';
import { bucketName, keyError, objectKey } from './storage';

/**
 * Bulk object operations run by main (delete, copy, move, metadata edit, storage-class change)
 * with progress events, cancel and a true count. `start` answers at once with the operation;
 * `operations.progress` reports every operation's counts (coalesced, ≤ 10 a second).
 */

const region = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/)
  .optional();
const place = z.object({ accountId, bucket: bucketName, region }).strict();

/** What to do when the destination already has an object of that name. */
export const pasteConflict = z.enum(['overwrite', 'skip', 'keepBoth']);
export type PasteConflict = z.infer<typeof pasteConflict>;

/** HTTP headers a user may edit on an object; null removes one. */
export const metadataPatch = z
  .object({
    contentType: z.string().max(256).optional(),
    cacheControl: z.string().max(1024).nullable().optional(),
    contentDisposition: z.string().max(1024).nullable().optional(),
    /** User metadata (names without x-cos-meta- / x-amz-meta-) to set or replace. */
    setMeta: z.record(z.string(), z.string()).optional(),
    /** User metadata names to drop. */
    removeMeta: z.array(z.string()).optional(),
  })
  .strict();
export type MetadataPatch = z.infer<typeof metadataPatch>;

const keys = z.array(objectKey).min(1).max(100_000);
/** A copy or move may name the whole bucket too: '' (the CLI's `cp -r cos://a cos://b/x/`). */
const copyKeys = z
  .array(z.union([objectKey, z.literal('')]))
  .min(1)
  .max(100_000);

export const startOperationRequest = z.discriminatedUnion('kind', [
  /** Keys ending in '/' delete the folder and everything under it; [''] empties the bucket. */
  z
    .object({
      kind: z.literal('delete'),
      source: place,
      keys: z
        .array(z.union([objectKey, z.literal('')]))
        .min(1)
        .max(100_000),
    })
    .strict(),
  /**
   * Copy (or move) keys, folders recursively, into `target.prefix` ('' for the root or a
   * folder ending '/'). Same account: server-side copy; across accounts: streamed through main.
   * A move deletes a source only once its copy is verified (size and ETag or CRC64).
   */
  z
    .object({
      kind: z.enum(['copy', 'move']),
      source: place,
      keys: copyKeys,
      target: place.extend({ prefix: z.string().max(1024) }).strict(),
      conflict: pasteConflict.default('overwrite'),
      /**
       * With one key: the name it gets in `target.prefix` instead of its own (a rename, like
       * `mv a/ b`; a folder's ends in '/'). '' with the key '' copies the bucket into the prefix.
       */
      toName: z.string().max(1024).optional(),
    })
    .strict(),
  /** Rewrites each object onto itself with the changed headers; the rest and the ACL are kept. */
  z.object({ kind: z.literal('metadata'), source: place, keys, patch: metadataPatch }).strict(),
  z
    .object({
      kind: z.literal('storageClass'),
      source: place,
      keys,
      storageClass: z
        .string()
        .regex(/^[A-Z0-9_]{1,64}$/, 'a storage class is written in capitals, like STANDARD_IA'),
    })
    .strict(),
]);
export type StartOperationRequest = z.input<typeof startOperationRequest>;

export const operationKind = z.enum(['delete', 'copy', 'move', 'metadata', 'storageClass']);
export type OperationKind = z.infer<typeof operationKind>;

export const operationView = z.object({
  id: z.string(),
  kind: operationKind,
  /** listing: finding what is under the folders; running; then one of the end states. */
  state: z.enum(['listing', 'running', 'done', 'cancelled', 'failed']),
  accountId: z.string(),
  bucket: z.string(),
  /** Destination of a copy or move. */
  target: z.object({ accountId: z.string(), bucket: z.string(), prefix: z.string() }).optional(),
  /** Objects found so far (final once state is no longer 'listing'). */
  total: z.number().int(),
  /** Objects done (deleted, copied, moved, rewritten): the true count. */
  done: z.number().int(),
  /** Skipped because the destination had them (conflict policy 'skip'). */
  skipped: z.number().int(),
  failed: z.number().int(),
  /** The first failures with reasons (at most 200). */
  errors: z.array(keyError),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** Why the whole operation stopped, when it failed as a whole. */
  message: z.string().optional(),
});
export type OperationView = z.infer<typeof operationView>;

const byId = z.object({ id: z.string().min(1).max(64) }).strict();

/**
 * An operation a crash or kill -9 cut short, from the data dir's journal: what it was asked
 * to do (the first keys of `keyCount`) and how far it got ("interrupted: N of M done").
 */
export const interruptedOperation = z.object({
  id: z.string(),
  kind: operationKind,
  accountId: z.string(),
  bucket: z.string(),
  target: z.object({ accountId: z.string(), bucket: z.string(), prefix: z.string() }).optional(),
  /** The first keys it was asked to act on (at most 5; '' is the whole bucket). */
  keys: z.array(z.string()),
  keyCount: z.number().int(),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  startedAt: z.string(),
  /** When its counts were last written. */
  updatedAt: z.string(),
  summary: z.string(),
});
export type InterruptedOperationView = z.infer<typeof interruptedOperation>;

export const operationsContract = {
  start: { request: startOperationRequest, response: operationView },
  /** Stops an operation soon (requests in flight finish); answers its counts so far. */
  cancel: { request: byId, response: operationView },
  get: { request: byId, response: operationView },
  /** Running operations and the recently finished ones, newest first. */
  list: { request: z.object({}).strict(), response: z.object({ operations: z.array(operationView) }) },
  /** Forget finished operations. */
  clear: { request: z.object({}).strict(), response: z.object({ cleared: z.number().int() }) },
  /** Operations a previous run left unfinished (crash, kill -9), oldest first. */
  listInterrupted: {
    request: z.object({}).strict(),
    response: z.object({ operations: z.array(interruptedOperation) }),
  },
  /**
   * Runs the rest of an interrupted one: the same request again (a delete or a move finds only
   * what is left; a copy skips what is already there). Answers at once with the new operation,
   * whose counts `operations.progress` reports; the interrupted one is forgotten.
   */
  resumeInterrupted: { request: byId, response: operationView },
  /** Forgets an interrupted operation without running it. */
  dismissInterrupted: { request: byId, response: z.object({ dismissed: z.boolean() }) },
  /**
   * The top-level names of `keys` that already exist under target.prefix (for the conflict
   * question before a paste).
   */
  conflicts: {
    request: z
      .object({
        source: place,
        keys,
        target: place.extend({ prefix: z.string().max(1024) }).strict(),
      })
      .strict(),
    response: z.object({ names: z.array(z.string()) }),
  },
} as const;

export const operationsEvents = {
  /** Every known operation with its counts (running first). */
  'operations.progress': z.object({ operations: z.array(operationView) }),
} as const;
