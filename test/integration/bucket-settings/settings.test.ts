import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorsRule, EmptyJobView, LifecycleRule } from '../../../src-shared/contract';
import { StorageClient } from '../../../src-main/storage/client';
import { DIALECTS } from '../storage/helpers';
import { failure, storageStack, type Stack } from '../storage/stack';

const CORS: CorsRule[] = [
  {
    id: 'web-app',
    allowedOrigins: ['https://app.example.com', 'https://*.example.org'],
    allowedMethods: ['GET', 'PUT', 'HEAD'],
    allowedHeaders: ['*'],
    exposeHeaders: ['ETag', 'x-amz-request-id'],
    maxAgeSeconds: 600,
  },
  { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] },
];

const LIFECYCLE: LifecycleRule[] = [
  {
    id: 'logs',
    enabled: true,
    prefix: 'logs/',
    tags: [],
    expirationDays: 30,
    noncurrentExpirationDays: 7,
    abortIncompleteUploadDays: 3,
  },
  {
    id: 'cold',
    enabled: false,
    prefix: 'archive/',
    tags: [{ key: 'tier', value: 'cold' }],
    transition: { days: 30, storageClass: 'STANDARD_IA' },
  },
];

/**
 * A section compared as the server means it: RGW answers origins sorted and lifecycle rules
 * ordered by ID, neither of which changes what the configuration does.
 */
function canon(state: unknown): unknown {
  const sortDeep = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortDeep).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortDeep(x)]))
        : v;
  return sortDeep(state);
}

