import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TransferEngine, type NewJob } from '../../../src-main/transfers/engine';
import { JOURNAL_FILE } from '../../../src-main/transfers/journal';
import type { StorageClient } from '../../../src-main/storage/client';

// A queue of 100,000 jobs (a folder download's listing, page by page): queued, listed in
// windows, counted, journaled, taken back after a restart, paused, cancelled and cleared.
// No bytes move: the account's client never comes, so the first jobs wait in `running`.
const N = 100_000;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const never = () => new Promise<StorageClient>(() => undefined);
const page = (from: number): NewJob[] =>
  Array.from({ length: 1000 }, (_, i) => {
    const n = String(from + i).padStart(6, '0');
    return {
      kind: 'download',
      accountId: 'tmp-acct',
      bucket: 'cosdesk-e2e-big',
      region: 'us-east-1',
      key: `big/obj-${n}`,
      localPath: `/nowhere/out/obj-${n}`,
      size: 1000,
      onConflict: 'overwrite',
    };
  });

describe('a 100,000-job queue', () => {
  it('holds every job in order, lists windows of it, and survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-100k-'));
    dirs.push(dir);
    const engine = await TransferEngine.open({ dir, clientFor: never, concurrency: 4 });
    const batch = engine.newBatchId();
    for (let from = 0; from < N; from += 1000) await engine.add(page(from), batch);

    const s = engine.summary();
    // The counts kept as jobs change are the counts a walk of the queue gives.
    expect(s).toEqual(engine.summary(() => true));
    expect(s.total).toBe(N);
    expect(s.active + s.queued).toBe(N);
    expect(s.bytesTotal).toBe(N * 1000);
    const w = engine.list(54_321, 3);
    expect(w.total).toBe(N);
    expect(w.jobs.map((j) => j.key)).toEqual(['big/obj-054321', 'big/obj-054322', 'big/obj-054323']);
    expect(w.jobs[0]).toMatchObject({ bucket: 'cosdesk-e2e-big', batchId: batch, state: 'queued' });
    expect(engine.list(N - 1, 10).jobs.map((j) => j.key)).toEqual(['big/obj-099999']);
    expect(engine.list(0, 10, 'active').total).toBe(N);
    expect(engine.list(54_321, 2, 'active').jobs.map((j) => j.key)).toEqual([
      'big/obj-054321',
      'big/obj-054322',
    ]);
    expect(engine.list(0, 10, 'failed')).toEqual({ jobs: [], total: 0 });
    expect(engine.jobsOf([batch])).toHaveLength(N);

    // Pausing the lot journals one state each; all are on disk once it drains.
    expect(engine.pause()).toBe(N);
    expect(engine.summary().active).toBe(0);
    expect(engine.summary()).toEqual(engine.summary(() => true));
    await engine.close();
    const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('{"t":"job"'))).toHaveLength(N);

    const again = await TransferEngine.open({ dir, clientFor: never, concurrency: 4 });
    expect(again.damage.skipped).toBe(0);
    expect(again.summary()).toMatchObject({ total: N, failed: 0, done: 0 });
    expect(again.summary()).toEqual(again.summary(() => true));
    expect(again.list(0, N, 'all').jobs.every((j) => j.state === 'paused')).toBe(true);
    expect(again.list(77_777, 1).jobs[0]).toMatchObject({
      key: 'big/obj-077777',
      localPath: '/nowhere/out/obj-077777',
      size: 1000,
      batchId: batch,
      accountId: 'tmp-acct',
    });

    expect(again.cancel()).toBe(N);
    expect(again.summary().total).toBe(N);
    expect(again.summary()).toEqual(again.summary(() => true));
    const tail = again.list(N - 2, 5, 'done');
    expect(tail.total).toBe(N);
    expect(tail.jobs.map((j) => [j.key, j.state])).toEqual([
      ['big/obj-099998', 'cancelled'],
      ['big/obj-099999', 'cancelled'],
    ]);
    expect(again.clear()).toBe(N);
    expect(again.summary().total).toBe(0);
    expect(again.summary()).toEqual(again.summary(() => true));
    expect(again.list(0, 10).total).toBe(0);
    await again.close();
  }, 300_000);
});
