import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entryOf,
  Journal,
  JOURNAL_FILE,
  journalEntry,
  LineSplitter,
  replay,
  replayFile,
  type JobRecord,
  unwritten,
} from '../../../src-main/transfers/journal';
import { tmpDirs } from '../../support/tmp-dirs';

// h25: the journal is read a piece at a time and each line parsed once. Whatever the piece
// size, a journal must replay as when it was read whole: lines split across pieces, a
// multi-byte UTF-8 character split across pieces, a damaged middle line and a torn last line.
const tmp = tmpDirs();

const rec = (i: number, key = `k/obj-${i}`): JobRecord => ({
  id: `id-${i}`,
  kind: 'download',
  batchId: 'b1',
  accountId: 'tmp-acct',
  bucket: 'bk',
  region: 'us-east-1',
  key,
  localPath: `/out/${key}`,
  size: 1000 + i,
  etag: `e${i}`,
  onConflict: 'overwrite',
});

const line = (r: unknown) => JSON.stringify(r) + '\n';

/** A journal of jobs with keys in 1-, 2-, 3- and 4-byte UTF-8, states, parts and damage. */
function journalText(o: { tornTail: boolean }): string {
  const keys = ['plain', 'café-é', '日本語/ファイル', 'emoji-😀-🎉', 'mixé日😀'];
  let s = '';
  for (let i = 0; i < 12; i++) {
    s += line({ t: 'job', job: rec(i, `${keys[i % keys.length]}-${i}`) });
    if (i % 3 === 0) s += line({ t: 'state', id: `id-${i}`, state: 'paused' });
    if (i % 4 === 1) s += line({ t: 'chunk', id: `id-${i}`, n: 0, crc: 'c0', size: 10 });
    if (i === 5) s += '{"t":"job","job":{"id":"broken", "kind": "down\n'; // a damaged middle line
    if (i === 7) s += line({ t: 'state', id: 'id-7', state: 'failed', error: 'ошибка: ключ «日本»' });
    if (i === 8) s += '\n\n';
    if (i === 9) s += line({ t: 'state', id: 'id-9', state: 'done' });
  }
  // A torn last line (a crash mid-append), cut inside a multi-byte character.
  if (o.tornTail) s += line({ t: 'job', job: rec(99, 'torn-日本語') }).slice(0, 60);
  return s;
}

