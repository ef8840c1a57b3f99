import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_DIR } from '../../src-main/operations/journal';

// The built CLI lists a bulk operation that a dead process left in the data dir's journal as
// "interrupted: N of M done", and says how to run the rest or forget it.
const BIN = resolve('bin/cosdesk.js');
const home = mkdtempSync(join(tmpdir(), 'cosdesk-cli-ops-'));

function cosdesk(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, COSDESK_HOME: home, COSDESK_ACCOUNT: undefined },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cosdesk ops interrupted', () => {
  it('lists what a killed process left, and dismiss forgets it', () => {
    mkdirSync(join(home, JOURNAL_DIR), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const at = new Date().toISOString();
    writeFileSync(
      join(home, JOURNAL_DIR, `${dead}.json`),
      JSON.stringify({
        version: 1,
        running: [
          {
            id: 'op-1',
            request: { kind: 'delete', source: { accountId: 'a', bucket: 'photos' }, keys: ['old/'] },
            kind: 'delete',
            bucket: 'photos',
            total: 2500,
            done: 1000,
            failed: 0,
            startedAt: at,
            updatedAt: at,
          },
        ],
      }),
    );
    const r = cosdesk(['ops', 'interrupted']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/op-1\s+delete\s+photos\s+interrupted: 1,000 of 2,500 done/);
    expect(r.stdout).toContain('cosdesk ops resume <id>');
    const j = cosdesk(['ops', 'interrupted', '--json']);
    expect(JSON.parse(j.stdout).interrupted).toMatchObject([{ id: 'op-1', done: 1000, total: 2500 }]);
    expect(cosdesk(['ops', 'dismiss', 'op-1']).code).toBe(0);
    expect(cosdesk(['ops', 'interrupted']).stdout).toContain('No interrupted operations.');
    expect(readdirSync(join(home, JOURNAL_DIR)).filter((n) => n === `${dead}.json`)).toEqual([]);
  }, 120_000);
});
