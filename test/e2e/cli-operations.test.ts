import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';
import { runCli } from '../support/cli';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';

// `cosdesk rm -r` of a big folder: progress on stderr, the true count on stdout.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const B = `cliops-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const N = 2500;
const env = { COSDESK_SECRET_ID: AK, COSDESK_SECRET_KEY: SK };
const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];
let seeder: Seeder;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-cli-ops-'));

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
  await seeder.createBucket(B);
  const keys = Array.from({ length: N }, (_, i) => `big/${String(i).padStart(4, '0')}.txt`);
  await seeder.putMany(B, [...keys, 'keep.txt'], { concurrency: 32 });
}, 120_000);

afterAll(async () => {
  await seeder?.close();
});

describe('cosdesk rm -r', () => {
  it('prints progress while it deletes and the true count at the end', () => {
    const r = runCli(home, ['rm', '-r', `s3://${B}/big`, ...conn], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Deleted ${N} objects.\n`);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^Deleting: [\d,]+ of [\d,]+\+? deleted$/);
    const j = runCli(home, ['rm', '-r', `s3://${B}/big`, '--json', ...conn], env);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, deleted: 0, key: 'big/' });
    const ls = runCli(home, ['ls', '-r', `s3://${B}/`, '--json', ...conn], env);
    expect(JSON.parse(ls.stdout).objects.map((o: { key: string }) => o.key)).toEqual(['keep.txt']);
  });
});
