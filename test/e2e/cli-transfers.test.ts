import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRgwAccount } from '../support/cli';
import { requireEnv } from '../support/main';

// The built CLI (npm run build) as a user runs it, against RGW on loopback: what `cp` and
// `transfers` report must be what happened.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK, AK2, SK2 } = requireEnv('S3_ENDPOINT', 'AK', 'SK', 'AK2', 'SK2');

type Env = Record<string, string | undefined>;
const CLEAN: Env = {
  COSDESK_ACCOUNT: undefined,
  COSDESK_SECRET_ID: undefined,
  COSDESK_SECRET_KEY: undefined,
  COSDESK_TOKEN: undefined,
  COSDESK_MAX_ATTEMPTS: undefined,
  COSDESK_AUTO_RETRIES: undefined,
  COSDESK_RETRY_DELAY_MS: undefined,
};

/** Asynchronous, so servers of this process (the 503 one) can answer while the CLI runs. */
function start(args: string[], env: Env): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...CLEAN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = new Promise<Result>((r) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      r({ code, stdout, stderr });
    }),
  );
  return { child, done };
}
interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}
const cosdesk = (args: string[], env: Env) => start(args, env).done;

const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];
const newHome = () => mkdtempSync(join(tmpdir(), 'cosdesk-cli-xfer-'));
const adHoc = (home: string, ak = AK, sk = SK): Env => ({
  COSDESK_HOME: home,
  COSDESK_SECRET_ID: ak,
  COSDESK_SECRET_KEY: sk,
});
const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const journalOf = (home: string) => join(home, 'transfers', 'journal.jsonl');
/** How many records of type `t` the journal in `home` holds. */
const recordsOf = (home: string, t: string) =>
  existsSync(journalOf(home))
    ? readFileSync(journalOf(home), 'utf8')
        .split('\n')
        .filter((l) => l.includes(`"t":"${t}"`)).length
    : 0;
/** Runs `args` (ad-hoc keys) and kills it -9 once its journal holds `atLeast` records of type `t`. */
async function killOnceJournaled(home: string, args: string[], t: string, atLeast: number): Promise<void> {
  const run = start(args, adHoc(home));
  for (let i = 0; i < 1200 && recordsOf(home, t) < atLeast; i++) await new Promise((r) => setTimeout(r, 50));
  run.child.kill('SIGKILL');
  await run.done;
  expect(recordsOf(home, t)).toBeGreaterThanOrEqual(atLeast);
}

