import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../integration/storage/helpers';
import {
  FULL,
  SEED,
  cli,
  exitIsHonest,
  merge,
  mixedTree,
  queueChild,
  record,
  reliabilityStack,
  rng,
  verifyDownloads,
  verifyUploads,
  type CliResult,
  type ReliabilityStack,
  type Source,
} from './lib';

// Seeded kill -9 runs over a mixed queue: a process runs a queue of uploads (a multipart file,
// a few MiB file, small and empty files, a folder of small files) and a folder download
// (a multipart object among them) through the fault proxy; it is killed without warning when the
// proxy has seen a seeded number of its requests; `cosdesk transfers resume` (the built CLI)
// then runs until it says it is done. Every odd run also kills the first resume; every third run
// also gets a seeded schedule of faults the engine must ride out (resets, 503s, lost answers,
// short bodies, flipped bytes) while the queue runs. Then, straight
// on RGW: every object byte-identical to its file, every file to its object, no stray objects
// or files, no multipart upload left open, and the resume's exit code telling the truth.
// CI runs 3 per dialect; `npm run test:reliability` runs 12 per dialect.

const RUNS = FULL ? 12 : 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('kill -9 and resume over a mixed queue (%s)', (dialect) => {
  let s: ReliabilityStack;
  let seeded: Source[];
  /** Requests a whole uninterrupted queue makes: kill points are drawn below it. */
  let requestsPerQueue = 0;
  const dialectSeed = SEED + (dialect === 'cos' ? 1000 : 0);

  beforeAll(async () => {
    s = await reliabilityStack(dialect);
    seeded = await mixedTree(join(s.dir, 'seed-src'), dialectSeed, { smallFiles: 12 });
    await s.seed(join(s.dir, 'seed-src'), 'seed/');
    // One queue without a kill, to learn how many requests it makes.
    const home = await s.newHome();
    await mixedTree(join(s.dir, 'calibrate', 'src'), dialectSeed + 1);
    const before = s.proxy.requests;
    const q = queueChild(home, queueEnv(s, join(s.dir, 'calibrate'), 'calibrate/'));
    const r = await q.done;
    if (r.code !== 0) throw new Error(`the uninterrupted queue failed: ${r.stderr}`);
    requestsPerQueue = s.proxy.requests - before;
    await s.removePrefix('calibrate/');
    await rm(join(s.dir, 'calibrate'), { recursive: true, force: true });
  }, 300_000);

  afterAll(async () => {
    await s?.close();
  });

  for (let i = 0; i < RUNS; i++) {
    const seed = dialectSeed + 17 * (i + 1);
    const withFaults = i % 3 === 2;
    const label = [i % 2 ? 'resume killed too' : '', withFaults ? 'faults while queued' : '']
      .filter(Boolean)
      .join(', ');
    it(`run ${i + 1} of ${RUNS} (seed ${seed}${label ? `, ${label}` : ''})`, async () => {
      const r = rng(seed);
      const runDir = join(s.dir, `run-${i}`);
      const up = `run-${i}/`;
      const sources = await mixedTree(join(runDir, 'src'), seed);
      const home = await s.newHome();
      const faultsBefore = { ...s.proxy.counts };
      const exitCodes: number[] = [];
      let kills = 0;

      // 1. The queue, killed at a seeded request.
      const killAt = s.proxy.requests + 1 + Math.floor(r() * Math.max(1, requestsPerQueue - 2));
      if (withFaults)
        s.proxy.schedule({
          seed,
          rate: 0.08,
          kinds: [
            'reset-before',
            'reset-after',
            'slowdown',
            'lost',
            'short-body',
            'flip-response',
            'flip-request',
          ],
        });
      const q = queueChild(home, queueEnv(s, runDir, up));
      const reached = await Promise.race([
        s.proxy.waitForRequests(killAt, 240_000).then(() => true),
        q.done.then(() => false),
      ]);
      if (reached) {
        q.child.kill('SIGKILL');
        kills++;
      }
      await q.done;
      s.proxy.schedule(undefined);

      // 2. Resume until it says done (at most 6 tries; the odd runs kill the first one too).
      let last: CliResult | undefined;
      for (let attempt = 0; attempt < 6; attempt++) {
        if (attempt === 0 && i % 2 === 1) {
          const killResumeAt = s.proxy.requests + 1 + Math.floor(r() * Math.max(1, requestsPerQueue / 3));
          const child = cliChild(home);
          const hit = await Promise.race([
            s.proxy.waitForRequests(killResumeAt, 240_000).then(() => true),
            child.done.then(() => false),
          ]);
          if (hit) {
            child.kill();
            kills++;
          }
          const res = await child.done;
          exitCodes.push(res.code ?? -9);
          if (!hit) last = res;
          if (!hit && res.code === 0) break;
          continue;
        }
        last = await cli(home, ['--json', 'transfers', 'resume']);
        exitCodes.push(last.code ?? -1);
        if (last.code === 0) break;
        await sleep(3000);
      }
      const reported = `${last?.stdout ?? ''}\n${last?.stderr ?? ''}`;

      // 3. The checks, straight on RGW and on disk.
      const v = merge(
        await verifyUploads(s, sources, `${up}src/`, reported),
        await verifyDownloads(join(runDir, 'dst'), seeded, reported),
      );
      const open = await s.openUploads();
      for (const k of open) v.problems.push(`${k}: a multipart upload left open`);
      await s.abortUploads();
      const honest = exitIsHonest(last?.code ?? null, v);
      if (!honest)
        v.problems.push(
          `the last resume exited ${last?.code} (${JSON.stringify(last?.json?.summary ?? last?.stderr.trim())})`,
        );
      const faults = Object.fromEntries(
        Object.entries(s.proxy.counts)
          .map(([k, n]) => [k, n - faultsBefore[k as keyof typeof faultsBefore]])
          .filter(([, n]) => Number(n) > 0),
      );
      record({
        suite: 'kill',
        dialect,
        name: `kill run ${i + 1}`,
        seed,
        faults,
        kills,
        bytesVerified: v.bytesVerified,
        bytesLost: v.bytesLost,
        wrongExit: !honest,
        failedReported: v.failedReported,
        exitCodes,
        problems: v.problems,
      });
      await s.removePrefix(up);
      await rm(runDir, { recursive: true, force: true });

      expect(v.problems).toEqual([]);
      expect(v.bytesLost).toBe(0);
      expect(honest).toBe(true);
      // Nothing failed on a clean network: the resume finished every job.
      expect(last?.code).toBe(0);
      expect(v.failedReported).toBe(0);
    }, 600_000);
  }
});

function queueEnv(s: ReliabilityStack, runDir: string, upPrefix: string): Record<string, string> {
  return {
    BUCKET: s.bucket,
    SRC: join(runDir, 'src'),
    UP_PREFIX: upPrefix,
    DOWN_PREFIX: 'seed/',
    DST: join(runDir, 'dst'),
  };
}

/** `cosdesk transfers resume` that the test may kill -9 part way. */
function cliChild(home: string): { done: Promise<CliResult>; kill(): void } {
  let killer: (() => void) | undefined;
  const done = cli(home, ['--json', 'transfers', 'resume'], {}, 240_000, (c) => {
    killer = () => c.kill('SIGKILL');
  });
  return { done, kill: () => killer?.() };
}
