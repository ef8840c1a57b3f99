import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount } from '../support/seed';
import { addRgwAccount, runCli } from '../support/cli';

// Issue 11 item 7 from the command line: `cosdesk upload-link` prints a PUT link for a new name
// (warning when the key exists), or a POST form with a curl command for any name in the folder.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `uplink-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const home = mkdtempSync(join(tmpdir(), 'cosdesk-uplink-'));
const work = mkdtempSync(join(tmpdir(), 'cosdesk-uplink-files-'));
const seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK));
const cli = (args: string[]) => runCli(home, args);

beforeAll(async () => {
  await seeder.createBucket(BUCKET);
  await seeder.putMany(BUCKET, ['drop/existing.txt'], { body: 'here' });
  addRgwAccount(home);
}, 60_000);
afterAll(async () => {
  await seeder.close();
});

describe('cosdesk upload-link', () => {
  it('--name prints a PUT link for the new key, and warns when the key exists', async () => {
    const r = cli(['upload-link', `s3://${BUCKET}/drop`, '--name', 'new.txt', '--expires', '10m', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { mode: string; key: string; url: string; exists: boolean };
    expect(out).toMatchObject({ mode: 'put', key: 'drop/new.txt', exists: false });
    const put = await fetch(out.url, { method: 'PUT', body: 'via the CLI link' });
    expect(put.status).toBe(200);
    expect(await seeder.exists(BUCKET, 'drop/new.txt')).toBe(true);

    const again = cli(['upload-link', `s3://${BUCKET}/drop/`, '--name', 'existing.txt', '--expires', '10m']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('drop/existing.txt exists already');
  });

  it('--prefix prints a POST form whose curl command uploads any name in the folder', () => {
    const r = cli(['upload-link', `s3://${BUCKET}/drop/`, '--prefix', '--expires', '10m']);
    expect(r.status, r.stderr).toBe(0);
    const cmd = r.stdout.slice(r.stdout.indexOf('curl ')).trim();
    writeFileSync(join(work, 'posted.txt'), 'through the form');
    const sh = spawnSync(
      'sh',
      ['-c', `${cmd.replace("'file=@FILE'", "'file=@posted.txt'")} -o /dev/null -w '%{http_code}'`],
      { cwd: work, encoding: 'utf8', timeout: 30_000 },
    );
    expect(sh.stdout.trim().slice(-3), sh.stderr).toBe('204');
  });

  it('asks for --name or --prefix, not both and not neither', () => {
    const neither = cli(['upload-link', `s3://${BUCKET}/drop/`, '--expires', '10m']);
    expect(neither.status).not.toBe(0);
    expect(neither.stderr).toContain('--name <name> for one new file, or --prefix');
    const both = cli(['upload-link', `s3://${BUCKET}/drop/`, '--name', 'a', '--prefix', '--expires', '10m']);
    expect(both.status).not.toBe(0);
  });
});
