import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TransferEngine, type NewJob } from '../../../src-main/transfers/engine';
import {
  Journal,
  JOURNAL_FILE,
  replay,
  type JobRecord,
  type ReplayedJob,
} from '../../../src-main/transfers/journal';
import { localPathsUnder, safeLocalPath } from '../../../src-main/transfers/safe-path';
import { tmpDirs } from '../../support/tmp-dirs';

// The journal's snapshot is written in pages (h18): a source read one job at a time, each page
// written to the temporary file, then fsync and rename as before. What it must keep: the same
// snapshot as the whole-array one, the old journal intact until the rename (a crash mid-write),
// records made meanwhile after it, and the engine's snapshot as of the call.
const tmp = tmpDirs();

const job = (i: number): JobRecord => ({
  id: `job-${String(i).padStart(6, '0')}`,
  kind: i % 2 ? 'upload' : 'download',
  batchId: 'batch',
  accountId: 'tmp-acct',
  bucket: 'bk',
  key: `some/folder/with/a/longer/name/object-${i}.bin`,
  localPath: `/home/user/some/folder/with/a/longer/name/object-${i}.bin`,
  size: 1000 + i,
  ...(i % 2 ? { mtimeMs: 1000 } : { etag: `etag-${i}` }),
  onConflict: 'overwrite',
});

/** Jobs of every shape a snapshot writes: plain, with an upload and parts, initiating, chunks, failed. */
function mixed(n: number): ReplayedJob[] {
  return Array.from({ length: n }, (_, i) => {
    const j: ReplayedJob = { job: job(i), parts: new Map(), chunks: new Map(), state: 'queued' };
    if (i % 7 === 1) {
      j.uploadId = `up-${i}`;
      j.partSize = 8 << 20;
      j.parts.set(1, { etag: `p1-${i}`, size: 8 << 20 });
      j.parts.set(2, { etag: `p2-${i}`, crc: '123', size: 8 << 20 });
    }
    if (i % 11 === 2) j.initiating = { key: job(i).key, at: 1234, before: ['a', 'b'] };
    if (i % 13 === 3) j.chunks.set(0, { crc: '99', size: 4096 });
    if (i % 5 === 4) j.state = 'paused';
    if (i % 17 === 5) Object.assign(j, { state: 'failed', error: `failed ${i}` });
    return j;
  });
}

const text = (dir: string) => readFileSync(join(dir, JOURNAL_FILE), 'utf8');
/** What a snapshot keeps of a job (an initiate only without an upload; an error only with its state). */
const plain = (jobs: ReplayedJob[]) =>
  jobs
    .map((j) => ({
      job: j.job,
      uploadId: j.uploadId,
      partSize: j.partSize,
      initiating: j.uploadId ? undefined : j.initiating,
      parts: [...j.parts],
      chunks: [...j.chunks],
      state: j.state,
      error: j.state === 'queued' ? undefined : j.error,
    }))
    .sort((a, b) => (a.job.id < b.job.id ? -1 : 1));

