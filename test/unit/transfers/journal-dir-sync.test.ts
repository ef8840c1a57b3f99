// A compaction renames a fresh file over the journal. Until the folder itself is synced the
// rename may not survive a crash: the old journal comes back and every record appended to the
// new file since (each reported on disk) is lost. This records the file system calls the
// journal makes and checks that the folder is synced after the rename and before the next
// record is written.
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { uploadRecord } from '../../support/job-records';
import { tmpDirs } from '../../support/tmp-dirs';

const calls: string[] = [];

vi.mock('node:fs', async (importOriginal) => {
  const m = await importOriginal<typeof import('node:fs')>();
  const paths = new Map<number, string>();
  const openSync = (p: import('node:fs').PathLike, ...rest: unknown[]) => {
    const fd = (m.openSync as (...a: unknown[]) => number)(p, ...rest);
    paths.set(fd, String(p));
    return fd;
  };
  const fsyncSync = (fd: number) => {
    calls.push(`sync ${paths.get(fd)}`);
    m.fsyncSync(fd);
  };
  const renameSync = (from: import('node:fs').PathLike, to: import('node:fs').PathLike) => {
    calls.push(`rename ${String(to)}`);
    m.renameSync(from, to);
  };
  const mocked = { ...m, openSync, fsyncSync, renameSync };
  return { ...mocked, default: mocked };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const m = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (p: import('node:fs').PathLike, ...rest: unknown[]) => {
    const fh = await (m.open as (...a: unknown[]) => Promise<import('node:fs/promises').FileHandle>)(
      p,
      ...rest,
    );
    const sync = fh.sync.bind(fh);
    const writev = fh.writev.bind(fh);
    fh.sync = async () => {
      calls.push(`sync ${String(p)}`);
      return sync();
    };
    fh.writev = (async (buffers: NodeJS.ArrayBufferView[], position?: number) => {
      calls.push(`write ${String(p)}`);
      return writev(buffers, position);
    }) as typeof fh.writev;
    return fh;
  };
  const rename = async (from: import('node:fs').PathLike, to: import('node:fs').PathLike) => {
    calls.push(`rename ${String(to)}`);
    return m.rename(from, to);
  };
  const mocked = { ...m, open, rename };
  return { ...mocked, default: mocked };
});

const { Journal, JOURNAL_FILE, replay } = await import('../../../src-main/transfers/journal');
const { readFileSync } = await import('node:fs');

const tmp = tmpDirs();
const job = (id: string) => uploadRecord(id);

/** The calls after the last rename over `file`, up to and including the first write to it. */
function afterRename(file: string): string[] {
  const at = calls.lastIndexOf(`rename ${file}`);
  expect(at).toBeGreaterThanOrEqual(0);
  const rest = calls.slice(at + 1);
  const w = rest.indexOf(`write ${file}`);
  expect(w).toBeGreaterThanOrEqual(0);
  return rest.slice(0, w + 1);
}

describe.skipIf(process.platform === 'win32')('journal: the folder is synced after each rename', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it('at open (the rewrite of what the last run left)', async () => {
    const dir = tmp('journal-dirsync-');
    const file = join(dir, JOURNAL_FILE);
    const { journal } = await Journal.open(dir);
    await journal.append({ t: 'job', job: job('a') });
    const seq = afterRename(file);
    expect(seq).toContain(`sync ${dir}`);
    expect(seq.indexOf(`sync ${dir}`)).toBeLessThan(seq.indexOf(`write ${file}`));
    await journal.close();
  });

  it('at compaction, before the records appended after it', async () => {
    const dir = tmp('journal-dirsync-');
    const file = join(dir, JOURNAL_FILE);
    const { journal } = await Journal.open(dir);
    for (let i = 0; i < 5; i++) await journal.append({ t: 'job', job: job(`j${i}`) });
    calls.length = 0;
    await journal.compact([{ job: job('j0'), parts: new Map(), chunks: new Map(), state: 'queued' }]);
    await journal.append({ t: 'job', job: job('late') });
    const seq = afterRename(file);
    expect(seq).toContain(`sync ${dir}`);
    expect(seq.indexOf(`sync ${dir}`)).toBeLessThan(seq.indexOf(`write ${file}`));
    await journal.close();
    const ids = replay(readFileSync(file, 'utf8')).jobs.map((j) => j.job.id);
    expect(ids.sort()).toEqual(['j0', 'late']);
  });
});
