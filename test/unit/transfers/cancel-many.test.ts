import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PART_SUFFIX } from '../../../src-main/transfers/download';
import { TIDY_PARALLEL, TransferEngine, type NewJob } from '../../../src-main/transfers/engine';
import { JOURNAL_FILE, replay } from '../../../src-main/transfers/journal';
import type { StorageClient } from '../../../src-main/storage/client';
import { tmpDirs } from '../../support/tmp-dirs';

// Cancelling many jobs at once (h13): their `cancelled` records need no promise each, and the
// clean-ups of what they left (`.part` files here) run TIDY_PARALLEL at a time. Every job must
// still end cancelled on disk (a restart revives none) and every clean-up must still run,
// whether the queue of clean-ups holds fewer, as many or more than TIDY_PARALLEL.
// No bytes move: the account's client never comes, so the first jobs wait in `running`.
const tmp = tmpDirs();

const never = () => new Promise<StorageClient>(() => undefined);
const jobs = (n: number, out: string): NewJob[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'download',
    accountId: 'tmp-acct',
    bucket: 'b',
    region: 'us-east-1',
    key: `k/obj-${i}`,
    localPath: join(out, `obj-${i}`),
    size: 1000,
    onConflict: 'overwrite',
  }));

/**
 * `n` jobs queued in one run and paused at its close, with the `.part` file a run that stopped
 * mid-download leaves next to each destination: the next engine on `dir` takes them back.
 */
async function takenBack(prefix: string, n: number) {
  const dir = tmp(prefix);
  const out = join(dir, 'out');
  mkdirSync(out);
  const first = await TransferEngine.open({ dir, clientFor: never, concurrency: 1 });
  await first.add(jobs(n, out));
  expect(first.pause()).toBe(n);
  await first.close();
  const parts = Array.from({ length: n }, (_, i) => join(out, `obj-${i}${PART_SUFFIX}`));
  for (const p of parts) writeFileSync(p, 'partial');
  return { dir, out, partsLeft: () => parts.filter((p) => existsSync(p)) };
}

describe('cancelling many jobs', () => {
  it('a few thousand queued jobs: every one cancelled in the journal, none taken back', async () => {
    const dir = tmp('cancel-many-');
    const n = 3001;
    const engine = await TransferEngine.open({ dir, clientFor: never, concurrency: 4 });
    const ids: string[] = [];
    for (let from = 0; from < n; from += 1000)
      ids.push(...(await engine.add(jobs(Math.min(1000, n - from), join(dir, 'out')))));
    expect(engine.summary().active).toBe(4);
    expect(engine.cancel()).toBe(n);
    expect(engine.summary()).toMatchObject({ total: n, active: 0, queued: 0, done: 0, failed: 0 });
    expect(engine.summary()).toEqual(engine.summary(() => true));
    await engine.close();

    const { jobs: replayed, skipped } = replay(readFileSync(join(dir, JOURNAL_FILE), 'utf8'));
    expect(skipped).toBe(0);
    expect(replayed.map((j) => j.job.id).sort()).toEqual([...ids].sort());
    expect(replayed.every((j) => j.state === 'cancelled')).toBe(true);

    const again = await TransferEngine.open({ dir, clientFor: never, concurrency: 4 });
    expect(again.summary().total).toBe(0);
    await again.close();
  }, 120_000);

  for (const n of [1, TIDY_PARALLEL - 1, TIDY_PARALLEL, TIDY_PARALLEL + 1, 3 * TIDY_PARALLEL + 1])
    for (const end of ['idle', 'close'] as const)
      it(`${n} jobs taken back with a .part file each, cancelled, then ${end}: every .part removed`, async () => {
        const { dir, partsLeft } = await takenBack('cancel-tidy-', n);
        const again = await TransferEngine.open({ dir, clientFor: never, concurrency: 1 });
        expect(again.cancel()).toBe(n);
        if (end === 'idle') await again.idle();
        await again.close();
        expect(partsLeft()).toEqual([]);
        // Cancelling again finds nothing to cancel and nothing to tidy.
        const third = await TransferEngine.open({ dir, clientFor: never, concurrency: 1 });
        expect(third.summary().total).toBe(0);
        expect(third.cancel()).toBe(0);
        await third.close();
      });

  it('a late clean-up of a cancelled job leaves alone the .part of a new download to the same place', async () => {
    const n = 3 * TIDY_PARALLEL + 1;
    const { dir, out, partsLeft } = await takenBack('cancel-same-path-', n);
    const again = await TransferEngine.open({ dir, clientFor: never, concurrency: 1 });
    expect(again.cancel()).toBe(n);
    // The last one's clean-up waits behind the others; meanwhile the same object is asked for
    // again, to the same place, and that download starts (its client never comes: it stays
    // running, and the .part file there is its own from now on).
    const [last] = jobs(n, out).slice(-1);
    await again.add([last]);
    expect(again.summary().active).toBe(1);
    // The new run's own part file (a slow machine may have tidied the old one away already,
    // while the add's journal write was synced: removing it then was right).
    writeFileSync(join(out, `obj-${n - 1}${PART_SUFFIX}`), 'the new run');
    await again.close();
    expect(partsLeft()).toEqual([join(out, `obj-${n - 1}${PART_SUFFIX}`)]);
  });
});
