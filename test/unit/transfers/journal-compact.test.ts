import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, JOURNAL_FILE, replay } from '../../../src-main/transfers/journal';
import { uploadRecord } from '../../support/job-records';

const job = (id: string) => uploadRecord(id);

describe('journal compaction', () => {
  // The engine compacts when the queue goes idle and, unawaited, a Clear may append `forget`
  // records at the same moment: they used to hit the closed file handle (EBADF, an unhandled
  // rejection that ended the process).
  it('records appended while it rewrites the file land in the new file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-compact-'));
    const { journal } = await Journal.open(dir);
    for (let i = 0; i < 50; i++) await journal.append({ t: 'job', job: job(`j${i}`) });
    const compacting = journal.compact([
      { job: job('j0'), parts: new Map(), chunks: new Map(), state: 'queued' },
    ]);
    const appends = [
      journal.append({ t: 'forget', id: 'j1' }),
      journal.append({ t: 'job', job: job('late') }),
    ];
    await new Promise((r) => setImmediate(r));
    appends.push(journal.append({ t: 'job', job: job('later') }));
    await expect(Promise.all([compacting, ...appends])).resolves.toBeDefined();
    await journal.close();
    const ids = replay(readFileSync(join(dir, JOURNAL_FILE), 'utf8')).jobs.map((j) => j.job.id);
    expect(ids.sort()).toEqual(['j0', 'late', 'later']);
  });

  // The engine starts a compaction unawaited when the queue goes idle; closing right after
  // (the app quitting) closed the handle under it, and the compaction then reopened the file
  // after close (a leaked handle; an unhandled ENOENT once the folder was gone).
  it('closing waits for a compaction in progress, and none starts after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-compact-'));
    const { journal } = await Journal.open(dir);
    for (let i = 0; i < 20; i++) void journal.append({ t: 'job', job: job(`j${i}`) });
    const compacting = journal.compact([
      { job: job('j0'), parts: new Map(), chunks: new Map(), state: 'queued' },
    ]);
    await journal.close();
    await expect(compacting).resolves.toBeUndefined();
    const after = journal.compact([]);
    await expect(after).resolves.toBeUndefined();
    const ids = replay(readFileSync(join(dir, JOURNAL_FILE), 'utf8')).jobs.map((j) => j.job.id);
    expect(ids.length === 1 || ids.length === 20).toBe(true);
    rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 50));
  });
});
