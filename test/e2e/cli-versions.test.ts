import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { list, text } from '../../src-main/storage/xml';
import { requireEnv } from '../support/main';
import { createSeeder, rgwAccount, type Seeder } from '../support/seed';

// `cosdesk versions …`, the built CLI as a user runs it, against RGW.
const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
const BUCKET = `cliver-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const env = {
  ...process.env,
  COSDESK_ACCOUNT: undefined,
  COSDESK_TOKEN: undefined,
  COSDESK_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-cli-versions-')),
  COSDESK_SECRET_ID: AK,
  COSDESK_SECRET_KEY: SK,
};

function cosdesk(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [resolve('bin/cosdesk.js'), ...args, '--endpoint', S3_ENDPOINT, '--path-style', '--json'],
    { encoding: 'utf8', timeout: 60_000, env },
  );
  return { code: r.status, doc: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

let seeder: Seeder;
const put = async (key: string, body: string) =>
  (await seeder.client.request({ method: 'PUT', bucket: BUCKET, key, body })).body.dump();
const get = async (key: string) =>
  (await seeder.client.request({ method: 'GET', bucket: BUCKET, key })).body.text();

beforeAll(async () => {
  seeder = createSeeder(rgwAccount(S3_ENDPOINT, AK, SK), 1);
  await seeder.createBucket(BUCKET);
});

afterAll(async () => {
  for (let round = 0; round < 20; round++) {
    const { doc } = await seeder.client.requestXml({
      method: 'GET',
      bucket: BUCKET,
      query: { versions: '' },
    });
    const all = [
      ...list(doc['ListVersionsResult'], 'Version'),
      ...list(doc['ListVersionsResult'], 'DeleteMarker'),
    ];
    if (all.length === 0) break;
    for (const x of all) {
      const q = { versionId: text(x, 'VersionId') || 'null' };
      await (
        await seeder.client.request({ method: 'DELETE', bucket: BUCKET, key: text(x, 'Key')!, query: q })
      ).body.dump();
    }
  }
  await (await seeder.client.request({ method: 'DELETE', bucket: BUCKET })).body.dump();
  await seeder.close();
});

describe('cosdesk versions', () => {
  it('enables versioning, lists, restores, removes a version and undeletes', async () => {
    expect(cosdesk('versions', 'status', `s3://${BUCKET}`).doc).toEqual({ status: 'Off' });
    expect(cosdesk('versions', 'enable', `s3://${BUCKET}`).doc).toEqual({ status: 'Enabled' });
    for (const b of ['one', 'two', 'three']) await put('f.txt', b);

    const ls = cosdesk('versions', 'ls', `s3://${BUCKET}/f.txt`);
    expect(ls.code).toBe(0);
    expect(ls.doc.versions.map((v: { size: number }) => v.size)).toEqual([5, 3, 3]);
    const [three, two, one] = ls.doc.versions as { versionId: string }[];

    expect(cosdesk('versions', 'restore', `s3://${BUCKET}/f.txt`, one.versionId).code).toBe(0);
    expect(await get('f.txt')).toBe('one');
    expect(cosdesk('versions', 'rm', `s3://${BUCKET}/f.txt`, two.versionId).doc).toEqual({
      deleteMarker: false,
    });
    const after = cosdesk('versions', 'ls', `s3://${BUCKET}/f.txt`).doc.versions.map(
      (v: { versionId: string }) => v.versionId,
    );
    expect(after).toHaveLength(3);
    expect(after).toContain(three.versionId);
    expect(after).not.toContain(two.versionId);

    await (await seeder.client.request({ method: 'DELETE', bucket: BUCKET, key: 'f.txt' })).body.dump();
    const back = cosdesk('versions', 'undelete', `s3://${BUCKET}/f.txt`);
    expect(back.code).toBe(0);
    expect(back.doc.removedMarkers).toBe(1);
    expect(await get('f.txt')).toBe('one');

    const missing = cosdesk('versions', 'rm', `s3://${BUCKET}/f.txt`);
    expect(missing.code).toBe(2);
    expect(cosdesk('versions', 'suspend', `s3://${BUCKET}`).doc).toEqual({ status: 'Suspended' });
  });
});
