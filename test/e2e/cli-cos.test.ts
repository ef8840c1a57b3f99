import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64Decimal } from '../../src-main/storage/crc64';
import { APPID, REGION, destroyBucket, rejection, rgwEnv, sdk, startGateway } from '../conformance/helpers';
import type { CosGateway } from '../cos-gateway/server';

// The built CLI (npx electron-vite build), as a user runs it, in the COS dialect against an
// in-process COS gateway (in front of RGW), refereed by the official COS SDK both ways.
const BIN = resolve('bin/cosdesk.js');
const env = rgwEnv();
const Region = REGION;

type Env = Record<string, string | undefined>;
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without blocking this process: the gateway answering the CLI lives here, so
 * spawnSync would deadlock.
 */
function exec(file: string, args: string[], extra: Env = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, {
      env: {
        ...process.env,
        COSDESK_ACCOUNT: undefined,
        COSDESK_SECRET_ID: undefined,
        COSDESK_SECRET_KEY: undefined,
        COSDESK_TOKEN: undefined,
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const unique = () => `cli-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${APPID}`;
const ODD = [
  'ü ñ 文件.txt',
  'a+b.txt',
  '100%.txt',
  '#hash.txt',
  'what?.txt',
  'a&b=c;d.txt',
  '~tilde (1).txt',
  'sp ace/inner.txt',
];

function expectOneLine(r: Run, code: number, re: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cosdesk: /);
  expect(lines[0]).toMatch(re);
}

describe('cosdesk in the COS dialect through the COS gateway, refereed by the official SDK', () => {
  let gw: CosGateway;
  let cos: COS;
  const B = unique();
  const B2 = unique();
  const adHoc: Env = {
    COSDESK_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-cli-cos-')),
    COSDESK_SECRET_ID: env.ak,
    COSDESK_SECRET_KEY: env.sk,
  };
  const endpoint = () => `http://{bucket}.cos.{region}.localhost:${gw.port}`;
  const conn = () => [
    '--endpoint',
    endpoint(),
    '--service-endpoint',
    `http://service.cos.localhost:${gw.port}`,
    '--region',
    Region,
    '--app-id',
    APPID,
  ];
  const run = (...args: string[]) => exec(process.execPath, [BIN, ...args, ...conn()], adHoc);
  const json = async (...args: string[]) => {
    const r = await run(...args, '--json');
    return { ...r, doc: r.stdout ? JSON.parse(r.stdout) : undefined };
  };
  const bodyOf = (k: string) => `content of ${k}`;
  const keysUnder = async (Bucket: string, Prefix: string) =>
    (await cos.getBucket({ Bucket, Region, Prefix, MaxKeys: 1000 })).Contents.map((c) => c.Key).sort();

  beforeAll(async () => {
    gw = await startGateway(env);
    cos = sdk(gw, env.ak, env.sk);
    await cos.putBucket({ Bucket: B, Region });
    await cos.putBucket({ Bucket: B2, Region });
    await cos.putObject({
      Bucket: B,
      Region,
      Key: 'docs/readme.md',
      Body: '# hello\n',
      ContentType: 'text/markdown',
      Headers: { 'x-cos-meta-color': 'blue' },
    });
    await cos.putObject({ Bucket: B, Region, Key: 'top.bin', Body: Buffer.alloc(1536, 7) });
    for (const k of ODD) await cos.putObject({ Bucket: B, Region, Key: `odd/${k}`, Body: bodyOf(k) });
  });

  afterAll(async () => {
    if (!cos) return;
    await destroyBucket(cos, B);
    await destroyBucket(cos, B2);
    await gw.close();
  });

  it('ls cos:// lists buckets through the service endpoint, with their region', async () => {
    const r = await run('ls', 'cos://');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').some((l) => / ap-guangzhou\s+/.test(l) && l.endsWith(`  ${B}`))).toBe(true);
    const j = await json('ls', 'cos://');
    expect(j.code, j.stderr).toBe(0);
    expect(j.doc.buckets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: B, region: Region }),
        expect.objectContaining({ name: B2, region: Region }),
      ]),
    );
    const sdkNames = (await cos.getService({})).Buckets.map((b) => b.Name);
    expect(j.doc.buckets.map((b: { name: string }) => b.name).sort()).toEqual(sdkNames.sort());
  });

  it('ls cos://<bucket>/ lists what the SDK uploaded: folders first, odd keys literally', async () => {
    const r = await run('ls', `cos://${B}/`);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s{2,}/).at(-1))).toEqual(['docs/', 'odd/', 'top.bin']);
    expect(lines[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1\.5 KiB\s+top\.bin$/);

    const odd = await run('ls', `cos://${B}/odd/`);
    expect(odd.code, odd.stderr).toBe(0);
    const names = odd.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/).at(-1));
    expect(names[0]).toBe('sp ace/');
    expect(names.slice(1).sort()).toEqual(ODD.filter((k) => !k.includes('/')).sort());

    // Recursive and page by page (marker pagination), the same keys the SDK lists.
    const rec = await json('ls', '-r', '--page-size', '3', `cos://${B}/odd/`);
    expect(rec.code, rec.stderr).toBe(0);
    const keys = rec.doc.objects.map((o: { key: string }) => o.key).sort();
    expect(keys).toEqual(ODD.map((k) => `odd/${k}`).sort());
    expect(keys).toEqual(await keysUnder(B, 'odd/'));
  });

  it('stat shows the CRC64 the gateway stored, the same the SDK sees and crc64.ts computes', async () => {
    const head = await cos.headObject({ Bucket: B, Region, Key: 'top.bin' });
    const stored = head.headers?.['x-cos-hash-crc64ecma'];
    expect(stored).toBe(crc64Decimal(Buffer.alloc(1536, 7)));

    const r = await run('stat', `cos://${B}/top.bin`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^CRC64:\\s+${stored}$`, 'm'));
    expect(r.stdout).toMatch(/^Size:\s+1\.5 KiB \(1536 bytes\)$/m);

    const j = await json('stat', `cos://${B}/docs/readme.md`);
    expect(j.code, j.stderr).toBe(0);
    expect(j.doc.object).toMatchObject({
      key: 'docs/readme.md',
      size: 8,
      contentType: 'text/markdown',
      crc64: crc64Decimal('# hello\n'),
      metadata: { color: 'blue' },
    });
    for (const k of ODD) {
      const st = await json('stat', `cos://${B}/odd/${k}`);
      expect(st.code, `${k}: ${st.stderr}`).toBe(0);
      expect(st.doc.object).toMatchObject({ key: `odd/${k}`, crc64: crc64Decimal(bodyOf(k)) });
    }
  });

  it('what the CLI creates (mkdir, cp, mv) the SDK sees with getBucket and headObject', async () => {
    const mk = await run('mkdir', `cos://${B}/made by cli/照片`);
    expect(mk.code, mk.stderr).toBe(0);
    const marker = await cos.headObject({ Bucket: B, Region, Key: 'made by cli/照片/' });
    expect(marker.headers?.['content-length']).toBe('0');
    expect(await keysUnder(B, 'made by cli/')).toEqual(['made by cli/照片/']);

    // Remote-to-remote copy, into a folder, and to a new name in another bucket.
    const into = await run('cp', `cos://${B}/odd/a+b.txt`, `cos://${B}/copies/`);
    expect(into.code, into.stderr).toBe(0);
    expect(into.stdout).toContain(`Copied 1 object to cos://${B}/copies/a+b.txt`);
    const copied = await cos.headObject({ Bucket: B, Region, Key: 'copies/a+b.txt' });
    expect(copied.headers?.['x-cos-hash-crc64ecma']).toBe(crc64Decimal(bodyOf('a+b.txt')));
    const across = await run('cp', `cos://${B}/odd/what?.txt`, `cos://${B2}/renamed #1.txt`);
    expect(across.code, across.stderr).toBe(0);
    const got = await cos.getObject({ Bucket: B2, Region, Key: 'renamed #1.txt' });
    expect(got.Body.toString()).toBe(bodyOf('what?.txt'));

    // Rename a key: the old one is gone for the SDK, the new one is there.
    const mv = await run('mv', `cos://${B}/copies/a+b.txt`, `cos://${B}/copies/a plus b.txt`);
    expect(mv.code, mv.stderr).toBe(0);
    expect(await rejection(cos.headObject({ Bucket: B, Region, Key: 'copies/a+b.txt' }))).toMatchObject({
      statusCode: 404,
    });
    expect(await keysUnder(B, 'copies/')).toEqual(['copies/a plus b.txt']);

    // Move a folder (named without its slash) recursively.
    const cpr = await run('cp', '-r', `cos://${B}/odd`, `cos://${B}/work/`);
    expect(cpr.code, cpr.stderr).toBe(0);
    const mvDir = await json('mv', `cos://${B}/work/odd`, `cos://${B}/moved`);
    expect(mvDir.code, mvDir.stderr).toBe(0);
    expect(mvDir.doc).toMatchObject({ ok: true, key: 'work/odd/', toKey: 'moved/', errors: [] });
    expect(await keysUnder(B, 'work/')).toEqual([]);
    expect(await keysUnder(B, 'moved/')).toEqual(ODD.map((k) => `moved/${k}`).sort());
    for (const k of ODD) {
      const h = await cos.headObject({ Bucket: B, Region, Key: `moved/${k}` });
      expect(h.headers?.['x-cos-hash-crc64ecma'], k).toBe(crc64Decimal(bodyOf(k)));
    }
  });

  it('mb and rb with a short name: the --app-id is added', async () => {
    const full = unique();
    const short = full.slice(0, -APPID.length - 1);
    const mb = await run('mb', `cos://${short}`);
    expect(mb.code, mb.stderr).toBe(0);
    expect(mb.stdout).toContain(full);
    await cos.headBucket({ Bucket: full, Region });
    const rb = await run('rb', `cos://${full}`);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await rejection(cos.headBucket({ Bucket: full, Region }))).toMatchObject({ statusCode: 404 });
  });

  it('takes the {bucket} template from a shell, quoted or not', async () => {
    const rest = `--service-endpoint http://service.cos.localhost:${gw.port} --region ${Region} --app-id ${APPID}`;
    const cmd = (ep: string) =>
      `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ls "cos://${B}/docs/" --endpoint ${ep} ${rest}`;
    for (const ep of [`'${endpoint()}'`, `"${endpoint()}"`, endpoint()]) {
      for (const shell of ['/bin/sh', '/bin/bash']) {
        const r = await exec(shell, ['-c', cmd(ep)], adHoc);
        expect(r.code, `${shell} ${ep}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/\s8 B\s+readme\.md\n$/);
      }
    }
  });

  it('explains failures in one line: wrong secret, unknown key id, unknown bucket, refused connection', async () => {
    const wrong = await exec(process.execPath, [BIN, 'ls', `cos://${B}/`, ...conn()], {
      ...adHoc,
      COSDESK_SECRET_KEY: 'not-the-secret',
    });
    expectOneLine(wrong, 1, /the secret key is wrong/);
    const unknown = await exec(process.execPath, [BIN, 'ls', `cos://${B}/`, ...conn()], {
      ...adHoc,
      COSDESK_SECRET_ID: 'AKIDNOSUCHKEY0000000',
    });
    expectOneLine(unknown, 1, /does not know this key id/);
    expectOneLine(await run('ls', `cos://${unique()}/`), 1, /does not exist/);
    const refused = await exec(
      process.execPath,
      [
        BIN,
        'ls',
        `cos://${B}/`,
        '--endpoint',
        'http://{bucket}.cos.{region}.localhost:1',
        '--service-endpoint',
        'http://service.cos.localhost:1',
        '--app-id',
        APPID,
      ],
      adHoc,
    );
    expectOneLine(refused, 1, /connection was refused/);
    expectOneLine(
      await exec(process.execPath, [BIN, 'ls', `cos://${B}/`, '--endpoint', 'http://no-template:1'], adHoc),
      2,
      /\{bucket\}/,
    );
  });
});
