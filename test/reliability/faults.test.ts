import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind, FaultRule } from '../support/fault-proxy';
import { DIALECTS } from '../integration/storage/helpers';
import {
  FULL,
  MiB,
  SEED,
  cli,
  exitIsHonest,
  mixedTree,
  record,
  reliabilityStack,
  verifyDownloads,
  verifyUploads,
  type ReliabilityStack,
  type Source,
  type Verdict,
} from './lib';

// One `cosdesk cp -r` (the built CLI) per fault kind through the fault proxy, aimed at the
// request where that fault hurts most. Whatever the fault, the promises are the same: the exit
// code is 0 exactly when every destination is byte-identical to its source, a failure is named,
// nothing wrong sits at a final name, no multipart upload is left open; and once the fault is
// gone `cosdesk transfers resume` finishes the job. CI runs each kind once (dialects
// alternating); `npm run test:reliability` runs each kind in both dialects.

interface FaultCase {
  kind: FaultKind;
  /** up: upload a mixed folder; down: download the seeded folder (a multipart object among it). */
  dir: 'up' | 'down';
  rule: Omit<FaultRule, 'kind'>;
  /** What the case is about, for the report. */
  why: string;
  env?: Record<string, string>;
}

const INITIATE = /[?&]uploads(?:[=&]|$)/;
const PART = /[?&]partNumber=/;
const COMPLETE = /^[^?]*big\.bin\?(?:.*&)?uploadId=[^&]*$/;

export const CASES: FaultCase[] = [
  { kind: 'reset-before', dir: 'up', rule: { method: 'PUT', path: PART, count: 2 }, why: 'part PUTs reset' },
  {
    kind: 'reset-after',
    dir: 'up',
    rule: { method: 'POST', path: INITIATE, count: 1 },
    why: 'Initiate done, its answer reset (non-idempotent POST)',
  },
  {
    kind: 'lost',
    dir: 'up',
    rule: { method: 'POST', path: COMPLETE, count: 1 },
    why: 'Complete done, its answer lost',
  },
  {
    kind: 'stall',
    dir: 'down',
    rule: { method: 'GET', path: /big\.bin/, count: 1, seconds: 15, afterBytes: 64 * 1024 },
    env: { COSDESK_TIMEOUT_MS: '6000' },
    why: 'a ranged GET stalls 15 s mid-body (request timeout 6 s)',
  },
  {
    kind: 'slow',
    dir: 'down',
    rule: { method: 'GET', path: /mid\.bin/, count: Infinity, bytesPerSecond: 192 * 1024 },
    env: { COSDESK_TIMEOUT_MS: '5000' },
    why: 'a 2-3 MiB GET at 192 KiB/s, longer than the 5 s request timeout but never idle',
  },
  {
    kind: 'slow',
    dir: 'up',
    rule: { method: 'PUT', path: /mid\.bin/, count: Infinity, bytesPerSecond: 192 * 1024 },
    env: { COSDESK_TIMEOUT_MS: '5000' },
    why: 'a 2-3 MiB PUT at 192 KiB/s, longer than the 5 s request timeout but never idle',
  },
  { kind: 'slowdown', dir: 'up', rule: { method: 'PUT', count: 4 }, why: 'a burst of four 503 SlowDown' },
  {
    kind: 'truncate-xml',
    dir: 'up',
    rule: { method: 'POST', path: INITIATE, count: 1 },
    why: "Initiate's answer cut in half",
  },
  {
    kind: 'malformed-xml',
    dir: 'up',
    rule: { method: 'POST', path: COMPLETE, count: 1 },
    why: "Complete's answer malformed",
  },
  {
    kind: 'flip-response',
    dir: 'down',
    rule: { method: 'GET', path: /big\.bin/, count: 1 },
    why: 'one flipped byte in a ranged GET of a multipart object',
  },
  {
    kind: 'flip-request',
    dir: 'up',
    rule: { method: 'PUT', path: PART, count: 1 },
    why: 'one flipped byte in a part PUT',
  },
  {
    kind: 'short-body',
    dir: 'down',
    rule: { method: 'GET', path: /big\.bin/, count: 1 },
    why: 'a ranged GET closes after half its Content-Length',
  },
];