describe('paged journal compaction', () => {
  it('several pages replay to the jobs given, as the whole-array snapshot did', async () => {
    const dir = tmp('journal-paged-');
    const { journal } = await Journal.open(dir);
    const want = mixed(9000); // ~3 MB of lines: several pages
    await journal.compact(want);
    await journal.close();
    const { jobs, skipped } = replay(text(dir));
    expect(skipped).toBe(0);
    expect(plain(jobs)).toEqual(plain(want));
    // A source that builds each job when asked writes the same file as the array.
    const other = tmp('journal-paged-');
    const { journal: j2 } = await Journal.open(other);
    await j2.compact({ length: want.length, at: (i) => want[i] });
    await j2.close();
    expect(text(other)).toBe(text(dir));
  });

  it('records made while the pages are written land after the snapshot', async () => {
    const dir = tmp('journal-paged-');
    const { journal } = await Journal.open(dir);
    const want = mixed(6000);
    const late: Promise<void>[] = [];
    await journal.compact({
      length: want.length,
      at: (i) => {
        // Between pages (the write of the first is under way) and within one.
        if (i === 4500) late.push(journal.append({ t: 'state', id: job(10).id, state: 'cancelled' }));
        if (i === 5999) journal.note({ t: 'forget', id: job(20).id });
        return want[i];
      },
    });
    late.push(journal.append({ t: 'job', job: job(7000) }));
    await Promise.all(late);
    await journal.close();
    const byId = new Map(replay(text(dir)).jobs.map((j) => [j.job.id, j]));
    expect(byId.size).toBe(6000);
    expect(byId.get(job(10).id)?.state).toBe('cancelled');
    expect(byId.has(job(20).id)).toBe(false);
    expect(byId.has(job(7000).id)).toBe(true);
  });

  it('a source that fails mid-way leaves the journal as it was, and it still takes records', async () => {
    const dir = tmp('journal-paged-');
    const { journal } = await Journal.open(dir);
    await journal.appendAll(mixed(6000).map((j) => ({ t: 'job' as const, job: j.job })));
    const before = text(dir);
    const failing = journal.compact({
      length: 6000,
      at: (i) => {
        if (i === 5000) throw new Error('source failed');
        return { job: job(i), parts: new Map(), chunks: new Map(), state: 'paused' };
      },
    });
    await expect(failing).rejects.toThrow('source failed');
    expect(text(dir)).toBe(before);
    await journal.append({ t: 'state', id: job(1).id, state: 'paused' });
    await journal.close();
    const { jobs } = replay(text(dir));
    expect(jobs.length).toBe(6000);
    expect(jobs.filter((j) => j.state === 'paused').map((j) => j.job.id)).toEqual([job(1).id]);
  });

  // A real crash: the child is killed (SIGKILL) after the first page reached the temporary
  // file and before the rename. The journal it leaves replays to what it held before.
  it('a process killed mid-compaction leaves a journal that replays to the state before it', async () => {
    const dir = tmp('journal-paged-');
    const { journal } = await Journal.open(dir);
    const want = mixed(8000);
    await journal.compact(want);
    await journal.append({ t: 'state', id: job(3).id, state: 'cancelled' });
    await journal.close();
    const before = plain(replay(text(dir)).jobs);
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'compact-crash-child.ts'), dir, '7000'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.signal).toBe('SIGKILL');
    // The child's open rewrote the journal (finished jobs dropped), then pages went to the tmp file.
    const tmpSize = Number(/tmp (-?\d+)/.exec(child.stdout)?.[1]);
    expect(tmpSize).toBeGreaterThan(0);
    const after = replay(text(dir));
    expect(after.skipped).toBe(0);
    expect(plain(after.jobs)).toEqual(before.filter((j) => j.state !== 'cancelled'));
    // And the next open takes it from there.
    const { jobs } = await Journal.open(dir);
    expect(jobs.length).toBe(7999);
  }, 90_000);

  it("the engine's snapshot is the queue as it was when the compaction started", async () => {
    const dir = tmp('journal-paged-engine-');
    const compacting: Promise<void>[] = [];
    const real = Journal.prototype.compact;
    const spy = vi.spyOn(Journal.prototype, 'compact').mockImplementation(function (this: Journal, jobs) {
      const p = real.call(this, jobs);
      compacting.push(p);
      return p;
    });
    try {
      const never = () => new Promise<never>(() => undefined);
      const first = await TransferEngine.open({ dir, clientFor: never, concurrency: 1 });
      const news: NewJob[] = Array.from({ length: 3000 }, (_, i) => {
        const { id: _id, batchId: _b, ...r } = job(i);
        return { ...r, kind: 'download', localPath: join(dir, 'out', `o-${i}`) };
      });
      const ids: string[] = [];
      for (let from = 0; from < news.length; from += 1000)
        ids.push(...(await first.add(news.slice(from, from + 1000))));
      expect(first.pause()).toBe(3000);
      await first.close();
      // Taken back paused: the open rewrote the journal, so the idle queue leaves it as it is
      // until a record is appended (h25: it was rewritten twice).
      const engine = await TransferEngine.open({ dir, clientFor: never, concurrency: 1 });
      const before = compacting.length;
      const file = text(dir);
      engine.start();
      expect(compacting.length).toBe(before);
      // One job cancelled: now the idle queue's journal is worth compacting.
      expect(engine.cancel([ids[2999]])).toBe(1);
      expect(compacting.length).toBe(before + 1);
      // These change jobs while the snapshot is written (after the call took it).
      expect(engine.cancel(ids.slice(0, 10))).toBe(10);
      expect(engine.clear()).toBe(11);
      await Promise.all(compacting);
      await engine.close();
      expect(text(dir)).not.toBe(file);
      const { jobs: replayed, skipped } = replay(text(dir));
      expect(skipped).toBe(0);
      expect(replayed.map((j) => j.job.id).sort()).toEqual(ids.slice(10, 2999).sort());
      expect(replayed.every((j) => j.state === 'paused')).toBe(true);
      const again = await TransferEngine.open({ dir, clientFor: never, concurrency: 1 });
      expect(again.summary().total).toBe(2989);
      await again.close();
    } finally {
      spy.mockRestore();
    }
  }, 120_000);
});

describe('local paths under one root', () => {
  it('are what safeLocalPath gives, or refused alike', () => {
    const roots = ['/tmp/out', '/tmp/out/', '/tmp//out/./x/..', '/', 'relative/dir'];
    const keys = [
      'a.txt',
      'dir/sub/file.bin',
      '/leading/slash',
      'a//b',
      './a/./b',
      '../escape',
      'a/../../b',
      '..foo/bar',
      '...',
      'trail. ',
      'con.txt',
      'we<ird>:na|me?.txt',
      '',
      '/',
      'x'.repeat(300),
      '中文/文件.txt',
      'a/./../b',
    ];
    for (const root of roots) {
      const fast = localPathsUnder(root);
      for (const k of keys) {
        let want: string | Error;
        let got: string | Error;
        try {
          want = safeLocalPath(root, k);
        } catch (e) {
          want = e as Error;
        }
        try {
          got = fast(k);
        } catch (e) {
          got = e as Error;
        }
        if (want instanceof Error) expect((got as Error).message, `${root} ${k}`).toBe(want.message);
        else expect(got, `${root} ${k}`).toBe(want);
      }
    }
  });
});
