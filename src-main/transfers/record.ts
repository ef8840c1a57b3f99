import type { JobRecord } from './journal';

/*
 * A job record's one shape (h5b, h18): every record the engine holds, and every record a
 * replay of the journal makes, has its fields in one order (absent ones undefined), so 100,000
 * records share one hidden class; the strings a batch repeats are shared. Here, apart from
 * job.ts, so that the journal's replay builds the records the engine keeps (h25).
 */

/** Who, where and how: the same few values in every job of a batch (and of a journal). */
const shared = new Map<string, string>();

/** One string for each value of the fields a batch repeats; bounded (it is only a saving). */
export function intern<T extends string | undefined>(s: T): T {
  if (s === undefined) return s;
  const got = shared.get(s);
  if (got !== undefined) return got as T;
  if (shared.size >= 4096) shared.clear();
  shared.set(s, s);
  return s;
}

const RECORD_FIELDS = new Set([
  'id',
  'kind',
  'batchId',
  'accountId',
  'bucket',
  'region',
  'key',
  'localPath',
  'size',
  'mtimeMs',
  'etag',
  'versionId',
  'onConflict',
  'spooled',
  'contentType',
]);

/**
 * The record in the one shape every job's record has (absent fields are undefined: the
 * journal's JSON leaves them out as before). Fields a newer version wrote are kept.
 */
export function compactRecord(r: JobRecord): JobRecord {
  const out = shaped(r, r.id, r.batchId);
  // A rare record from a newer version: its own shape, with what it added.
  for (const k in r) if (!RECORD_FIELDS.has(k)) return { ...r, ...out };
  return out;
}

/**
 * A new job's record: `r` with its id and batch, in the one shape (what `{ ...r, id, batchId }`
 * gave, without the spread's copy). A field this version does not know takes the spread.
 */
export function newRecord(r: Omit<JobRecord, 'id' | 'batchId'>, id: string, batchId: string): JobRecord {
  for (const k in r) if (!RECORD_FIELDS.has(k)) return compactRecord({ ...r, id, batchId });
  return shaped(r, id, batchId);
}

/** The one shape of a record, its fields in one order (absent ones undefined). */
function shaped(r: Omit<JobRecord, 'id' | 'batchId'>, id: string, batchId: string): JobRecord {
  return {
    id,
    kind: r.kind,
    batchId: intern(batchId),
    accountId: intern(r.accountId),
    bucket: intern(r.bucket),
    region: intern(r.region),
    key: r.key,
    localPath: r.localPath,
    size: r.size,
    mtimeMs: r.mtimeMs,
    etag: r.etag,
    versionId: r.versionId,
    onConflict: r.onConflict,
    spooled: r.spooled,
    contentType: intern(r.contentType),
  };
}
