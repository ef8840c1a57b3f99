import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkUnchanged, localWriteError, readExactly, snapshotOf, whyNotUploadable } from './local-file';
import { walkFiles, type LocalFile } from './walk';
import { WalkJournal } from './walk-journal';

async function all(paths: string[], symlinks: 'follow' | 'skip'): Promise<LocalFile[]> {
  const out: LocalFile[] = [];
  for await (const b of walkFiles(paths, { symlinks, batchSize: 2 })) out.push(...b);
  return out.sort((a, b) => (a.relative < b.relative ? -1 : 1));
}

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'walk-'));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  mkdirSync(join(dir, 'x'));
  writeFileSync(join(root, 'f.txt'), 'f');
  writeFileSync(join(dir, 'x', 'g.txt'), 'g');
  symlinkSync(join(dir, 'x'), join(root, 'to-x'));
  // x/back -> root: a loop through two links (root/to-x/back/to-x/...).
  symlinkSync(root, join(dir, 'x', 'back'));
  symlinkSync('../..', join(root, 'a', 'b', 'up'));
  symlinkSync(join(root, 'f.txt'), join(root, 'a', 'f-link'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  return root;
}

describe('walkFiles', () => {
  it('skips links by default and reports each one, with FIFOs, as skipped', async () => {
    const root = tree();
    const got = await all([root], 'skip');
    expect(got.filter((f) => !f.skip).map((f) => f.relative)).toEqual(['root/f.txt']);
    expect(
      got
        .filter((f) => f.skip)
        .map((f) => f.relative)
        .sort(),
    ).toEqual(['root/a/b/up', 'root/a/f-link', 'root/fifo', 'root/to-x']);
    expect(got.find((f) => f.relative === 'root/fifo')!.skip).toMatch(
      /FIFO \(named pipe\), not a regular file/,
    );
  });

  it('follows links when asked, never around a loop, and reads the targets', async () => {
    const root = tree();
    const got = await all([root], 'follow');
    const files = got.filter((f) => !f.skip);
    expect(files.map((f) => f.relative)).toEqual(['root/a/f-link', 'root/f.txt', 'root/to-x/g.txt']);
    expect(files[0].path).toBe(join(root, 'f.txt'));
    expect(
      got
        .filter((f) => f.skip)
        .map((f) => [f.relative, /loop/.test(f.skip!)])
        .sort(),
    ).toEqual([
      ['root/a/b/up', true],
      ['root/fifo', false],
      ['root/to-x/back', true],
    ]);
  });

  it('a device or a vanished path given directly is reported, not read', async () => {
    const got = await all(['/dev/zero', '/no/such/path'], 'skip');
    expect(got.map((f) => f.skip).sort()).toEqual([
      '/dev/zero is a character device, not a regular file: only regular files are uploaded, so it was skipped.',
      '/no/such/path no longer exists: skipped.',
    ]);
  });
});

describe('local files', () => {
  it('reads exactly the stat size, even from a file without end', async () => {
    expect((await readExactly('/dev/zero', 10, 1024)).length).toBe(10);
    await expect(readExactly('/dev/zero', 2048, 1024)).rejects.toThrow(/over the 1024-byte cap/);
  });

  it('says why a non-regular file is not uploaded', async () => {
    expect(await whyNotUploadable('/dev/null')).toMatch(/^\/dev\/null is a character device/);
    expect(await whyNotUploadable(__filename)).toBeUndefined();
  });

  it('notices a file that changed since its snapshot', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'snap-')), 'f');
    writeFileSync(p, 'abc');
    const snap = snapshotOf(statSync(p));
    await checkUnchanged(p, snap);
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    await expect(checkUnchanged(p, snap)).rejects.toThrow(
      `${p} changed while it was being uploaded; upload it again when nothing is writing to it.`,
    );
  });

  it('puts a full disk, a read-only disk and a refused folder into words', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(localWriteError('/d/f', e('ENOSPC'))?.message).toMatch(/^The disk is full/);
    expect(localWriteError('/d/f', e('EDQUOT'))?.message).toMatch(/quota/);
    expect(localWriteError('/d/f', e('EROFS'))?.message).toMatch(/^\/d is on a read-only disk/);
    expect(localWriteError('/d/f', e('EACCES'))?.message).toMatch(
      /may not write to \/d \(permission denied\)/,
    );
    expect(localWriteError('/d/f', e('ECONNRESET'))).toBeUndefined();
  });
});

describe('WalkJournal', () => {
  it('keeps incomplete walks with their queued keys across a reopen, in a 0600 file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walkj-'));
    const w = {
      id: 'b1',
      accountId: 'a',
      bucket: 'bk',
      roots: ['/r'],
      prefix: 'p/',
      onConflict: 'overwrite' as const,
      symlinks: 'skip' as const,
    };
    const j = await WalkJournal.open(dir);
    await j.begin(w);
    await j.queued('b1', ['p/r/1', 'p/r/2']);
    await j.begin({ ...w, id: 'b2' });
    await j.done('b2');
    await j.close();
    // A crash mid-write leaves a torn last line: what came before it still counts.
    appendFileSync(join(dir, 'walks.jsonl'), '{"t":"queued","id":"b1","keys":["p/r/3"');
    const again = await WalkJournal.open(dir);
    expect(again.incomplete().map((o) => [o.walk.id, [...o.keys]])).toEqual([['b1', ['p/r/1', 'p/r/2']]]);
    expect(statSync(join(dir, 'walks.jsonl')).mode & 0o777).toBe(0o600);
    await again.close();
  });
});