describe.each(DIALECTS)('bucket settings round trips (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;
  const ref = () => ({ accountId: s.id, bucket });

  beforeAll(async () => {
    s = await storageStack(dialect);
    bucket = s.bucketName();
    await s.bridge.storage.createBucket({ accountId: s.id, bucket });
  }, 60_000);

  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  it('starts with nothing set', async () => {
    const v = await s.bridge.bucketSettings.get(ref());
    expect(v.dialect).toBe(dialect);
    expect(v.versioning).toEqual({ state: 'ok', value: { status: 'Off' } });
    expect(v.cors).toEqual({ state: 'ok', value: [] });
    expect(v.lifecycle).toEqual({ state: 'ok', value: [] });
  });

  it('versioning: enable, suspend', async () => {
    let v = await s.bridge.bucketSettings.set({
      ...ref(),
      section: 'versioning',
      value: { status: 'Enabled' },
    });
    expect(v.versioning).toEqual({ state: 'ok', value: { status: 'Enabled' } });
    v = await s.bridge.bucketSettings.set({
      ...ref(),
      section: 'versioning',
      value: { status: 'Suspended' },
    });
    expect(v.versioning).toEqual({ state: 'ok', value: { status: 'Suspended' } });
    const off = await failure(
      s.bridge.bucketSettings.set({ ...ref(), section: 'versioning', value: { status: 'Off' } }),
    );
    expect(off.code).toBe('VALIDATION');
    expect(off.message).toMatch(/cannot be turned off once enabled: choose Suspended/);
  });

  it('CORS: save, read back the same rules, delete', async () => {
    const v = await s.bridge.bucketSettings.set({ ...ref(), section: 'cors', value: CORS });
    expect(canon(v.cors)).toEqual(canon({ state: 'ok', value: CORS }));
    expect(canon((await s.bridge.bucketSettings.get(ref())).cors)).toEqual(
      canon({ state: 'ok', value: CORS }),
    );
    const gone = await s.bridge.bucketSettings.set({ ...ref(), section: 'cors', value: [] });
    expect(gone.cors).toEqual({ state: 'ok', value: [] });
  });

  it('lifecycle: prefix and tag filters, expiration, noncurrent, abort uploads, transition', async () => {
    const v = await s.bridge.bucketSettings.set({ ...ref(), section: 'lifecycle', value: LIFECYCLE });
    expect(canon(v.lifecycle)).toEqual(canon({ state: 'ok', value: LIFECYCLE }));
    const gone = await s.bridge.bucketSettings.set({ ...ref(), section: 'lifecycle', value: [] });
    expect(gone.lifecycle).toEqual({ state: 'ok', value: [] });
  });

  it('refuses an invalid rule with a readable message, and the server keeps what it had', async () => {
    await s.bridge.bucketSettings.set({ ...ref(), section: 'cors', value: CORS.slice(0, 1) });
    const bad = await failure(
      s.bridge.bucketSettings.set({
        ...ref(),
        section: 'cors',
        value: [
          {
            allowedOrigins: ['example.com'],
            allowedMethods: ['FETCH'],
            allowedHeaders: [],
            exposeHeaders: [],
          },
        ],
      }),
    );
    expect(bad.code).toBe('VALIDATION');
    expect(bad.message).toContain('Rule 1: "example.com" is not an origin: write it as scheme://host[:port]');
    expect(bad.message).toContain('"FETCH" is not a CORS method');
    const life = await failure(
      s.bridge.bucketSettings.set({
        ...ref(),
        section: 'lifecycle',
        value: [{ id: 'x', enabled: true, prefix: '', tags: [], expirationDays: 0 }],
      }),
    );
    expect(life.message).toContain('Rule 1: the days for expiration must be a whole number, 1 or more.');
    expect(canon((await s.bridge.bucketSettings.get(ref())).cors)).toEqual(
      canon({ state: 'ok', value: CORS.slice(0, 1) }),
    );
  });

  it('a refusal by the server itself comes back in words, naming its code', async () => {
    // Valid for our checks, refused by the server: a logging target bucket that does not
    // exist (COS), or logging at all (RGW).
    const e = await failure(
      s.bridge.bucketSettings.set({
        ...ref(),
        section: 'logging',
        value: {
          targetBucket: dialect === 'cos' ? 'no-such-bucket-1250000000' : 'no-such-bucket',
          targetPrefix: 'logs/',
        },
      }),
    );
    expect(e.code).toBe('STORAGE');
    if (dialect === 's3') expect(e.message).toMatch(/^Not supported by this server/);
    else expect(e.message).toMatch(/^The server refused logging \(InvalidArgument\)/);
  });

  it('static website and logging: round trip on COS; "not supported by this server" on RGW', async () => {
    const w = {
      indexDocument: 'index.html',
      errorDocument: 'error.html',
      ...(dialect === 'cos' ? { redirectProtocol: 'https' as const } : {}),
    };
    if (dialect === 's3') {
      const v = await s.bridge.bucketSettings.get(ref());
      expect(v.website).toEqual({
        state: 'unsupported',
        message: expect.stringMatching(/^Not supported by this server/),
      });
      const e = await failure(s.bridge.bucketSettings.set({ ...ref(), section: 'website', value: w }));
      expect(e.message).toMatch(/^Not supported by this server/);
      // Logging: RGW reads an empty status but refuses to set one; after the refusal it shows as unsupported.
      expect((await s.bridge.bucketSettings.get(ref())).logging).toEqual({
        state: 'unsupported',
        message: expect.stringMatching(/^Not supported by this server/),
      });
      return;
    }
    let v = await s.bridge.bucketSettings.set({ ...ref(), section: 'website', value: w });
    expect(v.website).toEqual({ state: 'ok', value: w });
    v = await s.bridge.bucketSettings.set({ ...ref(), section: 'website', value: null });
    expect(v.website).toEqual({ state: 'ok', value: null });
    const bad = await failure(
      s.bridge.bucketSettings.set({
        ...ref(),
        section: 'website',
        value: { indexDocument: 'index.html', redirectProtocol: 'http' },
      }),
    );
    expect(bad.message).toContain('COS redirects all requests to https only.');

    const log = { targetBucket: bucket, targetPrefix: 'access-logs/' };
    v = await s.bridge.bucketSettings.set({ ...ref(), section: 'logging', value: log });
    expect(v.logging).toEqual({ state: 'ok', value: log });
    v = await s.bridge.bucketSettings.set({ ...ref(), section: 'logging', value: null });
    expect(v.logging).toEqual({ state: 'ok', value: null });
  });
});

