import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';

// Local files as the CLI meets them: folder walks that survive kill -9, links, FIFOs, devices.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
type Env = Record<string, string | undefined>;

const home = mkdtempSync(join(tmpdir(), 'cosdesk-cli-local-'));
const env: Env = {
  ...process.env,
  COSDESK_HOME: home,
  COSDESK_ACCOUNT: undefined,
  COSDESK_SECRET_ID: AK,
  COSDESK_SECRET_KEY: SK,
  COSDESK_TOKEN: undefined,
};
const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];

function cosdesk(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, [BIN, ...args, ...conn], {
    encoding: 'utf8',
    timeout,
    env,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every key and size under `prefix`, by the AWS CLI (an independent lister). */
function listKeys(bucket: string, prefix: string): Array<[string, number]> {
  const r = spawnSync(
    'aws',
    [
      '--endpoint-url',
      S3_ENDPOINT,
      's3api',
      'list-objects-v2',
      '--bucket',
      bucket,
      '--prefix',
      prefix,
      '--query',
      'Contents[].[Key,Size]',
      '--output',
      'json',
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: AK,
        AWS_SECRET_ACCESS_KEY: SK,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
    },
  );
  expect(r.status, r.stderr).toBe(0);
  const rows = JSON.parse(r.stdout || 'null') as Array<[string, number]> | null;
  return (rows ?? []).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

const bucket = `cli-local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

beforeAll(() => {
  const mb = cosdesk(['mb', `s3://${bucket}`]);
  expect(mb.code, mb.stderr).toBe(0);
});
afterAll(() => {
  cosdesk(['rb', '--force', `s3://${bucket}`], 300_000);
});

describe('a folder upload killed mid-walk', () => {
  it('resumes the walk: every one of 3,000 files is uploaded exactly once', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'cosdesk-walk-')), 'tree');
    const expected: Array<[string, number]> = [];
    for (let d = 0; d < 3; d++) {
      mkdirSync(join(root, `d${d}`), { recursive: true });
      for (let i = 0; i < 1000; i++) {
        const body = `file ${d}/${i} `.padEnd(10 + ((d * 1000 + i) % 23), '.');
        writeFileSync(join(root, `d${d}`, `f${i}.txt`), body);
        expected.push([`w/tree/d${d}/f${i}.txt`, body.length]);
      }
    }
    expected.sort((a, b) => (a[0] < b[0] ? -1 : 1));

    // The test seam holds the walk after its first 1,000 files (all uploaded); then kill -9.
    const first = spawn(process.execPath, [BIN, 'cp', '-r', root, `s3://${bucket}/w/`, ...conn], {
      env: { ...env, COSDESK_TEST_WALK_STOP_AFTER: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    first.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => first.on('exit', (c) => r(c)));
    let gone = false;
    void exited.then(() => (gone = true));
    for (let i = 0; i < 2400 && !gone && !/walk stopped after/.test(err); i++) await sleep(50);
    expect(err).toMatch(/walk stopped after 1000 file\(s\)/);
    first.kill('SIGKILL');
    await exited;
    expect(listKeys(bucket, 'w/')).toHaveLength(1000);

    const again = cosdesk(['transfers', 'resume', '--json'], 240_000);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    const doc = JSON.parse(again.stdout) as { ok: boolean; summary: { total: number; failed: number } };
    expect(doc.ok).toBe(true);
    // The batch: 1,000 jobs before the kill, 2,000 added by the resumed walk, none twice.
    expect(doc.summary.total).toBe(2000);
    expect(doc.summary.failed).toBe(0);
    expect(listKeys(bucket, 'w/')).toEqual(expected);

    // Nothing is left to resume: a second resume queues nothing.
    const idle = cosdesk(['transfers', 'resume', '--json']);
    expect(idle.code, idle.stderr).toBe(0);
    expect((JSON.parse(idle.stdout) as { summary: { total: number } }).summary.total).toBe(0);
  }, 400_000);
});

