import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, replay, type JobRecord } from '../../../src-main/transfers/journal';
import { TransferEngine } from '../../../src-main/transfers/engine';
import { uploadRecord } from '../../support/job-records';

const up = uploadRecord('u1', { key: 'big.bin', localPath: '/data/big.bin' });
const down: JobRecord = {
  id: 'd1',
  kind: 'download',
  batchId: 'b',
  accountId: 'a',
  bucket: 'bk',
  key: 'obj',
  localPath: '/out/obj',
  size: 40,
  etag: 'e1',
  onConflict: 'overwrite',
};
const lines = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('journal replay', () => {
  it('a rebind (job re-appended with another account) keeps the upload and its parts', () => {
    const { jobs, skipped } = replay(
      lines(
        { t: 'job', job: up },
        { t: 'upload', id: 'u1', uploadId: 'U1', partSize: 10 },
        { t: 'part', id: 'u1', n: 1, etag: 'p1', size: 10 },
        { t: 'job', job: { ...up, accountId: 'tmp-2' } },
        { t: 'part', id: 'u1', n: 2, etag: 'p2', size: 10 },
      ),
    );
    expect(skipped).toBe(0);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].job.accountId).toBe('tmp-2');
    expect(jobs[0].uploadId).toBe('U1');
    expect(jobs[0].partSize).toBe(10);
    expect([...jobs[0].parts.keys()]).toEqual([1, 2]);
  });

  it('a changed local file resets upload and parts together; parts of no upload are dropped', () => {
    const { jobs } = replay(
      lines(
        { t: 'job', job: up },
        { t: 'upload', id: 'u1', uploadId: 'U1', partSize: 10 },
        { t: 'part', id: 'u1', n: 1, etag: 'p1', size: 10 },
        { t: 'job', job: { ...up, mtimeMs: 2000 } },
        // A part of the old upload journaled late: it must not be completed with a new upload.
        { t: 'part', id: 'u1', n: 2, etag: 'old', size: 10 },
      ),
    );
    expect(jobs[0].uploadId).toBeUndefined();
    expect(jobs[0].partSize).toBeUndefined();
    expect(jobs[0].parts.size).toBe(0);
  });

  it('parts always belong to the latest upload record; a reset record clears everything', () => {
    const text = lines(
      { t: 'job', job: up },
      { t: 'upload', id: 'u1', uploadId: 'U1', partSize: 10 },
      { t: 'part', id: 'u1', n: 1, etag: 'p1', size: 10, uploadId: 'U1' },
      { t: 'upload', id: 'u1', uploadId: 'U2', partSize: 10 },
      { t: 'part', id: 'u1', n: 2, etag: 'late', size: 10, uploadId: 'U1' },
      { t: 'part', id: 'u1', n: 3, etag: 'p3', size: 10, uploadId: 'U2' },
    );
    const { jobs } = replay(text);
    expect(jobs[0].uploadId).toBe('U2');
    expect([...jobs[0].parts.entries()]).toEqual([[3, { etag: 'p3', crc: undefined, size: 10 }]]);
    const reset = replay(text + lines({ t: 'reset', id: 'u1' }));
    expect(reset.jobs[0].uploadId).toBeUndefined();
    expect(reset.jobs[0].parts.size).toBe(0);
  });

  it('a download keeps its chunks across a rebind, and drops them when the ETag or the destination changes', () => {
    const base = [
      { t: 'job', job: down },
      { t: 'chunk', id: 'd1', n: 0, crc: '1', size: 10 },
    ];
    expect(replay(lines(...base, { t: 'job', job: { ...down, accountId: 'b' } })).jobs[0].chunks.size).toBe(
      1,
    );
    expect(replay(lines(...base, { t: 'job', job: { ...down, etag: 'e2' } })).jobs[0].chunks.size).toBe(0);
    const moved = replay(lines(...base, { t: 'retarget', id: 'd1', key: 'obj', localPath: '/out/obj (1)' }));
    expect(moved.jobs[0].chunks.size).toBe(0);
    expect(moved.jobs[0].job.localPath).toBe('/out/obj (1)');
  });

  it('skips and counts damaged lines (null, a job without fields, torn, garbage) and keeps the good jobs', () => {
    const good = lines(
      { t: 'job', job: up },
      { t: 'job', job: down },
      { t: 'state', id: 'd1', state: 'done', verified: 'md5' },
    );
    const text =
      'null\n{"t":"job"}\n' +
      good +
      '{"t":"job","job":{"id":"x","kind":"upload"}}\n' +
      'garbage line\n\u0000\u0001\n' +
      '{"t":"part","id":"u1","n":1,"etag":"p';
    const { jobs, skipped } = replay(text);
    expect(skipped).toBe(6);
    expect(jobs.map((j) => j.job.id)).toEqual(['u1', 'd1']);
    expect(jobs[1]).toMatchObject({ state: 'done', verified: 'md5' });
  });
});

