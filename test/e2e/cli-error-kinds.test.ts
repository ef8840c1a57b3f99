import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { APPID, REGION, getFederationToken, rgwEnv, startGateway } from '../conformance/helpers';
import type { CosGateway } from '../cos-gateway/server';
import { cosAccount } from '../integration/storage/helpers';
import { startDateProxy, startSilentServer } from '../support/date-proxy';
import { createSeeder, rgwAccount } from '../support/seed';

// Issue 11 item 8: each kind of failure produced for real and told apart by the built CLI, in
// its one-line message (what happened and what to do) and in --json (`error.kind`).
const BIN = resolve('bin/cosdesk.js');
const env = rgwEnv();
const tag = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const B = `kinds-${tag}`;
const CB = `kinds-${tag}-${APPID}`;

type Env = Record<string, string | undefined>;
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking: the gateway and the proxies answering it live in this process. */
function exec(args: string[], extra: Env): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        COSDESK_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-kinds-')),
        COSDESK_ACCOUNT: undefined,
        COSDESK_TOKEN: undefined,
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const keys = (id: string, secret: string, token?: string): Env => ({
  COSDESK_SECRET_ID: id,
  COSDESK_SECRET_KEY: secret,
  ...(token ? { COSDESK_TOKEN: token } : {}),
});

let gw: CosGateway;
let skewProxy: Awaited<ReturnType<typeof startDateProxy>>;
let silent: Awaited<ReturnType<typeof startSilentServer>>;

const s3 = (endpoint = env.endpoint) => ['--endpoint', endpoint, '--path-style', '--region', 'us-east-1'];
const cos = () => [
  '--endpoint',
  `http://{bucket}.cos.{region}.localhost:${gw.port}`,
  '--service-endpoint',
  `http://service.cos.localhost:${gw.port}`,
  '--region',
  REGION,
  '--app-id',
  APPID,
];

/** The failure both ways: one human line on stderr, and the kind in --json. */
async function fails(args: string[], extra: Env, kind: string, line: RegExp): Promise<void> {
  const human = await exec(args, extra);
  expect(human.code, human.stderr).toBe(1);
  const lines = human.stderr.trim().split('\n');
  expect(lines, human.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cosdesk: /);
  expect(lines[0]).toMatch(line);
  const json = await exec([...args, '--json'], extra);
  expect(json.code, json.stderr).toBe(1);
  expect(JSON.parse(json.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
    ok: false,
    error: { kind },
  });
}

beforeAll(async () => {
  const seeder = createSeeder(rgwAccount(env.endpoint, env.ak, env.sk), 1);
  try {
    await seeder.createBucket(B);
    await seeder.putMany(B, ['a.txt', 'b.txt'], { body: 'x' });
  } finally {
    await seeder.close();
  }
  gw = await startGateway(env);
  const c = new StorageClient(cosAccount(gw.port, env.ak, env.sk));
  try {
    await (await c.request({ method: 'PUT', bucket: CB })).body.dump();
    await (await c.request({ method: 'PUT', bucket: CB, key: 'a.txt', body: 'x' })).body.dump();
  } finally {
    await c.close();
  }
  skewProxy = await startDateProxy(env.endpoint, 2 * 3600_000);
  silent = await startSilentServer();
}, 120_000);

afterAll(async () => {
  await skewProxy?.close();
  await silent?.close();
  await gw?.close();
});

describe('the CLI tells the kinds of failure apart (RGW, the COS gateway, loopback servers)', () => {
  it('RGW, wrong secret: the credentials, since RGW refuses the key for ListBuckets too', async () => {
    await fails(
      ['ls', `s3://${B}/`, ...s3()],
      keys(env.ak, 'not-the-secret'),
      'credentials',
      /refused this key .* the secret key is wrong, or the key id is unknown/,
    );
  });

  it('RGW, unknown key id: the credentials too (RGW answers both with AccessDenied)', async () => {
    await fails(
      ['ls', `s3://${B}/`, ...s3()],
      keys('NOSUCHKEY0000000', 'x'),
      'credentials',
      /key id is unknown/,
    );
  });

  it('RGW, user2 on user1’s bucket: denied, the key is valid, ask the owner', async () => {
    await fails(
      ['ls', `s3://${B}/`, ...s3()],
      keys(env.ak2, env.sk2),
      'denied',
      /Access denied "kinds-[^"]+": the key is valid, but .* Ask the bucket's owner for permission/,
    );
  });

  it('RGW, ListBuckets refused: may not list buckets, open one by name, or the key is wrong', async () => {
    await fails(
      ['ls', 's3://', ...s3()],
      keys(env.ak, 'not-the-secret'),
      'listDenied',
      /may not list buckets: open a bucket by name, or ask for ListBuckets/,
    );
  });

  it('COS, wrong secret: SignatureDoesNotMatch, the secret key is wrong', async () => {
    await fails(
      ['ls', `cos://${CB}/`, ...cos()],
      keys(env.ak, 'not-the-secret'),
      'signature',
      /secret key is wrong/,
    );
  });

  it('COS, unknown key id: InvalidAccessKeyId', async () => {
    await fails(
      ['ls', `cos://${CB}/`, ...cos()],
      keys('AKIDnosuchkey000000', 'x'),
      'unknownKey',
      /does not know this key id/,
    );
  });

  it('COS, user2 on user1’s bucket: denied', async () => {
    await fails(['ls', `cos://${CB}/`, ...cos()], keys(env.ak2, env.sk2), 'denied', /Access denied/);
  });

  it('COS, a temporary key past its life (the gateway’s STS, 1 s): expired token, mint fresh keys', async () => {
    const { Response: r } = await getFederationToken(gw, env.ak, env.sk, {
      Name: 'kinds',
      DurationSeconds: 1,
    });
    expect(r.Error).toBeUndefined();
    const c = r.Credentials;
    // The token lives one second; wait (bounded) until the gateway says so.
    const until = Date.now() + 15_000;
    while (Date.now() / 1000 <= r.ExpiredTime + 1 && Date.now() < until)
      await new Promise((d) => setTimeout(d, 250));
    await fails(
      ['ls', `cos://${CB}/`, ...cos()],
      keys(c.TmpSecretId, c.TmpSecretKey, c.Token),
      'expiredToken',
      /temporary key has expired.* Mint fresh temporary keys, or paste new ones/,
    );
  });

  it('a skewed clock (a proxy whose Date is 2 hours ahead): the clock is off, by how much', async () => {
    // Page 1 teaches the client the (wrong) server time; page 2, signed with it, is refused.
    await fails(
      ['ls', `s3://${B}/`, '--page-size', '1', ...s3(skewProxy.url)],
      keys(env.ak, env.sk),
      'clockSkew',
      /This computer's clock is 2 hours behind the server's/,
    );
  });

  it('a server that never answers: a timeout (short in this test), not a hang', async () => {
    await fails(
      ['ls', `s3://${B}/`, ...s3(silent.url)],
      { ...keys(env.ak, env.sk), COSDESK_TIMEOUT_MS: '1000', COSDESK_MAX_ATTEMPTS: '1' },
      'timeout',
      /did not answer in time \(timeout\)/,
    );
  });
});
