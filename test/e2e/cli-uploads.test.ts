import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPID, REGION, destroyBucket, rgwEnv, sdk, startGateway } from '../conformance/helpers';
import type { CosGateway } from '../cos-gateway/server';

// Issue 10 §5: `cosdesk uploads ls|abort` for what other tools left behind, in both dialects:
// uploads started by `aws s3api create-multipart-upload` (S3) and by the official COS SDK (COS).
const BIN = resolve('bin/cosdesk.js');
const env = rgwEnv();

type Env = Record<string, string | undefined>;
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI without blocking this process (the COS gateway answering it lives here). */
function exec(args: string[], extra: Env): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
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

function aws(args: string[], keys: { ak: string; sk: string } = env) {
  const r = spawnSync('aws', ['--endpoint-url', env.endpoint, 's3api', ...args, '--output', 'json'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: keys.ak,
      AWS_SECRET_ACCESS_KEY: keys.sk,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

const home = () => mkdtempSync(join(tmpdir(), 'cosdesk-cli-uploads-'));
const partFile = (size: number) => {
  const f = join(mkdtempSync(join(tmpdir(), 'cosdesk-part-')), 'part');
  writeFileSync(f, randomBytes(size));
  return f;
};

describe('cosdesk uploads (S3, left by the AWS CLI)', () => {
  const B = `upl-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const conn = ['--endpoint', env.endpoint, '--path-style'];
  const as = (ak: string, sk: string) => (args: string[]) =>
    exec([...args, ...conn], { COSDESK_HOME: home(), COSDESK_SECRET_ID: ak, COSDESK_SECRET_KEY: sk });
  const run = as(env.ak, env.sk);
  let left: string;
  let other: string;

  beforeAll(() => {
    aws(['create-bucket', '--bucket', B]);
    left = aws(['create-multipart-upload', '--bucket', B, '--key', 'left/over.bin']).UploadId;
    aws([
      'upload-part',
      '--bucket',
      B,
      '--key',
      'left/over.bin',
      '--upload-id',
      left,
      '--part-number',
      '1',
      '--body',
      partFile(1000),
    ]);
    other = aws(['create-multipart-upload', '--bucket', B, '--key', 'other/x.bin']).UploadId;
  });

  afterAll(() => {
    spawnSync('aws', ['--endpoint-url', env.endpoint, 's3', 'rb', `s3://${B}`, '--force'], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: env.ak,
        AWS_SECRET_ACCESS_KEY: env.sk,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
    });
  });

  it('ls shows the uploads with parts and bytes so far; a prefix narrows them', async () => {
    const all = await run(['uploads', 'ls', `s3://${B}`]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^INITIATED\s+PARTS\s+SIZE\s+KEY\s+UPLOAD ID$/m);
    expect(all.stdout).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+1\\s+1000 B\\s+left/over\\.bin\\s+${esc(left)}$`,
        'm',
      ),
    );
    expect(all.stdout).toMatch(new RegExp(`\\s0\\s+0 B\\s+other/x\\.bin\\s+${esc(other)}$`, 'm'));
    expect(all.stdout).toMatch(/^2 unfinished uploads\.$/m);

    const j = await run(['uploads', 'ls', `s3://${B}/left/`, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(doc.uploads).toEqual([
      { key: 'left/over.bin', uploadId: left, initiated: expect.any(String), parts: 1, bytes: 1000 },
    ]);
  });

  it('abort needs an explicit id or --all; --older-than spares young uploads', async () => {
    const bare = await run(['uploads', 'abort', `s3://${B}`]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^cosdesk: Say which uploads to abort: --upload-id <id> .* or --all/);
    const young = await run(['uploads', 'abort', `s3://${B}`, '--all', '--older-than', '1d']);
    expect(young.code, young.stderr).toBe(0);
    expect(young.stdout).toMatch(/nothing to abort/);
    const unknown = await run(['uploads', 'abort', `s3://${B}`, '--upload-id', 'no-such-id']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No unfinished upload with the id "no-such-id"/);
    expect(aws(['list-multipart-uploads', '--bucket', B]).Uploads).toHaveLength(2);
  });

  it('a failed abort (the key may list but not abort) exits non-zero and says which', async () => {
    aws([
      'put-bucket-policy',
      '--bucket',
      B,
      '--policy',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ['arn:aws:iam:::user/tester2'] },
            Action: ['s3:ListBucketMultipartUploads'],
            Resource: [`arn:aws:s3:::${B}`],
          },
          {
            Effect: 'Allow',
            Principal: { AWS: ['arn:aws:iam:::user/tester2'] },
            Action: ['s3:ListMultipartUploadParts'],
            Resource: [`arn:aws:s3:::${B}/*`],
          },
        ],
      }),
    ]);
    try {
      const r = await as(env.ak2, env.sk2)(['uploads', 'abort', `s3://${B}/other/`, '--all']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^Aborted 0 of 1 upload\.$/m);
      expect(r.stderr).toMatch(
        new RegExp(`^cosdesk: other/x\\.bin \\(upload ${esc(other)}\\): .*denied`, 'im'),
      );
      const j = await as(env.ak2, env.sk2)(['uploads', 'abort', `s3://${B}/other/`, '--all', '--json']);
      expect(j.code).toBe(1);
      expect(JSON.parse(j.stdout)).toMatchObject({
        ok: false,
        aborted: [],
        errors: [{ key: 'other/x.bin' }],
      });
    } finally {
      aws(['delete-bucket-policy', '--bucket', B]);
    }
    expect(aws(['list-multipart-uploads', '--bucket', B]).Uploads).toHaveLength(2);
  });

  it('abort --upload-id removes that one; abort --all the rest', async () => {
    const one = await run(['uploads', 'abort', `s3://${B}`, '--upload-id', other]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim()).toBe('Aborted 1 of 1 upload.');
    const keys = (aws(['list-multipart-uploads', '--bucket', B]).Uploads as Array<{ Key: string }>).map(
      (u) => u.Key,
    );
    expect(keys).toEqual(['left/over.bin']);
    const all = await run(['uploads', 'abort', `s3://${B}`, '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim()).toBe('Aborted 1 of 1 upload.');
    expect(aws(['list-multipart-uploads', '--bucket', B])?.Uploads ?? []).toEqual([]);
    const empty = await run(['uploads', 'ls', `s3://${B}`]);
    expect(empty.stdout.trim()).toBe(`No unfinished uploads under s3://${B}/.`);
  });
});

