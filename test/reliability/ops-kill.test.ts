import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_DIR } from '../../src-main/operations/journal';
import { DIALECTS } from '../integration/storage/helpers';
import { cli, objectSha, reliabilityStack, type ReliabilityStack } from './lib';

// `cosdesk cp -r` and `mv` of a folder are server-side bulk operations, journaled like the
// others: the built CLI is killed with SIGKILL part way (the proxy holds every copy after the
// first ones, so "part way" lasts), `cosdesk ops interrupted` lists what it left ("interrupted:
// N of M done"), and `cosdesk ops resume <id>` runs the rest. Then, straight on RGW: every
// object at its destination byte-identical to what was seeded, a move's sources all gone, and
// nothing left to resume.
const OBJECTS = 60;
const HELD_AFTER = 12;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('kill -9 of a bulk copy and move, then ops resume (%s)', (dialect) => {
  let s: ReliabilityStack;
  /** Relative name → sha256 of what was seeded. */
  const seeded = new Map<string, string>();
  let home = '';

  beforeAll(async () => {
    s = await reliabilityStack(dialect);
    const root = join(s.dir, 'ops-src');
    await mkdir(join(root, 'sub'), { recursive: true });
    for (let i = 0; i < OBJECTS; i++) {
      const rel = i % 3 === 0 ? `sub/f${i}.bin` : `f${i}.bin`;
      await writeFile(join(root, rel), randomBytes(1 + ((i * 977) % 9000)));
    }
    await s.seed(root, 'orig/');
    for (const key of await s.keys('orig/')) {
      seeded.set(key.slice('orig/'.length), (await objectSha(s.direct, s.rgwBucket, key))!);
    }
    expect(seeded.size).toBe(OBJECTS);
    home = await s.newHome();
  }, 300_000);

  afterAll(async () => {
    await s?.close();
  });

  /**
   * The running operation in the child's journal file, once it shows `done >= n` and the proxy
   * holds a copy (the first HELD_AFTER went through: the operation is part way).
   */
  async function journaled(
    n: number,
    heldBefore: number,
  ): Promise<{ id: string; done: number; total: number }> {
    const dir = join(home, JOURNAL_DIR);
    for (let i = 0; i < 2400; i++) {
      if (s.proxy.counts.stall <= heldBefore) {
        await sleep(50);
        continue;
      }
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        try {
          const doc = JSON.parse(await readFile(join(dir, f), 'utf8')) as {
            running: { id: string; done: number; total: number }[];
          };
          const e = doc.running.find((x) => x.done >= n);
          if (e) return e;
        } catch {
          // Written atomically: a file that does not parse is not one of ours.
        }
      }
      await sleep(50);
    }
    throw new Error(`the journal never showed ${n} done while a copy was held`);
  }

  /**
   * Runs `cosdesk <args>` with every copy after the first HELD_AFTER held by the proxy, kills
   * it with SIGKILL once its journal shows `done` of them (a move counts an object done when
   * its source is deleted, after all the copies: 0), and resumes what it left.
   */
  async function killAndResume(kind: 'copy' | 'move', args: string[], done: number) {
    const heldBefore = s.proxy.counts.stall;
    s.proxy.add({
      kind: 'stall',
      method: 'PUT',
      path: /\/(copy|moved)\//,
      skip: HELD_AFTER,
      count: Infinity,
      seconds: 60,
    });
    let child: ChildProcess | undefined;
    const run = cli(home, args, {}, 240_000, (c) => (child = c));
    const cut = await journaled(done, heldBefore);
    child!.kill('SIGKILL');
    const killed = await run;
    s.proxy.clear();
    expect(killed.signal).toBe('SIGKILL');

    const listed = await cli(home, ['--json', 'ops', 'interrupted']);
    expect(listed.code, listed.stderr).toBe(0);
    const ops = (listed.json?.interrupted ?? []) as {
      id: string;
      kind: string;
      done: number;
      summary: string;
    }[];
    expect(ops.map((o) => [o.id, o.kind])).toEqual([[cut.id, kind]]);
    expect(ops[0].done).toBeGreaterThanOrEqual(done);
    expect(ops[0].summary).toMatch(/^interrupted: \d+ of \d+ done$/);

    const resumed = await cli(home, ['--json', 'ops', 'resume', cut.id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ kind, state: 'done', failed: 0 });
    const after = await cli(home, ['--json', 'ops', 'interrupted']);
    expect(after.json?.interrupted).toEqual([]);
    return { resumed: resumed.json as { done: number; skipped: number } };
  }

  /** Objects under `prefix` against what was seeded: the names that differ or are missing. */
  async function differences(prefix: string): Promise<string[]> {
    const keys = new Set(await s.keys(prefix));
    const bad: string[] = [];
    for (const [rel, sha] of seeded) {
      const key = prefix + rel;
      if (!keys.has(key)) bad.push(`${key}: missing`);
      else if ((await objectSha(s.direct, s.rgwBucket, key)) !== sha) bad.push(`${key}: differs`);
      keys.delete(key);
    }
    for (const k of keys) bad.push(`${k}: not seeded`);
    return bad;
  }

  it('cp -r killed part way: ops resume copies the rest', async () => {
    const r = await killAndResume('copy', ['--json', 'cp', '-r', s.uri('orig/'), s.uri('copy/')], HELD_AFTER);
    // A copy runs again with "skip": what the killed one copied is not copied twice.
    expect(r.resumed.skipped).toBeGreaterThanOrEqual(HELD_AFTER);
    expect(r.resumed.done + r.resumed.skipped).toBe(OBJECTS);
    const bad = await differences('copy/orig/');
    expect(bad).toEqual([]);
    expect(await differences('orig/')).toEqual([]);
  }, 600_000);

  it('mv of a folder killed part way: ops resume moves the rest, no object lost or left behind', async () => {
    const r = await killAndResume('move', ['--json', 'mv', s.uri('copy/orig/'), s.uri('moved')], 0);
    expect(r.resumed.done).toBe(OBJECTS);
    const bad = await differences('moved/');
    const left = await s.keys('copy/orig/');
    expect(bad).toEqual([]);
    expect(left).toEqual([]);
  }, 600_000);
});