describe.each(DIALECTS)('one fault kind at a time (%s)', (dialect) => {
  let s: ReliabilityStack;
  let seeded: Source[];
  const dialectSeed = SEED + (dialect === 'cos' ? 5000 : 4000);
  beforeAll(async () => {
    s = await reliabilityStack(dialect);
    seeded = await mixedTree(join(s.dir, 'seed-src'), dialectSeed, { smallFiles: 4 });
    await s.seed(join(s.dir, 'seed-src'), 'seed/');
  }, 300_000);
  afterAll(async () => {
    await s?.close();
  });

  CASES.forEach((c, i) => {
    // The CI subset: each kind once, dialects alternating.
    if (!FULL && i % 2 !== DIALECTS.indexOf(dialect)) return;
    const seed = dialectSeed + i + 1;
    it(`${c.kind}: ${c.why}`, async () => {
      const runDir = join(s.dir, `fault-${i}`);
      const up = `fault-${i}/`;
      const home = await s.newHome();
      const sources = c.dir === 'up' ? await mixedTree(join(runDir, 'src'), seed, { smallFiles: 4 }) : seeded;
      const args =
        c.dir === 'up'
          ? ['cp', '-r', '--part-size', String(5 * MiB), join(runDir, 'src'), s.uri(up)]
          : ['cp', '-r', '--part-size', String(5 * MiB), s.uri('seed/'), join(runDir, 'dst')];
      const verify = async (reported: string): Promise<Verdict> => {
        const v =
          c.dir === 'up'
            ? await verifyUploads(s, sources, `${up}src/`, reported)
            : await verifyDownloads(join(runDir, 'dst', 'seed'), sources, reported);
        for (const k of await s.openUploads()) v.problems.push(`${k}: a multipart upload left open`);
        return v;
      };

      const before = s.proxy.counts[c.kind];
      s.proxy.add({ kind: c.kind, ...c.rule });
      const run = await cli(home, ['--json', ...args], c.env);
      s.proxy.clear();
      const injected = s.proxy.counts[c.kind] - before;
      const reported = `${run.stdout}\n${run.stderr}`;
      const v = await verify(reported);
      const honest = exitIsHonest(run.code, v);
      if (!honest) v.problems.push(`cp exited ${run.code}: ${reported.trim().slice(0, 400)}`);
      const exitCodes = [run.code ?? -1];

      // With the fault gone, a failed run is finished by `transfers resume`.
      let after: Verdict | undefined;
      if (run.code !== 0) {
        const again = await cli(home, ['--json', 'transfers', 'resume']);
        exitCodes.push(again.code ?? -1);
        after = await verify(`${again.stdout}\n${again.stderr}`);
        if (!exitIsHonest(again.code, after))
          v.problems.push(`the resume after the fault exited ${again.code}`);
        if (again.code !== 0)
          v.problems.push(`the resume after the fault did not finish: ${again.stdout.slice(0, 300)}`);
        v.problems.push(...after.problems.map((p) => `after resume: ${p}`));
      }
      await s.abortUploads();
      record({
        suite: 'fault',
        dialect,
        name: `${c.kind}: ${c.why}`,
        seed,
        faults: { [c.kind]: injected },
        kills: 0,
        bytesVerified: (after ?? v).bytesVerified,
        bytesLost: v.bytesLost + (after?.bytesLost ?? 0),
        wrongExit: !honest,
        failedReported: v.failedReported,
        exitCodes,
        problems: v.problems,
      });
      if (c.dir === 'up') await s.removePrefix(up);
      await rm(runDir, { recursive: true, force: true });

      // The fault really happened, or the case tested nothing.
      expect(injected).toBeGreaterThan(0);
      expect(v.problems).toEqual([]);
      expect(v.bytesLost).toBe(0);
      expect(honest).toBe(true);
    }, 300_000);
  });
});