describe('cosdesk uploads (COS, left by the official SDK, through the COS gateway)', () => {
  let gw: CosGateway;
  let cos: COS;
  const B = `upl-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${APPID}`;
  const run = (args: string[]) =>
    exec(
      [
        ...args,
        '--endpoint',
        `http://{bucket}.cos.{region}.localhost:${gw.port}`,
        '--service-endpoint',
        `http://service.cos.localhost:${gw.port}`,
        '--region',
        REGION,
        '--app-id',
        APPID,
      ],
      { COSDESK_HOME: home(), COSDESK_SECRET_ID: env.ak, COSDESK_SECRET_KEY: env.sk },
    );
  let id: string;

  beforeAll(async () => {
    gw = await startGateway(env);
    cos = sdk(gw, env.ak, env.sk);
    await cos.putBucket({ Bucket: B, Region: REGION });
    id = (await cos.multipartInit({ Bucket: B, Region: REGION, Key: '文件/半截.bin' })).UploadId;
    await cos.multipartUpload({
      Bucket: B,
      Region: REGION,
      Key: '文件/半截.bin',
      UploadId: id,
      PartNumber: 1,
      Body: randomBytes(2048),
    });
  });

  afterAll(async () => {
    if (!cos) return;
    await destroyBucket(cos, B);
    await gw.close();
  });

  it('ls shows what the SDK left; abort --all removes it, as the SDK sees', async () => {
    const j = await run(['uploads', 'ls', `cos://${B}/文件/`, '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout).uploads).toEqual([
      { key: '文件/半截.bin', uploadId: id, initiated: expect.any(String), parts: 1, bytes: 2048 },
    ]);
    const human = await run(['uploads', 'ls', `cos://${B}`]);
    expect(human.stdout).toMatch(new RegExp(`\\s1\\s+2 KiB\\s+文件/半截\\.bin\\s+${esc(id)}$`, 'm'));

    const all = await run(['uploads', 'abort', `cos://${B}`, '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim()).toBe('Aborted 1 of 1 upload.');
    const listed = await cos.multipartList({ Bucket: B, Region: REGION } as COS.MultipartListParams);
    expect(listed.Upload ?? []).toEqual([]);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
