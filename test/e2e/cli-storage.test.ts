import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/main';

// The built CLI (npx electron-vite build), as a user runs it, against RGW on loopback.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');

type Env = Record<string, string | undefined>;

function cosdesk(args: string[], env: Env = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      COSDESK_ACCOUNT: undefined,
      COSDESK_SECRET_ID: undefined,
      COSDESK_SECRET_KEY: undefined,
      COSDESK_TOKEN: undefined,
      ...env,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const home = () => mkdtempSync(join(tmpdir(), 'cosdesk-cli-storage-'));
const unique = () => `cli-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Ad-hoc account: COSDESK_SECRET_* + connection flags, no keychain, no stored account. */
const adHoc: Env = { COSDESK_HOME: home(), COSDESK_SECRET_ID: AK, COSDESK_SECRET_KEY: SK };
const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];
const run = (...args: string[]) => cosdesk([...args, ...conn], adHoc);
const json = (...args: string[]) => {
  const r = run(...args, '--json');
  return { ...r, doc: r.stdout ? JSON.parse(r.stdout) : undefined };
};

/** Puts an object with content (the CLI has no upload command): the AWS CLI, literal key. */
function put(bucket: string, key: string, body: string, extra: string[] = []) {
  const file = join(mkdtempSync(join(tmpdir(), 'cosdesk-put-')), 'body');
  writeFileSync(file, body);
  const r = spawnSync(
    'aws',
    [
      '--endpoint-url',
      S3_ENDPOINT,
      's3api',
      'put-object',
      '--bucket',
      bucket,
      '--key',
      key,
      '--body',
      file,
      ...extra,
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: AK,
        AWS_SECRET_ACCESS_KEY: SK,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
    },
  );
  expect(r.status, r.stderr).toBe(0);
}

function expectOneLine(r: { code: number | null; stderr: string; stdout: string }, code: number, re: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cosdesk: /);
  expect(lines[0]).toMatch(re);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const ODD = ['ü ñ 文件.txt', 'a+b.txt', '100%.txt', '#hash.txt', 'what?.txt', 'sp ace/inner.txt'];

describe('cosdesk storage commands (ad-hoc account)', () => {
  const B = unique();
  const B2 = unique();

  beforeAll(() => {
    const mb = run('mb', `s3://${B}`);
    expect(mb.code, mb.stderr).toBe(0);
    expect(mb.stdout).toMatch(new RegExp(`Created bucket s3://${B}/`));
    const mb2 = json('mb', `s3://${B2}`);
    expect(mb2.code, mb2.stderr).toBe(0);
    expect(mb2.doc).toMatchObject({ ok: true, bucket: B2 });
    put(B, 'docs/readme.md', '# hello\n', [
      '--content-type',
      'text/markdown',
      '--metadata',
      'color=blue,owner=qa',
    ]);
    put(B, 'top.bin', 'x'.repeat(1536));
    for (const k of ODD) put(B, `odd/${k}`, `content of ${k}`);
  });

  afterAll(() => {
    run('rb', '--force', `s3://${B}`);
    run('rb', '--force', `s3://${B2}`);
  });

  it('lists buckets, in text and JSON', () => {
    const r = run('ls', 's3://');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').some((l) => l.endsWith(`  ${B}`))).toBe(true);
    const j = json('ls');
    expect(j.code, j.stderr).toBe(0);
    expect(j.doc.ok).toBe(true);
    expect(j.doc.buckets.map((b: { name: string }) => b.name)).toEqual(expect.arrayContaining([B, B2]));
  });

  it('makes a folder and lists a folder: folders first, then objects, names relative', () => {
    const mk = run('mkdir', `s3://${B}/empty dir`);
    expect(mk.code, mk.stderr).toBe(0);
    expect(mk.stdout).toContain(`Created folder s3://${B}/empty dir/`);

    const r = run('ls', `s3://${B}/`);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s{2,}/).at(-1))).toEqual(['docs/', 'empty dir/', 'odd/', 'top.bin']);
    expect(lines[0]).toMatch(/^DIR\s+docs\/$/);
    expect(lines[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1\.5 KiB\s+top\.bin$/);
    expect(run('ls', '--bytes', `s3://${B}/`).stdout).toMatch(/\s1536\s+top\.bin\n/);

    // Without the trailing slash: still the folder.
    const docs = run('ls', `s3://${B}/docs`);
    expect(docs.stdout.trimEnd()).toMatch(/\s+8 B\s+readme\.md$/);
    // An empty folder lists nothing (its own marker is the folder itself).
    expect(run('ls', `s3://${B}/empty dir/`).stdout).toBe('');
  });

  it('takes odd keys literally: unicode, spaces, +, %, #, ?', () => {
    const r = run('ls', `s3://${B}/odd/`);
    expect(r.code, r.stderr).toBe(0);
    const names = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/).at(-1));
    expect(names[0]).toBe('sp ace/');
    expect(names.slice(1).sort()).toEqual(ODD.filter((k) => !k.includes('/')).sort());

    const all = run('ls', '-r', `s3://${B}/odd/`);
    expect(all.code, all.stderr).toBe(0);
    const keys = all.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/).at(-1));
    expect(keys.sort()).toEqual(ODD.map((k) => `odd/${k}`).sort());

    for (const k of ODD) {
      const st = json('stat', `s3://${B}/odd/${k}`);
      expect(st.code, `${k}: ${st.stderr}`).toBe(0);
      expect(st.doc.object).toMatchObject({ key: `odd/${k}`, size: Buffer.byteLength(`content of ${k}`) });
    }
  });

  it('lists page by page with the same result, and prints one JSON document', () => {
    const paged = run('ls', '-r', '--page-size', '2', `s3://${B}/`);
    expect(paged.code, paged.stderr).toBe(0);
    const whole = run('ls', '-r', `s3://${B}/`);
    expect(paged.stdout.trimEnd().split('\n').sort()).toEqual(whole.stdout.trimEnd().split('\n').sort());
    expect(whole.stdout.trimEnd().split('\n')).toHaveLength(ODD.length + 3); // + readme, top.bin, empty dir/

    const j = json('ls', '--page-size', '1', `s3://${B}/`);
    expect(j.code, j.stderr).toBe(0);
    expect(j.doc).toMatchObject({ ok: true, bucket: B, prefix: '' });
    expect(j.doc.prefixes).toEqual(['docs/', 'empty dir/', 'odd/']);
    expect(j.doc.objects).toEqual([
      expect.objectContaining({
        key: 'top.bin',
        size: 1536,
        etag: expect.any(String),
        lastModified: expect.any(String),
      }),
    ]);
    const r = json('ls', '-r', `s3://${B}/odd/`);
    expect(r.doc.prefixes).toEqual([]);
    expect(r.doc.objects).toHaveLength(ODD.length);

    const bad = run('ls', '--page-size', '0', `s3://${B}/`);
    expect(bad.code).toBe(2);
  });

  it('shows object properties', () => {
    const r = run('stat', `s3://${B}/docs/readme.md`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Size:\s+8 B \(8 bytes\)$/m);
    expect(r.stdout).toMatch(/^ETag:\s+\S+/m);
    expect(r.stdout).toMatch(/^Content type:\s+text\/markdown$/m);
    expect(r.stdout).toMatch(/^Last modified:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(r.stdout).toMatch(/color: blue/);
    expect(r.stdout).toMatch(/owner: qa/);
    const j = json('stat', `s3://${B}/docs/readme.md`);
    expect(j.doc).toMatchObject({
      ok: true,
      bucket: B,
      object: {
        key: 'docs/readme.md',
        size: 8,
        contentType: 'text/markdown',
        metadata: { color: 'blue', owner: 'qa' },
      },
    });
    expectOneLine(run('stat', `s3://${B}/docs/nope.md`), 1, /does not exist/);
  });

  it('copies a key, into a folder or to a new name, and a folder with -r', () => {
    const into = run('cp', `s3://${B}/odd/a+b.txt`, `s3://${B}/copies/`);
    expect(into.code, into.stderr).toBe(0);
    expect(into.stdout).toContain(`Copied 1 object to s3://${B}/copies/a+b.txt`);
    const renamed = json('cp', `s3://${B}/odd/what?.txt`, `s3://${B2}/renamed #1.txt`);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.doc).toMatchObject({
      ok: true,
      count: 1,
      toBucket: B2,
      toKey: 'renamed #1.txt',
      errors: [],
    });
    expect(json('stat', `s3://${B2}/renamed #1.txt`).doc.object.size).toBe(
      Buffer.byteLength('content of what?.txt'),
    );

    // A folder needs -r.
    expectOneLine(run('cp', `s3://${B}/odd/`, `s3://${B}/copies/`), 2, /cp -r/);
    expectOneLine(run('cp', `s3://${B}/odd`, `s3://${B}/copies/`), 2, /is a folder: use cp -r/);

    const rec = run('cp', '-r', `s3://${B}/odd`, `s3://${B}/copies/`);
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toContain(`Copied ${ODD.length} objects to s3://${B}/copies/odd/`);
    const keys = json('ls', '-r', `s3://${B}/copies/odd/`).doc.objects.map((o: { key: string }) => o.key);
    expect(keys.sort()).toEqual(ODD.map((k) => `copies/odd/${k}`).sort());

    expectOneLine(run('cp', '-r', `s3://${B}/odd/`, `s3://${B}/odd/sub/`), 2, /into itself/);
    expectOneLine(run('cp', `s3://${B}/odd/a+b.txt`, `cos://${B}/x`), 2, /same account/);
  });

  it('moves a key and a folder', () => {
    const mvKey = run('mv', `s3://${B}/copies/a+b.txt`, `s3://${B}/copies/a plus b.txt`);
    expect(mvKey.code, mvKey.stderr).toBe(0);
    expect(mvKey.stdout).toContain(`Moved 1 object to s3://${B}/copies/a plus b.txt`);
    expect(run('stat', `s3://${B}/copies/a+b.txt`).code).toBe(1);
    expect(run('stat', `s3://${B}/copies/a plus b.txt`).code).toBe(0);

    // A folder, named without its slash, renamed.
    const mvDir = json('mv', `s3://${B}/copies/odd`, `s3://${B}/moved`);
    expect(mvDir.code, mvDir.stderr).toBe(0);
    expect(mvDir.doc).toMatchObject({ ok: true, key: 'copies/odd/', toKey: 'moved/', errors: [] });
    expect(mvDir.doc.count).toBeGreaterThanOrEqual(ODD.length);
    expect(json('ls', '-r', `s3://${B}/copies/odd/`).doc.objects).toEqual([]);
    const moved = json('ls', '-r', `s3://${B}/moved/`).doc.objects.map((o: { key: string }) => o.key);
    expect(moved.sort()).toEqual(ODD.map((k) => `moved/${k}`).sort());

    // Into a folder of another bucket, keeping the name.
    const across = run('mv', `s3://${B}/moved/`, `s3://${B2}/`);
    expect(across.code, across.stderr).toBe(0);
    expect(json('ls', '-r', `s3://${B2}/moved/`).doc.objects).toHaveLength(ODD.length);
    expect(json('ls', '-r', `s3://${B}/moved/`).doc.objects).toEqual([]);
  });

  it('deletes a key, and a folder with -r', () => {
    const one = run('rm', `s3://${B}/copies/a plus b.txt`);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe('Deleted 1 object.\n');
    expectOneLine(run('rm', `s3://${B}/copies/a plus b.txt`), 1, /does not exist/);
    expectOneLine(run('rm', `s3://${B2}/moved`), 2, /is a folder: use rm -r/);
    expectOneLine(run('rm', `s3://${B2}/moved/`), 2, /rm -r/);

    const rec = json('rm', '-r', `s3://${B2}/moved`);
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.doc).toMatchObject({ ok: true, deleted: ODD.length, key: 'moved/', errors: [] });
    expect(json('ls', '-r', `s3://${B2}/`).doc.objects.map((o: { key: string }) => o.key)).toEqual([
      'renamed #1.txt',
    ]);
  });

  it('refuses to delete a bucket that is not empty, and --force empties it first', () => {
    const r = run('rb', `s3://${B2}`);
    expectOneLine(r, 1, /not empty/);
    expect(r.stderr).toMatch(/Empty it first .*rb --force/);
    const j = json('rb', `s3://${B2}`);
    expect(j.doc).toMatchObject({ ok: false, error: { code: 'STORAGE' } });

    const f = run('rb', '--force', `s3://${B2}`);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain(`Deleted 1 object and the bucket s3://${B2}/.`);
    expectOneLine(run('ls', `s3://${B2}/`), 1, /bucket "[^"]+" does not exist/);
  });

  it('explains failures in one line: wrong secret, unknown bucket, refused connection, bad usage', () => {
    const wrong = cosdesk(['ls', `s3://${B}/`, ...conn], { ...adHoc, COSDESK_SECRET_KEY: 'not-the-secret' });
    expectOneLine(wrong, 1, /secret key is wrong/);
    const wrongJson = cosdesk(['ls', `s3://${B}/`, '--json', ...conn], {
      ...adHoc,
      COSDESK_SECRET_KEY: 'nope',
    });
    expect(JSON.parse(wrongJson.stdout)).toMatchObject({ ok: false, error: { code: 'STORAGE' } });

    expectOneLine(run('ls', `s3://no-such-bucket-${unique()}/`), 1, /does not exist/);
    expectOneLine(run('stat', `s3://no-such-bucket-${unique()}/k`), 1, /not exist|not found/i);

    const refused = cosdesk(['ls', `s3://${B}/`, '--endpoint', 'http://127.0.0.1:1', '--path-style'], adHoc);
    expectOneLine(refused, 1, /connection was refused/);

    expectOneLine(run('rm'), 2, /missing required argument/);
    expectOneLine(run('ls', 'http://x/y'), 2, /not a target/);
    expectOneLine(run('mb', `s3://${B}/key`), 2, /takes a bucket/);
    expectOneLine(run('stat', `s3://${B}`), 2, /names a bucket, not an object key/);
    expectOneLine(cosdesk(['ls', `s3://${B}/`, ...conn], { COSDESK_HOME: home() }), 2, /COSDESK_SECRET_ID/);
    expectOneLine(cosdesk(['ls', `s3://${B}/`], adHoc), 2, /--endpoint/);
  });
});