describe.each(DIALECTS)('empty and delete (%s)', (dialect) => {
  let s: Stack;
  beforeAll(async () => {
    s = await storageStack(dialect);
  }, 60_000);
  afterAll(async () => {
    await s.close();
  });

  async function waitJob(id: string): Promise<EmptyJobView> {
    return s.main.bucketSettings.waitEmpty(id);
  }

  it('deletes objects, versions, delete markers and an incomplete upload, then the bucket', async () => {
    const bucket = s.bucketName();
    const ref = { accountId: s.id, bucket };
    await s.bridge.storage.createBucket(ref);
    try {
      await s.bridge.bucketSettings.set({ ...ref, section: 'versioning', value: { status: 'Enabled' } });
      const put = (key: string, body: string) => s.storage.putObject({ accountId: s.id, bucket, key }, body);
      await put('a.txt', 'one');
      await put('a.txt', 'two'); // a noncurrent version
      await put('dir/b b.txt', 'x');
      await put('gone.txt', 'x');
      await s.bridge.storage.deleteObjects({ ...ref, keys: ['gone.txt'] }); // a delete marker
      const client = new StorageClient(s.account(s.env.ak, s.env.sk));
      const { doc } = await client.requestXml({
        method: 'POST',
        bucket,
        key: 'big.bin',
        query: { uploads: '' },
      });
      expect(JSON.stringify(doc)).toContain('UploadId');
      await client.close();

      const wrong = await failure(
        s.bridge.bucketSettings.empty({ ...ref, confirm: bucket.toUpperCase(), deleteBucket: true }),
      );
      expect(wrong.code).toBe('VALIDATION');
      expect(wrong.message).toContain(`type its name exactly: ${bucket}`);

      const events: EmptyJobView[] = [];
      const off = s.bridge.events.on('bucketSettings.emptyProgress', (p) => events.push(p.job));
      const started = await s.bridge.bucketSettings.empty({ ...ref, confirm: bucket, deleteBucket: true });
      expect(started.state).toBe('running');
      const end = await waitJob(started.id);
      expect(end.message).toBeUndefined();
      expect(end.state).toBe('done');
      expect(end.counts).toEqual({ objects: 2, versions: 2, deleteMarkers: 1, uploads: 1, failed: 0 });
      expect(end.bucketDeleted).toBe(true);
      expect((await s.bridge.bucketSettings.emptyJob({ id: started.id })).state).toBe('done');
      await expect.poll(() => events.at(-1)?.state, { timeout: 10_000 }).toBe('done');
      off();
      // Progress comes as counts that only grow up to the final ones. (The event hub coalesces
      // a burst to its last payload, so how many running events a fast job shows depends on
      // timing: the test asks only what holds at any speed.)
      const keys = ['objects', 'versions', 'deleteMarkers', 'uploads', 'failed'] as const;
      for (let i = 1; i < events.length; i++)
        for (const k of keys) expect(events[i].counts[k]).toBeGreaterThanOrEqual(events[i - 1].counts[k]);
      for (const e of events) for (const k of keys) expect(e.counts[k]).toBeLessThanOrEqual(end.counts[k]);
      const opened = await failure(s.bridge.storage.openBucket(ref));
      expect(opened.message).toMatch(/There is no bucket named/);
    } finally {
      await s.drop(bucket);
    }
  }, 120_000);

  it('empty without delete keeps the (now empty) bucket', async () => {
    const bucket = s.bucketName();
    const ref = { accountId: s.id, bucket };
    await s.bridge.storage.createBucket(ref);
    try {
      await s.storage.putObject({ accountId: s.id, bucket, key: 'k' }, 'x');
      const started = await s.bridge.bucketSettings.empty({ ...ref, confirm: bucket, deleteBucket: false });
      const end = await waitJob(started.id);
      expect(end).toMatchObject({ state: 'done', bucketDeleted: false, counts: { objects: 1, failed: 0 } });
      expect((await s.bridge.storage.listObjects(ref)).objects).toEqual([]);
    } finally {
      await s.drop(bucket);
    }
  }, 60_000);

  it('cancel stops it and keeps the bucket', async () => {
    const bucket = s.bucketName();
    const ref = { accountId: s.id, bucket };
    await s.bridge.storage.createBucket(ref);
    try {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          s.storage.putObject({ accountId: s.id, bucket, key: `k${i}` }, 'x'),
        ),
      );
      const started = await s.bridge.bucketSettings.empty({ ...ref, confirm: bucket, deleteBucket: true });
      const end = await s.bridge.bucketSettings.cancelEmpty({ id: started.id });
      // The cancel reaches the job before its first listing can come back.
      expect(end.state).toBe('cancelled');
      expect(end.message).toMatch(/^Cancelled/);
      expect(end.bucketDeleted).toBe(false);
      expect((await s.bridge.storage.openBucket(ref)).name).toBe(bucket);
    } finally {
      await s.drop(bucket);
    }
  }, 60_000);
});