describe('links, FIFOs, sockets and devices', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cosdesk-links-'));
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'plain');
    writeFileSync(join(src, 'sub', 'b.txt'), 'nested');
    writeFileSync(join(dir, 'outside.txt'), 'outside the folder');
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'c.txt'), 'in a linked folder');
    symlinkSync(join(dir, 'outside.txt'), join(src, 'link.txt'));
    symlinkSync(join(dir, 'elsewhere'), join(src, 'linked-dir'));
    symlinkSync('..', join(src, 'sub', 'loop'));
    symlinkSync(join(dir, 'nowhere'), join(src, 'dangling'));
    expect(spawnSync('mkfifo', [join(src, 'pipe')]).status).toBe(0);
    server = createServer();
    await new Promise<void>((r) => server.listen(join(src, 'sock'), r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  const skippedLines = (out: string) =>
    out
      .split('\n')
      .filter((l) => l.startsWith('skipped: '))
      .sort();

  it('cp -r skips links by default, and names every one it skipped', () => {
    const r = cosdesk(['cp', '-r', join(dir, 'src'), `s3://${bucket}/skip/`]);
    expect(r.code, r.stderr).toBe(0);
    const lines = skippedLines(r.stdout);
    expect(lines).toHaveLength(6);
    for (const name of ['dangling', 'link.txt', 'linked-dir', 'pipe', 'sock', 'sub/loop']) {
      expect(
        lines.some((l) => l.startsWith(`skipped: skip/src/${name}: ${join(dir, 'src', name)} is `)),
      ).toBe(true);
    }
    expect(lines.find((l) => l.includes('link.txt'))).toMatch(
      /symbolic link: skipped \(cosdesk cp --symlinks follow/,
    );
    expect(lines.find((l) => l.includes('pipe'))).toMatch(/a FIFO \(named pipe\), not a regular file/);
    expect(lines.find((l) => l.includes('sock'))).toMatch(/a socket, not a regular file/);
    expect(listKeys(bucket, 'skip/').map(([k]) => k)).toEqual(['skip/src/a.txt', 'skip/src/sub/b.txt']);
  });

  it('--symlinks follow uploads what links point to, reports a loop and a dangling link, and ends', () => {
    const r = cosdesk(['cp', '-r', join(dir, 'src'), `s3://${bucket}/follow/`, '--symlinks', 'follow']);
    expect(r.code, r.stderr).toBe(0);
    const lines = skippedLines(r.stdout);
    expect(lines.find((l) => l.includes('sub/loop'))).toBeDefined();
    expect(lines.find((l) => l.includes('dangling'))).toMatch(
      /symbolic link to something that does not exist/,
    );
    expect(lines.filter((l) => /link\.txt|linked-dir/.test(l))).toEqual([]);
    expect(listKeys(bucket, 'follow/')).toEqual([
      ['follow/src/a.txt', 5],
      ['follow/src/link.txt', 'outside the folder'.length],
      ['follow/src/linked-dir/c.txt', 'in a linked folder'.length],
      ['follow/src/sub/b.txt', 6],
    ]);
  });

  it('refuses an unknown --symlinks choice', () => {
    const r = cosdesk(['cp', '-r', join(dir, 'src'), `s3://${bucket}/x/`, '--symlinks', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--symlinks is follow or skip, not "maybe"/);
  });

  it.each(['/dev/zero', '/dev/null', 'pipe'])('cp of %s alone names it and exits non-zero', (what) => {
    const path = what.startsWith('/') ? what : join(dir, 'src', what);
    const r = cosdesk(['cp', path, `s3://${bucket}/dev/x`], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      new RegExp(
        `^cosdesk: ${path.replace(/[/.]/g, '\\$&')} is a (character device|FIFO \\(named pipe\\)), not a regular file`,
      ),
    );
    expect(listKeys(bucket, 'dev/')).toEqual([]);
  });

  it('a link named on the command line is followed', () => {
    const r = cosdesk(['cp', join(dir, 'src', 'link.txt'), `s3://${bucket}/named/l.txt`]);
    expect(r.code, r.stderr).toBe(0);
    expect(listKeys(bucket, 'named/')).toEqual([['named/l.txt', 'outside the folder'.length]]);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
