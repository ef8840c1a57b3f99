import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { s3Account } from '../integration/storage/helpers';
import { dropBucket } from '../integration/storage/stack';
import { requireEnv } from '../support/main';

// The built CLI against RGW: bucket settings get/set and `bucket rm --force` with the typed name.
const BIN = resolve('bin/cosdesk.js');
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `cli-bset-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const env = {
  COSDESK_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-cli-bset-')),
  COSDESK_SECRET_ID: AK,
  COSDESK_SECRET_KEY: SK,
};

function cosdesk(args: string[], input = '') {
  const r = spawnSync(process.execPath, [BIN, ...args, '--endpoint', S3_ENDPOINT, '--path-style'], {
    encoding: 'utf8',
    timeout: 60_000,
    input,
    env: { ...process.env, COSDESK_ACCOUNT: undefined, COSDESK_TOKEN: undefined, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => dropBucket(S3_ENDPOINT, AK, SK, BUCKET));

describe('cosdesk bucket', () => {
  it('settings set / get round-trip CORS and versioning; an invalid rule is refused in words', async () => {
    expect(cosdesk(['mb', `s3://${BUCKET}`]).code).toBe(0);
    const rules = [
      {
        allowedOrigins: ['https://a.example'],
        allowedMethods: ['GET'],
        allowedHeaders: [],
        exposeHeaders: [],
      },
    ];
    const set = cosdesk(['bucket', 'settings', 'set', `s3://${BUCKET}`, 'cors', JSON.stringify(rules)]);
    expect(set.code, set.stderr).toBe(0);
    const got = cosdesk(['bucket', 'settings', 'get', `s3://${BUCKET}`, 'cors', '--json']);
    expect(JSON.parse(got.stdout)).toEqual({ state: 'ok', value: rules });
    const bad = cosdesk([
      'bucket',
      'settings',
      'set',
      `s3://${BUCKET}`,
      'cors',
      '[{"allowedOrigins":[],"allowedMethods":["GET"],"allowedHeaders":[],"exposeHeaders":[]}]',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Rule 1: add at least one allowed origin');
    expect(
      cosdesk(['bucket', 'settings', 'set', `s3://${BUCKET}`, 'versioning', '{"status":"Enabled"}']).code,
    ).toBe(0);
    const all = cosdesk(['bucket', 'settings', 'get', `s3://${BUCKET}`]);
    expect(all.stdout).toContain('"status": "Enabled"');
    expect(all.stdout).toMatch(/website: Not supported by this server/);
  });

  it('bucket rm --force deletes nothing unless the name is typed, then everything and the bucket', async () => {
    const c = new StorageClient(s3Account(S3_ENDPOINT, AK, SK));
    for (const body of ['one', 'two'])
      await (await c.request({ method: 'PUT', bucket: BUCKET, key: 'a.txt', body })).body.dump();
    await c.close();
    const wrong = cosdesk(['bucket', 'rm', '--force', `s3://${BUCKET}`], 'not-it\n');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`Nothing deleted: the name typed was not "${BUCKET}"`);
    const right = cosdesk(['bucket', 'rm', '--force', `s3://${BUCKET}`, '--json'], `${BUCKET}\n`);
    expect(right.code, right.stderr).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({
      ok: true,
      counts: { objects: 1, versions: 1, failed: 0 },
    });
    const gone = cosdesk(['ls', `s3://${BUCKET}`]);
    expect(gone.code).not.toBe(0);
  });
});
