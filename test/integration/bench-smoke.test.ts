// The benchmark runner's smoke variant (BENCH_SMOKE=1: tiny sizes, one round) on the test RGW:
// every scenario runs for cosdesk and every peer, every download is checked by the runner, and
// the results file has a row per tool. Nothing here is about speed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';

requireEnv('S3_ENDPOINT', 'AK', 'SK');

describe('npm run bench (smoke variant)', () => {
  it('runs every scenario for cosdesk and its peers and writes the results file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cosdesk-bench-smoke-')), 'RESULTS.md');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bench/run.ts'], {
        env: { ...process.env, BENCH_SMOKE: '1', BENCH_OUT: out },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (c) => (err = (err + String(c)).slice(-6000)));
      child.on('exit', (c) => done({ code: c, stderr: err }));
    });
    expect(code, stderr).toBe(0);
    const md = readFileSync(out, 'utf8');
    for (const s of ['a', 'b', 'c', 'd', 'e up', 'e down', 'f', 'g', 'h', 'i'])
      expect(md).toContain(`## (${s})`);
    for (const tool of [
      '**cosdesk**',
      'rclone',
      'rclone (tuned)',
      'aws-cli',
      'aws-cli (tuned)',
      's3cmd',
      'ceiling (curl',
      '**cosdesk (COS)**',
      'cos-nodejs-sdk-v5',
      'cos-nodejs-sdk-v5 (tuned)',
    ])
      expect(md).toContain(`| ${tool}`);
    // Every row of a tool table has a measured time (a number), never a blank or NaN; every
    // other table (UI at scale, the event loop) has no blank or NaN cell.
    const lines = md.split('\n');
    let header = '';
    let toolRows = 0;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (!l.startsWith('| ') || l.startsWith('|---')) continue;
      if (lines[i + 1]?.startsWith('|---')) {
        header = l;
        continue;
      }
      const cells = l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      if (header.startsWith('| tool |')) {
        toolRows++;
        expect(cells[1], l).toMatch(/^\d+\.\d+$/);
      } else if (!header.startsWith('| transfer |')) {
        for (const c of cells) expect(c, `${header}\n${l}`).not.toMatch(/^$|NaN|undefined/);
      }
    }
    expect(toolRows).toBeGreaterThan(40);
  }, 900_000);
});
