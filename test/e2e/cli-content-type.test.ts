import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { headObject } from '../../src-main/storage/ops/objects';
import { s3Account } from '../integration/storage/helpers';
import { requireEnv } from '../support/main';

// `cosdesk cp` (the built CLI) stores each file with its name's Content-Type, or the one
// `--content-type` gives; a value that is no media type is refused with what to write.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const conn = ['--endpoint', S3_ENDPOINT, '--path-style'];

function cosdesk(args: string[], home: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      COSDESK_ACCOUNT: undefined,
      COSDESK_TOKEN: undefined,
      COSDESK_HOME: home,
      COSDESK_SECRET_ID: AK,
      COSDESK_SECRET_KEY: SK,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((r) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      r({ code, out });
    }),
  );
}

describe('cosdesk cp --content-type', () => {
  const B = `cli-ctype-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'cosdesk-cli-ctype-'));
  const home = mkdtempSync(join(tmpdir(), 'cosdesk-cli-ctype-home-'));
  const client = new StorageClient(s3Account(S3_ENDPOINT, AK, SK));
  const typeOf = async (key: string) => (await headObject(client, { bucket: B }, key)).contentType;

  beforeAll(async () => {
    const mb = await cosdesk(['mb', `s3://${B}`, ...conn], home);
    expect(mb.code, mb.out).toBe(0);
    writeFileSync(join(work, 'pic.jpg'), 'jpg');
    mkdirSync(join(work, 'site'));
    writeFileSync(join(work, 'site', 'index.html'), '<p>hi</p>');
    writeFileSync(join(work, 'site', 'app.json'), '{}');
  });
  afterAll(async () => {
    await cosdesk(['rb', '--force', `s3://${B}`, ...conn], home);
    await client.close();
  });

  it('without the flag each file gets its name’s type; with it, every file gets the one given', async () => {
    const a = await cosdesk(['cp', join(work, 'pic.jpg'), `s3://${B}/pic.jpg`, ...conn], home);
    expect(a.code, a.out).toBe(0);
    const b = await cosdesk(
      ['cp', join(work, 'pic.jpg'), `s3://${B}/forced.jpg`, '--content-type', 'image/webp', ...conn],
      home,
    );
    expect(b.code, b.out).toBe(0);
    const c = await cosdesk(['cp', '-r', join(work, 'site'), `s3://${B}/auto/`, ...conn], home);
    expect(c.code, c.out).toBe(0);
    const d = await cosdesk(
      [
        'cp',
        '-r',
        join(work, 'site'),
        `s3://${B}/forced/`,
        '--content-type',
        'text/plain; charset=utf-8',
        ...conn,
      ],
      home,
    );
    expect(d.code, d.out).toBe(0);
    expect(await typeOf('pic.jpg')).toBe('image/jpeg');
    expect(await typeOf('forced.jpg')).toBe('image/webp');
    expect(await typeOf('auto/site/index.html')).toBe('text/html');
    expect(await typeOf('auto/site/app.json')).toBe('application/json');
    expect(await typeOf('forced/site/index.html')).toBe('text/plain; charset=utf-8');
    expect(await typeOf('forced/site/app.json')).toBe('text/plain; charset=utf-8');
  });

  it('a value that is not a media type, or the flag on a download: refused, saying what to do', async () => {
    const bad = await cosdesk(
      ['cp', join(work, 'pic.jpg'), `s3://${B}/x.jpg`, '--content-type', 'jpeg', ...conn],
      home,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/not a Content-Type.*type\/subtype/);
    const down = await cosdesk(
      ['cp', `s3://${B}/pic.jpg`, join(work, 'out.jpg'), '--content-type', 'image/png', ...conn],
      home,
    );
    expect(down.code).not.toBe(0);
    expect(down.out).toMatch(/applies to uploads/);
  });
});