function aws(args: string[]) {
  const r = spawnSync('aws', ['--endpoint-url', S3_ENDPOINT, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: AK,
      AWS_SECRET_ACCESS_KEY: SK,
      AWS_DEFAULT_REGION: 'us-east-1',
    },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

function jobLine(job: Record<string, unknown>): string {
  return JSON.stringify({ t: 'job', job }) + '\n';
}

describe('cosdesk cp and transfers: honest outcomes', () => {
  const B = `cli-xfer-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'cosdesk-cli-xfer-files-'));
  const seed = join(work, 'seed.txt');

  beforeAll(async () => {
    writeFileSync(seed, 'seed content\n');
    const home = newHome();
    const mb = await cosdesk(['mb', `s3://${B}`, ...conn], adHoc(home));
    expect(mb.code, mb.stderr).toBe(0);
    const up = await cosdesk(['cp', seed, `s3://${B}/seed.txt`, ...conn], adHoc(home));
    expect(up.code, up.stdout + up.stderr).toBe(0);
  });
  afterAll(async () => {
    await cosdesk(['rb', '--force', `s3://${B}`, ...conn], adHoc(newHome()));
  });

  it('a missing object: exit 1, the reason named, and --json reports the failed job', async () => {
    const home = newHome();
    const out = join(work, 'missing.txt');
    const r = await cosdesk(['cp', `s3://${B}/no-such-key`, out, ...conn], adHoc(home));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/failed: .*no such object.*no-such-key/i);
    const j = await cosdesk(['cp', `s3://${B}/no-such-key`, out, ...conn, '--json'], adHoc(home));
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.stdout);
    expect(doc.ok).toBe(false);
    // Only this run's job: the failure left by the first run is not reported again.
    expect(doc.jobs).toHaveLength(1);
    expect(doc.jobs[0]).toMatchObject({
      key: 'no-such-key',
      localPath: out,
      state: 'failed',
      error: expect.stringMatching(/no such object/i),
    });
    expect(doc.jobs[0].id).toEqual(expect.any(String));
    expect(existsSync(out)).toBe(false);
  });

  it('another user’s keys on a private bucket: exit 1, access denied with what to check', async () => {
    const r = await cosdesk(
      ['cp', `s3://${B}/seed.txt`, join(work, 'denied.txt'), ...conn],
      adHoc(newHome(), AK2, SK2),
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/access denied.*bucket "cli-xfer-.*permissions/i);
  });

  it('a destination that cannot be written (a file where a folder must be): exit 1, the reason named', async () => {
    const blocker = join(work, 'blocker');
    writeFileSync(blocker, 'a file, not a folder');
    const r = await cosdesk(
      ['cp', `s3://${B}/seed.txt`, join(blocker, 'sub', 'x.txt'), ...conn],
      adHoc(newHome()),
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/failed: .*(a file of that name is in the way|is a file, not a folder)/);
  });

  it('a folder that cannot be listed (access denied): exit 1 with the reason, not "0 of 0"', async () => {
    const r = await cosdesk(
      ['cp', '-r', `s3://${B}/`, join(work, 'nolist') + '/', ...conn],
      adHoc(newHome(), AK2, SK2),
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/failed: not every file could be queued: .*access denied/i);
  });

  it('transfers resume: a job waiting on an existing file is reported (exit 1), --on-conflict answers it', async () => {
    const home = newHome();
    const dest = join(work, 'exists.txt');
    writeFileSync(dest, 'edited by the user');
    spawnSync('mkdir', ['-p', join(home, 'transfers')]);
    writeFileSync(
      journalOf(home),
      jobLine({
        id: 'asks',
        kind: 'download',
        batchId: 'app',
        accountId: 'tmp-app',
        bucket: B,
        key: 'seed.txt',
        localPath: dest,
        size: 0,
        onConflict: 'ask',
      }),
    );
    const asked = await cosdesk(['transfers', 'resume', ...conn], adHoc(home));
    expect(asked.code, asked.stdout + asked.stderr).toBe(1);
    expect(asked.stdout).toMatch(/conflict: .*seed\.txt.*--on-conflict/);
    expect(readFileSync(dest, 'utf8')).toBe('edited by the user');
    const skipped = await cosdesk(
      ['transfers', 'resume', '--on-conflict', 'skip', '--json', ...conn],
      adHoc(home),
    );
    expect(skipped.code, skipped.stdout + skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout).jobs).toEqual([
      expect.objectContaining({ id: 'asks', state: 'skipped' }),
    ]);
    expect(readFileSync(dest, 'utf8')).toBe('edited by the user');
  });

  it('a server that keeps answering 503: bounded retries, then exit 1 saying it kept failing', async () => {
    let requests = 0;
    const server: Server = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : '<?xml version="1.0"?><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await cosdesk(
        [
          'cp',
          `s3://${B}/seed.txt`,
          join(work, 'never.txt'),
          '--endpoint',
          endpoint,
          '--path-style',
          '--json',
        ],
        {
          ...adHoc(newHome()),
          COSDESK_MAX_ATTEMPTS: '1',
          COSDESK_AUTO_RETRIES: '2',
          COSDESK_RETRY_DELAY_MS: '50',
        },
      );
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.ok).toBe(false);
      expect(doc.jobs[0].state).toBe('failed');
      expect(doc.jobs[0].error).toMatch(/kept failing.*3 attempts/);
      // One request per run of the job: the first and its two automatic retries.
      expect(requests).toBe(3);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('--json lists every job of the run with its outcome; a good run exits 0', async () => {
    const dir = join(work, 'two');
    writeFileSync(join(work, 'one.txt'), '1');
    const home = newHome();
    const up = await cosdesk(['cp', join(work, 'one.txt'), `s3://${B}/two/one.txt`, ...conn], adHoc(home));
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const r = await cosdesk(['cp', '-r', `s3://${B}/two/`, dir + '/', ...conn, '--json'], adHoc(home));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.jobs).toEqual([
      expect.objectContaining({ key: 'two/one.txt', state: 'done', localPath: expect.stringContaining(dir) }),
    ]);
    expect(doc.jobs[0].verified === undefined || doc.jobs[0].verified !== 'size-only').toBe(true);
  });

  it('a damaged journal: list and cp still work, count the bad lines, keep the good jobs and a backup', async () => {
    const home = newHome();
    const dir = join(home, 'transfers');
    const mk = spawnSync('mkdir', ['-p', dir]);
    expect(mk.status).toBe(0);
    const good = {
      id: 'keepme',
      kind: 'download',
      batchId: 'old',
      accountId: 'tmp-gone',
      bucket: B,
      key: 'seed.txt',
      localPath: join(work, 'kept.txt'),
      size: 0,
      onConflict: 'overwrite',
    };
    const text =
      'null\n{"t":"job"}\n' +
      jobLine(good) +
      'garbage, not JSON\n{"t":"job","job":{"id":"x","kind":"upload"}}\n{"t":"state","id":"keepme","sta';
    writeFileSync(journalOf(home), text);
    const inode = statSync(journalOf(home)).ino;

    const list = await cosdesk(['transfers', 'list'], { COSDESK_HOME: home });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/keepme/);
    expect(list.stderr).toMatch(/warning: the transfer journal had 5 damaged line\(s\)/);
    // Listing is read-only: the same bytes in the same file, no backup made.
    expect(readFileSync(journalOf(home), 'utf8')).toBe(text);
    expect(statSync(journalOf(home)).ino).toBe(inode);
    expect(readdirSync(dir)).toEqual(['journal.jsonl']);

    const cp = await cosdesk(['cp', seed, `s3://${B}/after-damage.txt`, ...conn], adHoc(home));
    expect(cp.code, cp.stdout + cp.stderr).toBe(0);
    expect(cp.stderr).toMatch(/5 damaged line\(s\).*kept as .*journal\.jsonl\.damaged-/);
    const backups = readdirSync(dir).filter((f) => f.startsWith('journal.jsonl.damaged-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, backups[0]), 'utf8')).toBe(text);
    // The good job is still queued, and was not run by this cp.
    const after = await cosdesk(['transfers', 'list', '--json'], { COSDESK_HOME: home });
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toContainEqual(
      expect.objectContaining({ id: 'keepme', state: 'queued' }),
    );
    expect(after.stderr).toBe('');
  });

  it('transfers list leaves the journal byte-identical and in place', async () => {
    const home = newHome();
    const r = await cosdesk(['cp', `s3://${B}/no-such-key`, join(work, 'nope.txt'), ...conn], adHoc(home));
    expect(r.code).toBe(1);
    const before = statSync(journalOf(home));
    const bytes = readFileSync(journalOf(home));
    const list = await cosdesk(['transfers', 'list', '--json'], { COSDESK_HOME: home });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ key: 'no-such-key', state: 'failed' }),
    ]);
    expect(readFileSync(journalOf(home)).equals(bytes)).toBe(true);
    const after = statSync(journalOf(home));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.mode & 0o777).toBe(0o600);
  });

  it('transfers list says how each done job was checked; size-checked only is never called verified', async () => {
    const home = newHome();
    spawnSync('mkdir', ['-p', join(home, 'transfers')]);
    const job = (id: string) => ({
      id,
      kind: 'download',
      batchId: 'x',
      accountId: 'a',
      bucket: B,
      key: `${id}.bin`,
      localPath: join(work, `${id}.bin`),
      size: 3,
      onConflict: 'overwrite',
    });
    writeFileSync(
      journalOf(home),
      jobLine(job('sizeonly')) +
        JSON.stringify({ t: 'state', id: 'sizeonly', state: 'done', verified: 'size-only' }) +
        '\n' +
        jobLine(job('crc')) +
        JSON.stringify({ t: 'state', id: 'crc', state: 'done', verified: 'crc64' }) +
        '\n',
    );
    const text = await cosdesk(['transfers', 'list'], { COSDESK_HOME: home });
    expect(text.code, text.stderr).toBe(0);
    const lineOf = (id: string) => text.stdout.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(lineOf('sizeonly')).toMatch(/\bdone\s+size only\b/);
    expect(lineOf('crc')).toMatch(/\bdone\s+crc64\b/);
    const doc = JSON.parse((await cosdesk(['transfers', 'list', '--json'], { COSDESK_HOME: home })).stdout);
    expect(doc).toEqual([
      expect.objectContaining({ id: 'sizeonly', state: 'done', verified: 'size-only' }),
      expect.objectContaining({ id: 'crc', state: 'done', verified: 'crc64' }),
    ]);
  });

  it('cp runs only its own jobs: a job another process left queued waits for transfers resume', async () => {
    const home = newHome();
    addRgwAccount(home);
    const listed = JSON.parse(
      spawnSync(process.execPath, [BIN, 'accounts', 'list', '--json'], {
        encoding: 'utf8',
        env: { ...process.env, ...CLEAN, COSDESK_HOME: home },
      }).stdout,
    ) as { accounts: Array<{ id: string }> };
    const accountId = listed.accounts[0].id;
    const left = join(work, 'left-by-a.txt');
    spawnSync('mkdir', ['-p', join(home, 'transfers')]);
    writeFileSync(
      journalOf(home),
      jobLine({
        id: 'fromprocessa',
        kind: 'download',
        batchId: 'a',
        accountId,
        bucket: B,
        key: 'seed.txt',
        localPath: left,
        size: 0,
        onConflict: 'overwrite',
      }),
    );
    const cp = await cosdesk(['cp', seed, `s3://${B}/by-b.txt`, '--json'], {
      COSDESK_HOME: home,
      COSDESK_ACCOUNT: 'rgw',
    });
    expect(cp.code, cp.stdout + cp.stderr).toBe(0);
    const doc = JSON.parse(cp.stdout);
    expect(doc.jobs).toEqual([expect.objectContaining({ key: 'by-b.txt', state: 'done' })]);
    expect(existsSync(left)).toBe(false);
    const list = await cosdesk(['transfers', 'list', '--json'], { COSDESK_HOME: home });
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ id: 'fromprocessa', state: 'queued' }),
    );

    const resume = await cosdesk(['transfers', 'resume', '--json'], {
      COSDESK_HOME: home,
      COSDESK_ACCOUNT: 'rgw',
    });
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(JSON.parse(resume.stdout).jobs).toEqual([
      expect.objectContaining({ id: 'fromprocessa', state: 'done' }),
    ]);
    expect(readFileSync(left, 'utf8')).toBe('seed content\n');
  });

  // A user whose `cp` was killed runs the same command again: it carries on with the job the
  // first run left (its parts, its `.part` file), instead of starting from zero beside it and
  // leaving the first job and its partial file behind.
  it('cp run again after a kill carries on with the same job, both ways: nothing left behind', async () => {
    const home = newHome();
    const file = join(work, 'again.bin');
    writeFileSync(file, randomBytes(40 * 1024 * 1024));
    const records = (t: string) => recordsOf(home, t);
    const firstId = () => JSON.parse(readFileSync(journalOf(home), 'utf8').split('\n')[0]).job.id as string;
    const killAfter = (args: string[], t: string, atLeast: number) =>
      killOnceJournaled(home, args, t, atLeast);
    const slow = ['--limit-rate', '4M', '--concurrency', '2', '--part-size', '5242880'];

    const up = ['cp', file, `s3://${B}/again.bin`, ...slow, ...conn];
    await killAfter(up, 'part', 2);
    const upId = firstId();
    const upAgain = await cosdesk([...up, '--json'], adHoc(home));
    expect(upAgain.code, upAgain.stdout + upAgain.stderr).toBe(0);
    expect(JSON.parse(upAgain.stdout).jobs).toEqual([
      expect.objectContaining({ id: upId, key: 'again.bin', state: 'done' }),
    ]);
    const pending = JSON.parse(
      aws(['s3api', 'list-multipart-uploads', '--bucket', B, '--output', 'json']) || '{}',
    );
    expect(pending.Uploads ?? []).toEqual([]);

    const dlHome = home;
    const outDir = mkdtempSync(join(tmpdir(), 'cosdesk-cli-again-'));
    const back = join(outDir, 'again-back.bin');
    const down = ['cp', `s3://${B}/again.bin`, back, ...slow, ...conn];
    const chunksBefore = records('chunk');
    await killAfter(down, 'chunk', chunksBefore + 2);
    const downId = (
      readFileSync(journalOf(dlHome), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"t":"job"') && l.includes('"kind":"download"'))
        .map((l) => JSON.parse(l).job as { id: string })[0] ?? { id: '' }
    ).id;
    expect(downId).not.toBe('');
    const downAgain = await cosdesk([...down, '--json'], adHoc(dlHome));
    expect(downAgain.code, downAgain.stdout + downAgain.stderr).toBe(0);
    expect(JSON.parse(downAgain.stdout).jobs).toEqual([
      expect.objectContaining({ id: downId, key: 'again.bin', state: 'done' }),
    ]);
    expect(sha256(back)).toBe(sha256(file));
    expect(readdirSync(outDir)).toEqual(['again-back.bin']);
    const list = await cosdesk(['transfers', 'list', '--json'], { COSDESK_HOME: home });
    const left = (JSON.parse(list.stdout) as Array<{ state: string }>).filter(
      (j) => j.state !== 'done' && j.state !== 'skipped',
    );
    expect(left).toEqual([]);
  });

  it('cp -r run again after a kill carries on with the folder, both ways: each file once, nothing left behind', async () => {
    const home = newHome();
    const src = mkdtempSync(join(tmpdir(), 'cosdesk-cli-again-src-'));
    mkdirSync(join(src, 'sub'));
    const names = ['a.bin', 'b.bin', 'sub/c.bin', 'sub/d.txt', 'e.txt'];
    names.forEach((n, i) => writeFileSync(join(src, n), randomBytes(i < 2 ? 20 * 1024 * 1024 : 1000 + i)));
    const records = (t: string) => recordsOf(home, t);
    const killAfter = (args: string[], t: string, atLeast: number) =>
      killOnceJournaled(home, args, t, atLeast);
    const slow = ['--limit-rate', '4M', '--concurrency', '2', '--part-size', '5242880'];
    const unfinished = async () => {
      const list = await cosdesk(['transfers', 'list', '--json'], { COSDESK_HOME: home });
      return (JSON.parse(list.stdout) as Array<{ state: string }>).filter(
        (j) => j.state !== 'done' && j.state !== 'skipped',
      );
    };

    const up = ['cp', '-r', src, `s3://${B}/again-dir/`, '--on-conflict', 'overwrite', ...slow, ...conn];
    await killAfter(up, 'part', 2);
    const upAgain = await cosdesk([...up, '--json'], adHoc(home));
    expect(upAgain.code, upAgain.stdout + upAgain.stderr).toBe(0);
    const upJobs = JSON.parse(upAgain.stdout).jobs as Array<{ key: string; state: string }>;
    const base = src.split('/').at(-1);
    expect(upJobs.map((j) => j.key).sort()).toEqual(names.map((n) => `again-dir/${base}/${n}`).sort());
    expect(upJobs.every((j) => j.state === 'done')).toBe(true);
    expect(await unfinished()).toEqual([]);
    const pending = JSON.parse(
      aws(['s3api', 'list-multipart-uploads', '--bucket', B, '--output', 'json']) || '{}',
    );
    expect(pending.Uploads ?? []).toEqual([]);
    // Nothing of the first run is left to resume (its walk was taken over too).
    const resume = await cosdesk(['transfers', 'resume', '--json', ...conn], adHoc(home));
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(JSON.parse(resume.stdout).jobs).toEqual([]);

    const out = mkdtempSync(join(tmpdir(), 'cosdesk-cli-again-out-'));
    const down = ['cp', '-r', `s3://${B}/again-dir/${base}/`, out + '/', ...slow, ...conn];
    const chunks = records('chunk');
    await killAfter(down, 'chunk', chunks + 2);
    const downAgain = await cosdesk([...down, '--json'], adHoc(home));
    expect(downAgain.code, downAgain.stdout + downAgain.stderr).toBe(0);
    // The folder itself lands in `out` (as `cp -r` does), with no `.cosdesk-part` beside any file.
    const got = (readdirSync(join(out, base!), { recursive: true }) as string[]).map(String).sort();
    expect(got).toEqual([...names, 'sub'].sort());
    expect(readdirSync(out)).toEqual([base]);
    for (const n of names) expect(sha256(join(out, base!, n)), n).toBe(sha256(join(src, n)));
    expect(await unfinished()).toEqual([]);
  });

  it('an interrupted resume after a rebind, then another resume: one upload, byte-identical object', async () => {
    const home = newHome();
    const file = join(work, 'rebind.bin');
    writeFileSync(file, randomBytes(40 * 1024 * 1024));
    const parts = () =>
      existsSync(journalOf(home))
        ? readFileSync(journalOf(home), 'utf8')
            .split('\n')
            .filter((l) => l.includes('"t":"part"')).length
        : 0;
    const killAfter = async (args: string[], atLeast: number) => {
      const run = start(args, adHoc(home));
      for (let i = 0; i < 1200 && parts() < atLeast; i++) await new Promise((r) => setTimeout(r, 50));
      run.child.kill('SIGKILL');
      await run.done;
    };
    const slow = ['--limit-rate', '4M', '--concurrency', '2'];
    // The first run (ad-hoc account tmp-…) dies mid-upload.
    await killAfter(['cp', file, `s3://${B}/rebind.bin`, '--part-size', '5242880', ...slow, ...conn], 2);
    const first = parts();
    expect(first).toBeGreaterThanOrEqual(2);
    expect(first).toBeLessThan(8);
    // The resume rebinds the job to its own ad-hoc account, sends some parts, and dies too.
    await killAfter(['transfers', 'resume', ...slow, ...conn], first + 2);
    expect(parts()).toBeLessThan(8);
    const last = await cosdesk(['transfers', 'resume', '--json', ...conn], adHoc(home));
    expect(last.code, last.stdout + last.stderr).toBe(0);
    expect(JSON.parse(last.stdout).jobs).toEqual([
      expect.objectContaining({ key: 'rebind.bin', state: 'done' }),
    ]);

    const pending = JSON.parse(
      aws(['s3api', 'list-multipart-uploads', '--bucket', B, '--output', 'json']) || '{}',
    );
    expect(pending.Uploads ?? []).toEqual([]);
    const back = join(work, 'rebind-back.bin');
    const dl = await cosdesk(['cp', `s3://${B}/rebind.bin`, back, ...conn], adHoc(newHome()));
    expect(dl.code, dl.stdout + dl.stderr).toBe(0);
    expect(sha256(back)).toBe(sha256(file));
  });
});

describe('cosdesk cp and transfers: usage mistakes are said, not swallowed', () => {
  it('a local source that does not exist: exit 2 naming it; cancelling an unknown id: exit 1', async () => {
    const home = newHome();
    const r = await cosdesk(
      [
        'cp',
        join(home, 'nothing-here'),
        's3://bucket/key',
        '--endpoint',
        'http://127.0.0.1:9',
        '--path-style',
      ],
      adHoc(home),
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^cosdesk: ".*nothing-here" does not exist/);
    const c = await cosdesk(['transfers', 'cancel', 'deadbeef'], { COSDESK_HOME: home });
    expect(c.code, c.stderr).toBe(1);
    expect(c.stderr).toMatch(/No such transfer: deadbeef/);
  });
});
