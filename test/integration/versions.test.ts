import { mkdtemp, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../src-main/storage/client';
import { list, text } from '../../src-main/storage/xml';
import { listVersions } from '../../src-main/versions/ops';
import { DIALECTS, rgwBucketName, s3Account, uniqueBucket } from './storage/helpers';
import { failure, storageStack, type Stack } from './storage/stack';

/** Removes every version and delete marker, then the bucket, straight on RGW. */
async function dropVersioned(s: Stack, bucket: string): Promise<void> {
  const client = new StorageClient(s3Account(s.env.endpoint, s.env.ak, s.env.sk));
  const b = rgwBucketName(bucket);
  try {
    for (let round = 0; round < 50; round++) {
      const { doc } = await client.requestXml({ method: 'GET', bucket: b, query: { versions: '' } });
      const root = doc['ListVersionsResult'];
      const all = [...list(root, 'Version'), ...list(root, 'DeleteMarker')];
      if (all.length === 0) break;
      for (const v of all) {
        const res = await client.request({
          method: 'DELETE',
          bucket: b,
          key: text(v, 'Key')!,
          query: { versionId: text(v, 'VersionId') || 'null' },
        });
        await res.body.dump();
      }
    }
    await (await client.request({ method: 'DELETE', bucket: b })).body.dump();
  } finally {
    await client.close();
  }
}

/** GET of a signed link as a browser would (COS names are `.localhost`: connect to loopback, keep the Host). */
function fetchLink(url: string): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: u.port,
        path: u.pathname + u.search,
        headers: { host: u.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each(DIALECTS)('versions (%s)', (dialect) => {
  let s: Stack;
  const bucket = uniqueBucket(dialect);
  const ref = () => ({ accountId: s.id, bucket });
  const key = 'docs/report.txt';
  const bodies = ['first draft', 'second draft', 'third draft', 'final draft'];

  beforeAll(async () => {
    s = await storageStack(dialect);
    await s.bridge.storage.createBucket(ref());
  });

  afterAll(async () => {
    await dropVersioned(s, bucket);
    await s.close();
  });

  it('turns versioning on and suspends it, read back through GET ?versioning', async () => {
    expect(await s.bridge.versions.getVersioning(ref())).toEqual({ status: 'Off' });
    expect(await s.bridge.versions.setVersioning({ ...ref(), status: 'Suspended' })).toEqual({
      status: 'Suspended',
    });
    expect(await s.bridge.versions.setVersioning({ ...ref(), status: 'Enabled' })).toEqual({
      status: 'Enabled',
    });
    expect(await s.bridge.versions.getVersioning(ref())).toEqual({ status: 'Enabled' });
  });

  it('lists versions after 3 overwrites and a delete; restores the first; deletes one; undeletes', async () => {
    for (const b of bodies) await s.storage.putObject({ ...ref(), key }, b);
    await s.storage.putObject({ ...ref(), key: 'docs/other.txt' }, 'stays');
    const del = await s.bridge.storage.deleteObjects({ ...ref(), keys: [key] });
    expect(del.errors).toEqual([]);

    // Newest first: the delete marker on top, then the four versions in reverse order of writing.
    let { versions } = await s.bridge.versions.objectVersions({ ...ref(), key });
    expect(versions.map((v) => v.deleteMarker)).toEqual([true, false, false, false, false]);
    expect(versions[0].isLatest).toBe(true);
    expect(versions.slice(1).map((v) => v.size)).toEqual(bodies.map((b) => b.length).reverse());
    expect(new Set(versions.map((v) => v.versionId)).size).toBe(5);
    const [, vFinal, vThird, vSecond, vFirst] = versions;

    // "Show deleted": the key is gone from the listing, and listed as deleted.
    const page = await s.bridge.storage.listObjects({ ...ref(), prefix: 'docs/', delimiter: '/' });
    expect(page.objects.map((o) => o.key)).toEqual(['docs/other.txt']);
    const deleted = await s.bridge.versions.listDeleted({ ...ref(), prefix: 'docs/' });
    expect(deleted.objects).toEqual([
      expect.objectContaining({
        key,
        markerVersionId: versions[0].versionId,
        previousVersionId: vFinal.versionId,
        size: bodies[3].length,
      }),
    ]);

    // Undelete: the marker goes, the final draft is back.
    expect(await s.bridge.versions.undelete({ ...ref(), key })).toEqual({
      removedMarkers: 1,
      versionId: vFinal.versionId,
    });
    expect(new TextDecoder().decode(await s.storage.getObjectBytes({ ...ref(), key }))).toBe(bodies[3]);
    expect((await s.bridge.versions.listDeleted({ ...ref(), prefix: 'docs/' })).objects).toEqual([]);
    const notDeleted = await failure(s.bridge.versions.undelete({ ...ref(), key }));
    expect(notDeleted.message).toMatch(/is not deleted/);

    // Restore the first: a copy of that version becomes the newest.
    const restored = await s.bridge.versions.restore({ ...ref(), key, versionId: vFirst.versionId });
    expect(new TextDecoder().decode(await s.storage.getObjectBytes({ ...ref(), key }))).toBe(bodies[0]);
    ({ versions } = await s.bridge.versions.objectVersions({ ...ref(), key }));
    expect(versions.length).toBe(5);
    expect(versions[0]).toMatchObject({ isLatest: true, deleteMarker: false, size: bodies[0].length });
    if (restored.versionId) expect(versions[0].versionId).toBe(restored.versionId);
    expect(versions[0].versionId).not.toBe(vFirst.versionId);

    // Delete one version for good: the second draft is gone, the others stay.
    expect(await s.bridge.versions.deleteVersion({ ...ref(), key, versionId: vSecond.versionId })).toEqual({
      deleteMarker: false,
    });
    ({ versions } = await s.bridge.versions.objectVersions({ ...ref(), key }));
    expect(versions.map((v) => v.versionId)).not.toContain(vSecond.versionId);
    expect(versions.map((v) => v.versionId)).toEqual(
      expect.arrayContaining([vFirst.versionId, vThird.versionId, vFinal.versionId]),
    );
    expect(versions.length).toBe(4);

    // Download an older version through the transfer engine, verified end to end.
    const dir = await mkdtemp(join(tmpdir(), 'cosdesk-versions-'));
    await s.bridge.transfers.download({
      ...ref(),
      keys: [key],
      prefix: 'docs/',
      localDir: dir,
      onConflict: 'overwrite',
      versionId: vThird.versionId,
    });
    await s.main.transfers.idle();
    const { jobs } = await s.bridge.transfers.list({});
    expect(jobs).toEqual([expect.objectContaining({ state: 'done', key })]);
    expect(jobs[0].verified).toBe(dialect === 'cos' ? 'crc64' : 'md5');
    expect(await readFile(join(dir, 'report.txt'), 'utf8')).toBe(bodies[2]);
    const many = await failure(
      s.bridge.transfers.download({
        ...ref(),
        keys: [key, 'docs/other.txt'],
        localDir: dir,
        versionId: vThird.versionId,
      }),
    );
    expect(many.message).toMatch(/one file at a time/);
  });

  it('pages ListObjectVersions with key-marker and version-id-marker', async () => {
    for (let i = 0; i < 3; i++) await s.storage.putObject({ ...ref(), key: 'paged/a.txt' }, `a${i}`);
    for (let i = 0; i < 2; i++) await s.storage.putObject({ ...ref(), key: 'paged/b.txt' }, `b${i}`);
    const whole = await s.bridge.versions.listVersions({ ...ref(), prefix: 'paged/' });
    expect(whole.versions.length).toBe(5);
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let n = 0; n < 10; n++) {
      const p = await s.bridge.versions.listVersions({
        ...ref(),
        prefix: 'paged/',
        maxKeys: 2,
        keyMarker,
        versionIdMarker,
      });
      expect(p.versions.length).toBeLessThanOrEqual(2);
      seen.push(...p.versions.map((v) => `${v.key}@${v.versionId}`));
      if (!p.isTruncated) break;
      keyMarker = p.nextKeyMarker;
      versionIdMarker = p.nextVersionIdMarker;
    }
    expect(seen).toEqual(whole.versions.map((v) => `${v.key}@${v.versionId}`));
    // objectVersions walks the same pages for one key, and stops at the next key.
    const client = new StorageClient(s.account(s.env.ak, s.env.sk));
    try {
      const first = await listVersions(
        client,
        { bucket, region: s.dialect === 'cos' ? s.region : undefined },
        {
          prefix: 'paged/a.txt',
          maxKeys: 1,
        },
      );
      expect(first.isTruncated).toBe(true);
      expect(first.nextKeyMarker).toBe('paged/a.txt');
    } finally {
      await client.close();
    }
    const a = await s.bridge.versions.objectVersions({ ...ref(), key: 'paged/a.txt' });
    expect(a.versions.map((v) => v.size)).toEqual([2, 2, 2]);
  });

  it('keeps tricky keys literal in version listings, restores and deletes', async () => {
    const k = 'tricky/a b+c%41 雪 #?.txt';
    await s.storage.putObject({ ...ref(), key: k }, 'one');
    await s.storage.putObject({ ...ref(), key: k }, 'two');
    const { versions } = await s.bridge.versions.objectVersions({ ...ref(), key: k });
    expect(versions.map((v) => [v.key, v.size])).toEqual([
      [k, 3],
      [k, 3],
    ]);
    await s.bridge.versions.restore({ ...ref(), key: k, versionId: versions[1].versionId });
    expect(new TextDecoder().decode(await s.storage.getObjectBytes({ ...ref(), key: k }))).toBe('one');
    await s.storage.deleteObject({ ...ref(), key: k });
    const deleted = await s.bridge.versions.listDeleted({ ...ref(), prefix: 'tricky/' });
    expect(deleted.objects.map((o) => o.key)).toEqual([k]);
    await s.bridge.versions.undelete({ ...ref(), key: k });
    expect(new TextDecoder().decode(await s.storage.getObjectBytes({ ...ref(), key: k }))).toBe('one');
  });

  it('previews: the first bytes as text, and a signed link that serves the version with its type', async () => {
    const k = 'preview/notes.md';
    await s.storage.putObject({ ...ref(), key: k }, '# Old\n');
    await s.storage.putObject({ ...ref(), key: k }, '# Title\n\nsome text é\n');
    const t = await s.bridge.versions.previewText({ ...ref(), key: k, maxBytes: 9 });
    expect(t).toEqual({ text: '# Title\n\n', truncated: true, size: 22, binary: false });
    const whole = await s.bridge.versions.previewText({ ...ref(), key: k });
    expect(whole).toMatchObject({ text: '# Title\n\nsome text é\n', truncated: false, binary: false });

    const { versions } = await s.bridge.versions.objectVersions({ ...ref(), key: k });
    const link = await s.bridge.versions.previewUrl({ ...ref(), key: k, versionId: versions[1].versionId });
    expect(link.contentType).toBe('text/markdown');
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000 + 5000);
    const got = await fetchLink(link.url);
    expect(got).toMatchObject({ status: 200, body: '# Old\n' });
    expect(got.type).toMatch(/^text\/markdown/);

    await s.storage.putObject({ ...ref(), key: 'preview/bin.dat' }, new Uint8Array([1, 0, 2, 3]));
    expect(await s.bridge.versions.previewText({ ...ref(), key: 'preview/bin.dat' })).toMatchObject({
      binary: true,
      text: '',
    });
    await s.storage.putObject({ ...ref(), key: 'preview/empty.txt' }, new Uint8Array(0));
    expect(await s.bridge.versions.previewText({ ...ref(), key: 'preview/empty.txt' })).toEqual({
      text: '',
      truncated: false,
      size: 0,
      binary: false,
    });
  });

  if (dialect === 'cos') {
    it('the COS gateway refuses a versioning body without Enabled or Suspended (436/19889)', async () => {
      const client = new StorageClient(s.account(s.env.ak, s.env.sk));
      try {
        const e = await client
          .request({
            method: 'PUT',
            bucket,
            query: { versioning: '' },
            headers: { 'content-type': 'application/xml' },
            body: '<VersioningConfiguration><Status>On</Status></VersioningConfiguration>',
          })
          .then(
            () => undefined,
            (err: unknown) => err as { status?: number; storageCode?: string },
          );
        expect(e).toMatchObject({ status: 400, storageCode: 'InvalidArgument' });
      } finally {
        await client.close();
      }
      expect(await s.bridge.versions.getVersioning(ref())).toEqual({ status: 'Enabled' });
    });
  }
});
