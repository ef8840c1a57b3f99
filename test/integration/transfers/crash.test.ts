import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../storage/helpers';
import { MiB, randomFile, sha256File, transferStack, type TransferStack } from './harness';

const CHILD = join(import.meta.dirname, 'child-engine.ts');

function runChild(
  s: TransferStack,
  file: string,
  key: string,
  resume: boolean,
): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      ...process.env,
      ACCOUNT_JSON: JSON.stringify(s.account),
      DATA_DIR: join(s.dir, 'data'),
      FILE: file,
      BUCKET: s.bucket,
      KEY: key,
      RESUME: resume ? '1' : '0',
      CONCURRENCY: '2',
      // 12 MiB/s: a part every ~0.7 s, so the kill lands mid-upload even on a busy machine.
      ...(resume ? {} : { UPLOAD_BPS: String(12 * 1024 * 1024) }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, lines, exited };
}

describe.each(DIALECTS)('crash and resume (%s)', (dialect) => {
  let s: TransferStack;
  beforeAll(async () => {
    s = await transferStack(dialect, { proxy: true });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('kill -9 mid-upload, restart: only unfinished parts are sent again, no second upload, no orphan', async () => {
    const file = join(s.dir, 'crash.bin');
    const size = 96 * MiB;
    await randomFile(file, size, 11);
    s.proxy!.stats.partPuts = 0;
    const first = runChild(s, file, 'crash.bin', false);
    // Wait until some parts are in, then kill without warning.
    const journal = join(s.dir, 'data', 'journal.jsonl');
    const partsInJournal = () =>
      readFileSync(journal, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"t":"part"')).length;
    for (let i = 0; i < 600 && (await exists(journal).then((e) => !e || partsInJournal() < 4)); i++)
      await sleep(50);
    first.child.kill('SIGKILL');
    await first.exited;
    const before = partsInJournal();
    expect(before).toBeGreaterThanOrEqual(4);
    expect(before).toBeLessThan(12);
    const uploadsBefore = await s.pendingUploads();
    expect(uploadsBefore).toHaveLength(1);
    const sentBefore = s.proxy!.stats.partPuts;

    const second = runChild(s, file, 'crash.bin', true);
    expect(await second.exited).toBe(0);
    expect(second.lines.at(-1)).toBe('idle ["done"]');
    const resent = s.proxy!.stats.partPuts - sentBefore;
    // 12 parts of 8 MiB: the restart sends exactly those the journal had not recorded.
    expect(resent).toBe(12 - before);
    expect(await s.pendingUploads()).toEqual([]);
    const journalText = readFileSync(journal, 'utf8');
    expect(journalText.split('\n').filter((l) => l.includes('"t":"upload"'))).toHaveLength(1);

    const back = join(s.dir, 'crash-back.bin');
    const { TransferEngine } = await import('../../../src-main/transfers/engine');
    const e = await TransferEngine.open({ dir: join(s.dir, 'dl'), clientFor: async () => s.client });
    await e.add([
      {
        kind: 'download',
        accountId: 'a',
        bucket: s.bucket,
        key: 'crash.bin',
        localPath: back,
        size: 0,
        onConflict: 'overwrite',
      },
    ]);
    await e.idle();
    await e.close();
    expect((await stat(back)).size).toBe(size);
    expect(await sha256File(back)).toBe(await sha256File(file));
    // Two child processes (each loading the sources through tsx), 96 MiB up at 12 MiB/s and back
    // down: on a busy 2-core machine this takes well over the suite's 60 s.
  }, 240_000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
