import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPID, COS_REGION, DIALECTS, rgwBucketName, uniqueBucket } from './helpers';
import { failure, storageStack, type Stack } from './stack';

// Why a name is refused, per dialect (COS: `<name>-<APPID>`, the APPID added when left out).
const INVALID: Record<(typeof DIALECTS)[number], [string, RegExp][]> = {
  s3: [
    ['ab', /3 to 63 characters/],
    ['x'.repeat(64), /3 to 63 characters/],
    ['Upper-Case', /lower-case letters/],
    ['under_score', /lower-case letters/],
    ['-leading', /start and end with a letter or digit/],
    ['trailing-', /start and end with a letter or digit/],
    ['two..dots', /two dots/],
    ['192.168.1.10', /IP address/],
  ],
  cos: [
    ['Upper-Case', /lower-case letters/],
    ['under_score', /lower-case letters/],
    ['dots.in.name', /lower-case letters/],
    [`-leading-${APPID}`, /cannot start or end with a hyphen/],
    ['trailing-', /cannot start or end with a hyphen/],
    [`-${APPID}`, /Give the bucket a name before the -APPID/],
    ['x'.repeat(40), /too long for region ap-guangzhou.*at most 60 characters/],
  ],
};

describe.each(DIALECTS)('buckets through the storage service (%s)', (dialect) => {
  let s: Stack;
  const bucket = uniqueBucket(dialect);
  const created: string[] = [bucket];

  beforeAll(async () => {
    s = await storageStack(dialect);
  });

  afterAll(async () => {
    for (const b of created) await s.drop(b);
    await s.close();
  });

  it('creates a bucket, lists it, opens it by name', async () => {
    expect(await s.bridge.storage.createBucket({ accountId: s.id, bucket })).toEqual({
      bucket,
      region: s.region,
    });
    const buckets = await s.bridge.storage.listBuckets({ accountId: s.id });
    expect(buckets.map((b) => b.name)).toContain(bucket);
    if (dialect === 'cos') {
      // Listed through the service endpoint, every name in COS form, with its region.
      expect(buckets.every((b) => b.name.endsWith(`-${APPID}`))).toBe(true);
      expect(buckets.find((b) => b.name === bucket)).toMatchObject({ region: COS_REGION });
    }
    expect(await s.bridge.storage.openBucket({ accountId: s.id, bucket })).toMatchObject({
      name: bucket,
      region: s.region,
    });
  });

  if (dialect === 'cos') {
    it('adds the account APPID to a short COS name, on create and on open', async () => {
      const full = uniqueBucket('cos');
      created.push(full);
      const short = rgwBucketName(full);
      expect(await s.bridge.storage.createBucket({ accountId: s.id, bucket: short })).toEqual({
        bucket: full,
        region: COS_REGION,
      });
      expect(await s.bridge.storage.openBucket({ accountId: s.id, bucket: short })).toMatchObject({
        name: full,
      });
      expect(await s.bridge.storage.deleteBucket({ accountId: s.id, bucket: full })).toEqual({
        deleted: true,
      });
      const e = await failure(s.bridge.storage.openBucket({ accountId: s.id, bucket: full }));
      expect(e.details).toMatchObject({ storageCode: 'NoSuchBucket', status: 404 });
      expect(e.message).toMatch(/in region ap-guangzhou/);
    });
  }

  it('explains why a bucket name is invalid, before sending anything', async () => {
    const cases = INVALID[dialect];
    for (const [name, why] of cases) {
      const e = await failure(s.bridge.storage.createBucket({ accountId: s.id, bucket: name }));
      expect(e.code, name).toBe('VALIDATION');
      expect(e.message, name).toMatch(why);
      expect(e.details?.messageZh, name).toEqual(expect.any(String));
    }
    const names = (await s.bridge.storage.listBuckets({ accountId: s.id })).map((b) => b.name);
    for (const [name] of cases) expect(names).not.toContain(name);
  });

  it("refuses another user's bucket name as taken", async () => {
    const e = await failure(s.bridge.storage.createBucket({ accountId: s.id2, bucket }));
    expect(e.code).toBe('STORAGE');
    expect(e.details?.status).toBe(409);
    expect(e.details?.storageCode).toBe('BucketAlreadyExists');
    expect(e.message).toMatch(/already taken/);
  });

  it('says clearly when the key may not open a bucket', async () => {
    const e = await failure(s.bridge.storage.openBucket({ accountId: s.id2, bucket }));
    expect(e.details).toMatchObject({ storageCode: 'AccessDenied', status: 403 });
    expect(e.message).toMatch(/no permission to open the bucket/);
    expect(e.message).toContain(bucket);
  });

  it('says clearly when a bucket does not exist', async () => {
    const missing = uniqueBucket(dialect);
    const e = await failure(s.bridge.storage.openBucket({ accountId: s.id, bucket: missing }));
    expect(e.details).toMatchObject({ storageCode: 'NoSuchBucket', status: 404 });
    expect(e.message).toMatch(new RegExp(`There is no bucket named "${missing}"`));
    const list = await failure(s.bridge.storage.listObjects({ accountId: s.id, bucket: missing }));
    expect(list.details?.storageCode).toBe('NoSuchBucket');
  });

  it('refuses to delete a non-empty bucket and says to delete its objects first', async () => {
    const doomed = uniqueBucket(dialect);
    created.push(doomed);
    await s.bridge.storage.createBucket({ accountId: s.id, bucket: doomed });
    await s.storage.putObject({ accountId: s.id, bucket: doomed, key: 'keep/me.txt' }, 'hi');
    const e = await failure(s.bridge.storage.deleteBucket({ accountId: s.id, bucket: doomed }));
    expect(e.details?.storageCode).toBe('BucketNotEmpty');
    expect(e.message).toMatch(/not empty: delete its objects .*first/);
    expect(e.details?.messageZh).toMatch(/不为空/);

    const r = await s.bridge.storage.deleteObjects({ accountId: s.id, bucket: doomed, keys: ['keep/'] });
    expect(r).toEqual({ done: expect.arrayContaining(['keep/me.txt']), errors: [] });
    expect(await s.bridge.storage.deleteBucket({ accountId: s.id, bucket: doomed })).toEqual({
      deleted: true,
    });
    const names = (await s.bridge.storage.listBuckets({ accountId: s.id })).map((b) => b.name);
    expect(names).not.toContain(doomed);
  });

  it('uses a fresh client after invalidate', async () => {
    await s.storage.invalidate(s.id);
    expect((await s.bridge.storage.listBuckets({ accountId: s.id })).map((b) => b.name)).toContain(bucket);
    await s.storage.invalidate();
    expect(await s.bridge.storage.openBucket({ accountId: s.id, bucket })).toMatchObject({ name: bucket });
  });
});
