import { describe, expect, it } from 'vitest';
import {
  compactRecord,
  dropPieces,
  hasPieces,
  intern,
  piecesCopy,
  queuedJob,
} from '../../../src-main/transfers/job';
import type { JobRecord } from '../../../src-main/transfers/journal';

const rec = (over: Partial<JobRecord> = {}): JobRecord => ({
  id: 'a1b2c3d4e5f60708',
  kind: 'download',
  batchId: 'batch1',
  accountId: 'tmp-1',
  bucket: 'bk',
  region: 'us-east-1',
  key: 'big/obj-000001',
  localPath: '/data/obj-000001',
  size: 40,
  onConflict: 'overwrite',
  ...over,
});

describe('the compact job table', () => {
  it('a compact record holds the same values and journals as the same JSON', () => {
    for (const r of [
      rec(),
      rec({ kind: 'upload', mtimeMs: 1234, region: undefined, contentType: 'text/plain', spooled: true }),
      rec({ etag: 'd41d8cd98f00b204e9800998ecf8427e', versionId: 'v1' }),
    ]) {
      const c = compactRecord(r);
      expect(c).toEqual(r);
      expect(JSON.parse(JSON.stringify(c))).toEqual(JSON.parse(JSON.stringify(r)));
    }
  });

  it('every record has its fields in one order, whatever order it was made in', () => {
    const a = compactRecord(rec());
    const reversed = Object.fromEntries(Object.entries(rec()).reverse()) as unknown as JobRecord;
    const b = compactRecord({ ...reversed, etag: 'x' });
    expect(Object.keys(b)).toEqual(Object.keys(a));
  });

  it('fields a newer version wrote are kept', () => {
    const r = { ...rec(), futureField: { n: 1 } } as JobRecord;
    expect(compactRecord(r)).toEqual(r);
    expect(JSON.parse(JSON.stringify(compactRecord(r))).futureField).toEqual({ n: 1 });
  });

  it('intern gives back an equal string', () => {
    const s = ['tmp-', 'account'].join('');
    expect(intern(s)).toBe('tmp-account');
    expect(intern(undefined)).toBeUndefined();
  });

  it('a queued job makes no part or chunk maps until one is used, and a new record keeps the shape', () => {
    const job = queuedJob(rec(), 0);
    expect(hasPieces(job)).toBe(false);
    const empty = piecesCopy(job);
    expect(empty.parts.size + empty.chunks.size).toBe(0);
    dropPieces(job);
    expect(hasPieces(job)).toBe(false);

    job.chunks.set(0, { crc: 'c', size: 10 });
    job.parts.set(1, { etag: 'e', size: 5 });
    expect(hasPieces(job)).toBe(true);
    const copy = piecesCopy(job);
    expect([...copy.chunks]).toEqual([[0, { crc: 'c', size: 10 }]]);
    copy.chunks.clear();
    expect(job.chunks.size).toBe(1);
    dropPieces(job);
    expect(hasPieces(job)).toBe(false);
    expect(job.parts.size).toBe(0);

    // An empty map handed over (a replayed job without pieces) is not kept.
    job.parts = new Map();
    expect(hasPieces(job)).toBe(false);
    const replayed = new Map([[3, { etag: 'p3', size: 8 }]]);
    job.parts = replayed;
    expect(job.parts).toBe(replayed);

    // download.ts replaces the record with a fresh ETag and size: the job keeps the new values.
    job.rec = { ...job.rec, etag: 'fresh', size: 99 };
    expect(job.rec).toMatchObject({ etag: 'fresh', size: 99, key: 'big/obj-000001' });
    expect(Object.keys(job.rec)).toEqual(Object.keys(compactRecord(rec())));
  });
});
