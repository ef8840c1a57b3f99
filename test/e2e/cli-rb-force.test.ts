import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import type { CosGateway } from '../cos-gateway/server';
import {
  APPID,
  COS_REGION,
  rgwBucketName,
  rgwEnv,
  s3Account,
  uniqueBucket,
} from '../integration/storage/helpers';
import { dropBucket, startGateway } from '../integration/storage/stack';

// `cosdesk rb --force` and `cosdesk bucket rm --force` on a versioned bucket, as a user runs the
// built CLI: against RGW (S3) and through the COS gateway. Both run the app's empty-and-delete
// job: every version, delete marker and unfinished upload goes, then the bucket.
const BIN = resolve('bin/cosdesk.js');
const env = rgwEnv();
const home = mkdtempSync(join(tmpdir(), 'cosdesk-cli-rb-'));
const made: string[] = [];
let gw: CosGateway;
const admin = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Async (the COS gateway answering the CLI lives in this process). */
function cosdesk(args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        COSDESK_ACCOUNT: undefined,
        COSDESK_TOKEN: undefined,
        COSDESK_HOME: home,
        COSDESK_SECRET_ID: env.ak,
        COSDESK_SECRET_KEY: env.sk,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const s3 = (b: string) => [`s3://${b}`, '--endpoint', env.endpoint, '--path-style'];
const cos = (b: string) => [
  `cos://${b}`,
  '--endpoint',
  `http://{bucket}.cos.{region}.localhost:${gw.port}`,
  '--service-endpoint',
  `http://service.cos.localhost:${gw.port}`,
  '--region',
  COS_REGION,
  '--app-id',
  APPID,
];

async function send(req: Parameters<StorageClient['request']>[0]): Promise<void> {
  await (await admin.request(req)).body.dump();
}

/**
 * A versioned RGW bucket holding a current object with an old version, an object hidden by a
 * delete marker (its version is old now), and an unfinished multipart upload.
 */
async function versionedBucket(name: string): Promise<void> {
  made.push(name);
  await send({ method: 'PUT', bucket: name });
  const body = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';
  await send({ method: 'PUT', bucket: name, query: { versioning: '' }, body });
  await send({ method: 'PUT', bucket: name, key: 'a.txt', body: 'one' });
  await send({ method: 'PUT', bucket: name, key: 'a.txt', body: 'two' });
  await send({ method: 'PUT', bucket: name, key: 'dir/b b.txt', body: 'x' });
  await send({ method: 'DELETE', bucket: name, key: 'dir/b b.txt' });
  await send({ method: 'POST', bucket: name, key: 'big.bin', query: { uploads: '' } });
}

async function exists(name: string): Promise<boolean> {
  try {
    await send({ method: 'HEAD', bucket: name });
    return true;
  } catch {
    return false;
  }
}

const ALL = { objects: 1, versions: 2, deleteMarkers: 1, uploads: 1, failed: 0 };

beforeAll(async () => {
  gw = await startGateway(env);
}, 60_000);

afterAll(async () => {
  for (const b of made) {
    if (!(await exists(b))) continue;
    await send({ method: 'DELETE', bucket: b, query: { policy: '' } }).catch(() => undefined);
    await cosdesk(['rb', '--force', ...s3(b)]);
    await dropBucket(env.endpoint, env.ak, env.sk, b).catch(() => undefined);
  }
  await gw?.close();
  await admin.close();
});

describe('rb --force / bucket rm --force on a versioned bucket', () => {
  it('rb --force (RGW) deletes every version, delete marker and upload, with progress, then the bucket', async () => {
    const b = uniqueBucket('s3');
    await versionedBucket(b);
    const r = await cosdesk(['rb', '--force', ...s3(b)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `Deleted 1 object, 2 old versions, 1 delete marker and 1 unfinished upload, then the bucket s3://${b}/.`,
    );
    expect(r.stderr).toMatch(
      /^Emptying: \d+ objects, \d+ old versions, \d+ delete markers, \d+ unfinished uploads deleted$/m,
    );
    expect(await exists(b)).toBe(false);
  }, 120_000);

  it('bucket rm --force --yes (RGW) is the same job, with the counts in --json', async () => {
    const b = uniqueBucket('s3');
    await versionedBucket(b);
    const r = await cosdesk(['bucket', 'rm', '--force', '--yes', ...s3(b), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, bucket: b, counts: ALL });
    expect(await exists(b)).toBe(false);
  }, 120_000);

  it('rb --force through the COS gateway removes a versioned bucket too', async () => {
    const b = uniqueBucket('cos');
    await versionedBucket(rgwBucketName(b));
    const r = await cosdesk(['rb', '--force', ...cos(b), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, counts: ALL });
    expect(await exists(rgwBucketName(b))).toBe(false);
  }, 120_000);

  it('a refusal midway keeps the bucket and says what was deleted and what is left; run again for the rest', async () => {
    const b = uniqueBucket('s3');
    await versionedBucket(b);
    await send({ method: 'PUT', bucket: b, key: 'locked/keep.txt', body: 'stay' });
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          Resource: [`arn:aws:s3:::${b}/locked/*`],
        },
      ],
    };
    await send({ method: 'PUT', bucket: b, query: { policy: '' }, body: JSON.stringify(policy) });
    const r = await cosdesk(['rb', '--force', ...s3(b), '--json']);
    expect(r.code).not.toBe(0);
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      error: { message: string };
    };
    expect(doc.ok).toBe(false);
    expect(doc.error.message).toMatch(
      /^Deleted 1 object, 2 old versions, 1 delete marker and 1 unfinished upload; the bucket is kept: 1 item\(s\) could not be deleted \(locked\/keep\.txt: /,
    );
    expect(doc.error.message).toContain(
      'Left in the bucket: 1 object version or delete marker and 0 unfinished uploads.',
    );
    expect(await exists(b)).toBe(true);
    await send({ method: 'DELETE', bucket: b, query: { policy: '' } });
    const again = await cosdesk(['rb', '--force', ...s3(b)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Deleted 1 object and the bucket s3://${b}/.`);
    expect(await exists(b)).toBe(false);
  }, 120_000);
});
