import type { JobRecord } from '../../src-main/transfers/journal';

/** A queued upload's journal record, for the transfer unit tests: `id`.bin, what `over` changes. */
export function uploadRecord(id: string, over: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    kind: 'upload',
    batchId: 'b',
    accountId: 'tmp-1',
    bucket: 'bk',
    key: `${id}.bin`,
    localPath: `/data/${id}.bin`,
    size: 40,
    mtimeMs: 1000,
    onConflict: 'overwrite',
    ...over,
  };
}