describe('the journal read a piece at a time', () => {
  it('a line splitter fed pieces of any size gives the lines split() gives', () => {
    const texts = ['', '\n', 'a', 'a\n', 'a\nb', 'é\n日本\n😀', '\n\nx\n\n', journalText({ tornTail: true })];
    for (const text of texts) {
      const bytes = Buffer.from(text);
      for (const size of [1, 2, 3, 4, 5, 7, 13, 64, bytes.length + 1]) {
        const got: string[] = [];
        const split = new LineSplitter((l) => got.push(l));
        // The same piece buffer, reused for every push (as replayFile does).
        const piece = Buffer.alloc(size);
        for (let at = 0; at < bytes.length; at += size) {
          const n = bytes.copy(piece, 0, at, Math.min(bytes.length, at + size));
          split.push(piece.subarray(0, n));
          piece.fill(0xff);
        }
        split.end();
        expect(got, `${JSON.stringify(text.slice(0, 20))} in pieces of ${size}`).toEqual(text.split('\n'));
      }
    }
  });

  for (const tornTail of [false, true])
    it(`replayFile in pieces of 1 to 97 bytes equals replay of the whole file${tornTail ? ' (torn last line)' : ''}`, async () => {
      const dir = tmp('journal-pieces-');
      const path = join(dir, JOURNAL_FILE);
      writeFileSync(path, journalText({ tornTail }));
      const whole = replay(readFileSync(path));
      expect(whole.skipped).toBe(tornTail ? 2 : 1);
      expect(whole.jobs).toHaveLength(12);
      expect(whole.jobs.find((j) => j.job.id === 'id-7')?.error).toBe('ошибка: ключ «日本»');
      expect(whole.jobs.map((j) => j.job.key)).toContain('emoji-😀-🎉-3');
      for (let size = 1; size <= 97; size++) expect(await replayFile(path, size)).toEqual(whole);
      expect(await replayFile(path)).toEqual(whole);
    });

  it('Journal.open with small pieces: the same jobs and damage, a backup, the file rewritten', async () => {
    const text = journalText({ tornTail: true });
    const opened = [];
    for (const pieceBytes of [undefined, 1, 3, 16, 1000]) {
      const dir = tmp('journal-pieces-open-');
      writeFileSync(join(dir, JOURNAL_FILE), text);
      const { journal, jobs, damage } = await Journal.open(dir, { pieceBytes });
      await journal.close();
      expect(damage.skipped).toBe(2);
      expect(readFileSync(damage.backup!, 'utf8')).toBe(text);
      expect(readdirSync(dir).filter((f) => f.includes('.damaged-'))).toHaveLength(1);
      // The done job is dropped from the rewritten file; the rest read back undamaged.
      const again = replay(readFileSync(join(dir, JOURNAL_FILE)));
      expect(again.skipped).toBe(0);
      expect(again.jobs.map((j) => j.job.id)).toEqual(jobs.map((j) => j.job.id));
      opened.push(jobs);
      const ro = await Journal.open(dir, { readOnly: true, pieceBytes });
      expect(ro.jobs).toEqual(jobs);
    }
    for (const jobs of opened) expect(jobs).toEqual(opened[0]);
    expect(opened[0]).toHaveLength(11);
  });

  it('each line is parsed once, and the hand check takes exactly what the schema takes', () => {
    const job = rec(1);
    const entries: unknown[] = [
      { t: 'job', job },
      { t: 'job', job: { ...job, extra: { n: 1 } }, other: 1 },
      { t: 'state', id: 'x', state: 'paused' },
      { t: 'state', id: 'x', state: 'failed', error: 'e' },
      { t: 'state', id: 'x', state: 'done', verified: { kind: 'md5' } },
      { t: 'state', id: 'x', state: 'running' },
      { t: 'state', id: '', state: 'paused' },
      { t: 'state', id: 'x', state: 'paused', error: null },
      { t: 'reset', id: 'x' },
      { t: 'nope', id: 'x' },
      null,
      [],
      'job',
      3,
      { t: 'job' },
      { t: 'job', job: null },
      { t: 'job', job: [] },
    ];
    const bad: Array<[string, unknown]> = [
      ['id', ''],
      ['id', 1],
      ['kind', 'move'],
      ['batchId', 1],
      ['accountId', ''],
      ['bucket', ''],
      ['region', null],
      ['region', 1],
      ['key', undefined],
      ['key', 5],
      ['localPath', ''],
      ['size', -1],
      ['size', 1.5],
      ['size', 2 ** 53],
      ['size', '1'],
      ['size', undefined],
      ['mtimeMs', 'x'],
      ['mtimeMs', null],
      ['mtimeMs', 1.5],
      ['etag', 1],
      ['onConflict', 'never'],
      ['spooled', 'yes'],
      ['spooled', false],
      ['contentType', 1],
      ['versionId', 5],
    ];
    for (const [k, v] of bad) {
      const j: Record<string, unknown> = { ...job };
      if (v === undefined) delete j[k];
      else j[k] = v;
      entries.push({ t: 'job', job: j });
    }
    const lines = entries.map((e) => JSON.stringify(e));
    // What JSON.stringify cannot write: Infinity (1e999) and -0.
    lines.push(JSON.stringify({ t: 'job', job }).replace('"size":1001', '"size":1e999'));
    lines.push(
      JSON.stringify({ t: 'job', job: { ...job, mtimeMs: 1 } }).replace('"mtimeMs":1', '"mtimeMs":-1e999'),
    );
    lines.push(JSON.stringify({ t: 'job', job }).replace('"size":1001', '"size":-0'));
    let taken = 0;
    for (const l of lines) {
      const byHand = entryOf(l);
      const bySchema = journalEntry.safeParse(JSON.parse(l));
      expect(byHand !== undefined, l).toBe(bySchema.success);
      if (byHand && bySchema.success) {
        taken++;
        expect(JSON.parse(JSON.stringify(byHand)), l).toMatchObject(
          JSON.parse(JSON.stringify(bySchema.data)),
        );
      }
    }
    expect(taken).toBeGreaterThan(5);
    // Parsed once: a job record the hand check takes is the parsed object (the schema's copy
    // would have dropped the unknown top-level field).
    expect((entryOf(JSON.stringify({ t: 'job', job, other: 1 })) as { other?: number }).other).toBe(1);
    expect(entryOf('{"t":"job"')).toBeUndefined();
    expect(entryOf('garbage')).toBeUndefined();
  });

  it('a short write of a snapshot page leaves exactly the bytes not written', () => {
    const pieces = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('fghi')];
    const all = Buffer.concat(pieces).toString();
    for (let n = 0; n <= all.length; n++)
      expect(Buffer.concat(unwritten(pieces, n)).toString(), `after ${n}`).toBe(all.slice(n));
    expect(unwritten(pieces, all.length)).toEqual([]);
    expect(Buffer.concat(pieces).toString()).toBe(all);
  });

  it('a journal that is its own snapshot is opened as it is; any other is rewritten', async () => {
    const up = { ...rec(1), kind: 'upload' as const, mtimeMs: 5, etag: undefined };
    const jobLines =
      line({ t: 'job', job: up }) +
      line({ t: 'upload', id: 'id-1', uploadId: 'U1', partSize: 10 }) +
      line({ t: 'part', id: 'id-1', n: 1, etag: 'p1', size: 10, uploadId: 'U1' }) +
      line({ t: 'state', id: 'id-1', state: 'paused' }) +
      line({ t: 'job', job: { ...rec(2), kind: 'upload', mtimeMs: 5 } }) +
      line({ t: 'initiating', id: 'id-2', key: 'k', at: 1, before: ['x'] }) +
      line({ t: 'job', job: rec(3) }) +
      line({ t: 'chunk', id: 'id-3', n: 0, crc: 'c', size: 10 }) +
      line({ t: 'chunk', id: 'id-3', n: 1, crc: 'd', size: 10 }) +
      line({ t: 'state', id: 'id-3', state: 'failed', error: 'boom' }) +
      line({ t: 'job', job: rec(4) });
    const cases: Array<[string, string, boolean]> = [
      ['its own snapshot', jobLines, false],
      ['empty', '', false],
      ['a state said twice', jobLines + line({ t: 'state', id: 'id-4', state: 'paused' }).repeat(2), true],
      [
        'a finished job',
        jobLines + line({ t: 'job', job: rec(5) }) + line({ t: 'state', id: 'id-5', state: 'done' }),
        true,
      ],
      ['a record of no job', jobLines + line({ t: 'reset', id: 'id-9' }), true],
      ['a blank line', jobLines + '\n', true],
      ['no newline at the end', jobLines.slice(0, -1), true],
      // As many lines as its snapshot has, one of them said twice and the last cut short: an
      // append must not be glued to it.
      [
        'a state said twice, the last without its newline',
        jobLines + line({ t: 'state', id: 'id-4', state: 'paused' }).repeat(2).slice(0, -1),
        true,
      ],
    ];
    for (const [what, text, rewritten] of cases) {
      const dir = tmp('journal-reuse-');
      const path = join(dir, JOURNAL_FILE);
      writeFileSync(path, text, { mode: 0o644 });
      const before = statSync(path);
      const first = await Journal.open(dir);
      expect(first.damage.skipped, what).toBe(0);
      // It still takes records: on their own lines, after what it held.
      await first.journal.append({ t: 'state', id: 'id-4', state: 'paused' });
      await first.journal.close();
      const after = statSync(path);
      expect(after.ino !== before.ino, what).toBe(rewritten);
      expect(after.mode & 0o777, what).toBe(0o600);
      const body = readFileSync(path, 'utf8');
      if (!rewritten) expect(body, what).toBe(text + line({ t: 'state', id: 'id-4', state: 'paused' }));
      const again = await Journal.open(dir);
      await again.journal.close();
      expect(again.damage.skipped, what).toBe(0);
      expect(
        again.jobs.map((j) => j.job.id),
        what,
      ).toEqual(first.jobs.map((j) => j.job.id));
      if (text) {
        expect(again.jobs.find((j) => j.job.id === 'id-4')?.state, what).toBe('paused');
        const [u, i, d] = again.jobs;
        expect([u.uploadId, [...u.parts.keys()], u.state], what).toEqual(['U1', [1], 'paused']);
        expect(i.initiating, what).toEqual({ key: 'k', at: 1, before: ['x'] });
        expect([[...d.chunks.keys()], d.state, d.error], what).toEqual([[0, 1], 'failed', 'boom']);
      }
      // Reopened after its own rewrite (or as it was): a snapshot now, left as it is.
      const ino = statSync(path).ino;
      const third = await Journal.open(dir);
      await third.journal.close();
      expect(statSync(path).ino, what).toBe(ino);
    }
  });
});