describe('cosdesk storage commands (stored account, keychain)', () => {
  const B = unique();
  const dir = home();
  const env: Env = { COSDESK_HOME: dir };
  const add = (name: string) =>
    cosdesk(
      [
        'accounts',
        'add',
        '--kind',
        's3',
        '--name',
        name,
        '--secret-id',
        AK,
        '--region',
        'us-east-1',
        ...conn,
      ],
      { ...env, COSDESK_SECRET_KEY: SK },
    );

  afterAll(() => {
    cosdesk(['rb', '--force', `s3://${B}`, '--account', 'rgw'], env);
  });

  it('uses --account, or the only account of the scheme, and says when the scheme does not match', () => {
    const a = add('rgw');
    expect(a.code, a.stderr).toBe(0);

    const mb = cosdesk(['mb', `s3://${B}`, '--account', 'rgw'], env);
    expect(mb.code, mb.stderr).toBe(0);
    const mk = cosdesk(['mkdir', `s3://${B}/from account`, '--account', 'rgw'], env);
    expect(mk.code, mk.stderr).toBe(0);

    // The only S3 account: no --account needed.
    const ls = cosdesk(['ls', `s3://${B}/`], env);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^DIR\s+from account\/$/m);
    const viaEnv = cosdesk(['ls', `s3://${B}/`, '--json'], { ...env, COSDESK_ACCOUNT: 'rgw' });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ ok: true, prefixes: ['from account/'] });

    expectOneLine(
      cosdesk(['ls', `cos://${B}/`, '--account', 'rgw'], env),
      2,
      /"rgw" is an S3 account: write s3:\/\/ targets/,
    );
    expectOneLine(cosdesk(['ls', `s3://${B}/`, '--account', 'nobody'], env), 1, /nobody/);

    expect(add('rgw2').code).toBe(0);
    expectOneLine(cosdesk(['ls', `s3://${B}/`], env), 2, /Several S3 accounts .*--account/);
    expect(cosdesk(['ls', `s3://${B}/`, '--account', 'rgw2'], env).code).toBe(0);
  });
});