describe('journal files', () => {
  it('opens a damaged journal: keeps a byte-identical backup, rewrites it 0600 in a 0700 folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cosdesk-journal-')), 'transfers');
    const e0 = await TransferEngine.open({ dir, clientFor: () => Promise.reject(new Error('no')) });
    await e0.close();
    const path = join(dir, 'journal.jsonl');
    const damaged = 'null\n' + lines({ t: 'job', job: up }) + '{"t":"job"}\n{"t":"sta';
    writeFileSync(path, damaged, { mode: 0o644 });
    const e = await TransferEngine.open({ dir, clientFor: () => Promise.reject(new Error('no')) });
    expect(e.damage.skipped).toBe(3);
    expect(e.summary().journalDamage).toEqual(e.damage);
    expect(e.list(0, 10).jobs.map((j) => j.id)).toEqual(['u1']);
    expect(readFileSync(e.damage.backup!, 'utf8')).toBe(damaged);
    expect(readdirSync(dir).filter((f) => f.includes('.damaged-'))).toHaveLength(1);
    await e.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(e.damage.backup!).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // A clean reopen reports no damage and makes no new backup.
    const again = await TransferEngine.open({ dir, clientFor: () => Promise.reject(new Error('no')) });
    expect(again.damage.skipped).toBe(0);
    await again.close();
    expect(readdirSync(dir).filter((f) => f.includes('.damaged-'))).toHaveLength(1);
  });

  it('a journal that cannot be read at all (a folder in its place) is set aside; the queue still opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosdesk-journal-'));
    mkdirSync(join(dir, 'journal.jsonl'));
    const ro = await TransferEngine.open({
      dir,
      readOnly: true,
      clientFor: () => Promise.reject(new Error('no')),
    });
    expect(ro.damage).toEqual({ skipped: 1 });
    await ro.close();
    const e = await TransferEngine.open({ dir, clientFor: () => Promise.reject(new Error('no')) });
    expect(e.damage.skipped).toBe(1);
    expect(statSync(e.damage.backup!).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'journal.jsonl')).isFile()).toBe(true);
    await e.close();
  });

  it('read-only open writes nothing: same bytes, same inode, no backup, finished jobs listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosdesk-journal-'));
    const path = join(dir, 'journal.jsonl');
    const text =
      lines(
        { t: 'job', job: up },
        { t: 'job', job: down },
        { t: 'state', id: 'd1', state: 'done', verified: 'crc64' },
      ) + 'garbage\n';
    writeFileSync(path, text);
    const before = statSync(path);
    const { journal, jobs, damage } = await Journal.open(dir, { readOnly: true });
    await expect(journal.append({ t: 'forget', id: 'u1' })).rejects.toThrow(/read-only/);
    await journal.close();
    expect(damage).toEqual({ skipped: 1 });
    expect(jobs.map((j) => j.job.id)).toEqual(['u1', 'd1']);
    const e = await TransferEngine.open({
      dir,
      readOnly: true,
      clientFor: () => Promise.reject(new Error('no')),
    });
    expect(e.get('d1')).toMatchObject({ state: 'done', verified: 'crc64' });
    e.start();
    await expect(e.add([{ ...down, id: undefined } as never])).rejects.toThrow(/read-only/);
    await e.close();
    const after = statSync(path);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(readdirSync(dir)).toEqual(['journal.jsonl']);
  });
});

describe('journal appendSoon', () => {
  it('records nobody waits for reach the disk on their own, with the next append, and by drain and close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosdesk-journal-soon-'));
    const { journal } = await Journal.open(dir);
    const read = () => replay(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).jobs;
    // On its own: the promise resolves once the record is on disk.
    await journal.append({ t: 'job', job: up });
    await journal.appendSoon({ t: 'state', id: 'u1', state: 'failed', error: 'x' });
    expect(read().find((j) => j.job.id === 'u1')?.state).toBe('failed');
    // Carried by the next append's write.
    const soon = journal.appendSoon({ t: 'state', id: 'u1', state: 'done' });
    await journal.append({ t: 'job', job: down });
    await soon;
    expect(read().map((j) => [j.job.id, j.state])).toEqual([
      ['u1', 'done'],
      ['d1', 'queued'],
    ]);
    // drain() and close() do not leave one behind.
    void journal.appendSoon({ t: 'state', id: 'd1', state: 'failed', error: 'y' });
    await journal.drain();
    expect(read().find((j) => j.job.id === 'd1')?.state).toBe('failed');
    void journal.appendSoon({ t: 'state', id: 'd1', state: 'done' });
    await journal.close();
    expect(read().find((j) => j.job.id === 'd1')?.state).toBe('done');
  });
});
