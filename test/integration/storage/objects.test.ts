import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64Decimal } from '../../../src-main/storage/crc64';
import { DIALECTS, uniqueBucket } from './helpers';
import { allKeys, failure, putAll, storageStack, type Stack } from './stack';

// 'k/' + 511 two-byte characters: exactly the 1,024-byte limit.
const LONGEST = 'k/' + 'é'.repeat(511);
const TRICKY = [
  '照片/海边 (1).jpg',
  'a b.txt',
  'plus+sign.txt',
  'a+b c+d.txt',
  '100%.txt',
  '%41%2F.txt',
  'hash#tag.txt',
  'what?.txt',
  'a&b=c;d.txt',
  'quote\'s "x" <y>.txt',
  'x/../y.txt',
  '../up.txt',
  './here.txt',
  'd/./e.txt',
  'd//double.txt',
  '~tilde*!().txt',
  LONGEST,
];

describe.each(DIALECTS)('objects through the storage service (%s)', (dialect) => {
  let s: Stack;
  const bucket = uniqueBucket(dialect);
  const other = uniqueBucket(dialect);
  const ref = () => ({ accountId: s.id, bucket });

  beforeAll(async () => {
    s = await storageStack(dialect);
    await s.bridge.storage.createBucket(ref());
    await s.bridge.storage.createBucket({ accountId: s.id, bucket: other });
  });

  afterAll(async () => {
    await s.drop(bucket);
    await s.drop(other);
    await s.close();
  });

  it('round-trips tricky keys literally through put, list, head and get', async () => {
    expect(new TextEncoder().encode(LONGEST).length).toBe(1024);
    // Literal `..` and `.` segments at the top too: nothing on the way may normalise them away.
    const keys = [...TRICKY.map((k) => (k === LONGEST ? k : `rt/${k}`)), '../top.txt', './top.txt', '..'];
    await Promise.all(keys.map((key, i) => s.storage.putObject({ ...ref(), key }, `body ${i}`)));
    await s.storage.putObject({ ...ref(), key: 'rt/empty.bin' }, new Uint8Array(0));

    const listed = await allKeys(s.bridge, s.id, bucket);
    expect(listed.sort()).toEqual([...keys, 'rt/empty.bin'].sort());

    for (const [i, key] of keys.entries()) {
      const props = await s.bridge.storage.headObject({ ...ref(), key });
      expect(props, key).toMatchObject({ key, size: `body ${i}`.length });
      expect(props.etag, key).toMatch(/^[0-9a-f]{32}$/);
      const bytes = await s.storage.getObjectBytes({ ...ref(), key });
      expect(Buffer.from(bytes).toString(), key).toBe(`body ${i}`);
    }
    expect(await s.bridge.storage.headObject({ ...ref(), key: 'rt/empty.bin' })).toMatchObject({ size: 0 });
    expect((await s.storage.getObjectBytes({ ...ref(), key: 'rt/empty.bin' })).byteLength).toBe(0);
  });

  it('rejects a 1,025-byte key in validation', async () => {
    const e = await failure(s.bridge.storage.headObject({ ...ref(), key: LONGEST + 'x' }));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/1,024 bytes/);
  });

  it('reads properties: type, metadata, dates, class; a missing key is NoSuchKey', async () => {
    const key = 'props/海边 #1.json';
    await s.storage.putObject({ ...ref(), key }, '{"a":1}', {
      contentType: 'application/json',
      metadata: { origin: 'camera', Note: 'x y' },
    });
    const p = await s.bridge.storage.headObject({ ...ref(), key });
    expect(p).toMatchObject({
      key,
      size: 7,
      contentType: 'application/json',
      storageClass: 'STANDARD',
      metadata: { origin: 'camera', note: 'x y' },
    });
    // COS keeps a CRC-64 of every object; plain S3 does not.
    if (dialect === 'cos') expect(p.crc64).toBe(crc64Decimal('{"a":1}'));
    else expect(p.crc64).toBeUndefined();
    expect(Math.abs(Date.parse(p.lastModified ?? '') - Date.now())).toBeLessThan(120_000);
    expect(p.lastModified).toMatch(/Z$/);
    const e = await failure(s.bridge.storage.headObject({ ...ref(), key: 'props/none.txt' }));
    expect(e.details).toMatchObject({ storageCode: 'NoSuchKey', status: 404 });
  });

  it('pages through ~50 keys with maxKeys 7, every key exactly once, with and without a delimiter', async () => {
    const files = Array.from({ length: 40 }, (_, i) => `pg/f ${String(i).padStart(2, '0')}+%.txt`);
    const nested = Array.from({ length: 5 }, (_, i) => [`pg/sub ${i}/a`, `pg/sub ${i}/b+c`]).flat();
    await putAll(s, bucket, [...files, ...nested]);

    const flat: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await s.bridge.storage.listObjects({ ...ref(), prefix: 'pg/', maxKeys: 7, marker });
      expect(page.objects.length).toBeLessThanOrEqual(7);
      flat.push(...page.objects.map((o) => o.key));
      marker = page.isTruncated ? page.nextMarker : undefined;
      if (page.isTruncated) expect(marker).toBeDefined();
      expect(++pages).toBeLessThan(20);
    } while (marker);
    expect(flat).toHaveLength(50);
    expect(new Set(flat)).toEqual(new Set([...files, ...nested]));

    const seenKeys: string[] = [];
    const seenPrefixes: string[] = [];
    marker = undefined;
    do {
      const page = await s.bridge.storage.listObjects({
        ...ref(),
        prefix: 'pg/',
        delimiter: '/',
        maxKeys: 7,
        marker,
      });
      expect(page.objects.length + page.prefixes.length).toBeLessThanOrEqual(7);
      seenKeys.push(...page.objects.map((o) => o.key));
      seenPrefixes.push(...page.prefixes);
      marker = page.isTruncated ? page.nextMarker : undefined;
    } while (marker);
    expect(seenKeys.sort()).toEqual([...files].sort());
    expect(seenPrefixes.sort()).toEqual(Array.from({ length: 5 }, (_, i) => `pg/sub ${i}/`));

    const one = await s.bridge.storage.listObjects({ ...ref(), prefix: 'pg/f 00' });
    expect(one.objects[0]).toMatchObject({
      key: files[0],
      size: 1,
      etag: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(one.objects[0].lastModified).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it('creates folders as zero-byte keys ending in /', async () => {
    expect(await s.bridge.storage.createFolder({ ...ref(), key: 'fold/new folder' })).toEqual({
      key: 'fold/new folder/',
    });
    expect(await s.bridge.storage.createFolder({ ...ref(), key: 'fold/照片/' })).toEqual({
      key: 'fold/照片/',
    });
    const page = await s.bridge.storage.listObjects({ ...ref(), prefix: 'fold/', delimiter: '/' });
    expect(page.prefixes.sort()).toEqual(['fold/new folder/', 'fold/照片/']);
    expect(await s.bridge.storage.headObject({ ...ref(), key: 'fold/new folder/' })).toMatchObject({
      size: 0,
    });
  });

  it('copies one object with a tricky key, within a bucket and to another bucket', async () => {
    const key = 'cp/照片/海边 (1)+%#?&=.jpg';
    await s.storage.putObject({ ...ref(), key }, 'sea');
    const r = await s.bridge.storage.copyObject({ ...ref(), key, toKey: 'cp/copy of ../海边 (1).jpg' });
    expect(r).toEqual({ done: [key], errors: [] });
    expect(
      Buffer.from(await s.storage.getObjectBytes({ ...ref(), key: 'cp/copy of ../海边 (1).jpg' })).toString(),
    ).toBe('sea');
    const x = await s.bridge.storage.copyObject({ ...ref(), key, toBucket: other, toKey: key });
    expect(x).toEqual({ done: [key], errors: [] });
    expect(
      Buffer.from(await s.storage.getObjectBytes({ accountId: s.id, bucket: other, key })).toString(),
    ).toBe('sea');
    // The source is still there after a copy.
    expect(await s.bridge.storage.headObject({ ...ref(), key })).toMatchObject({ size: 3 });
  });

  it('copies a file onto a folder key into that folder', async () => {
    await s.storage.putObject({ ...ref(), key: 'drop/a b.txt' }, 'ab');
    const r = await s.bridge.storage.copyObject({ ...ref(), key: 'drop/a b.txt', toKey: 'drop/into/' });
    expect(r.errors).toEqual([]);
    expect(await s.bridge.storage.headObject({ ...ref(), key: 'drop/into/a b.txt' })).toMatchObject({
      size: 2,
    });
  });

  it('reports a failed copy per key', async () => {
    const r = await s.bridge.storage.copyObject({ ...ref(), key: 'cp/none.txt', toKey: 'cp/none2.txt' });
    expect(r.done).toEqual([]);
    expect(r.errors).toEqual([
      { key: 'cp/none.txt', code: 'NoSuchKey', message: expect.stringMatching(/does not exist/) },
    ]);
    const e = await failure(
      s.bridge.storage.moveObject({ ...ref(), key: 'cp/no folder/', toKey: 'cp/elsewhere/' }),
    );
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/empty or does not exist: there is nothing to move/);
  });

  it('copies and moves a folder recursively, keeping relative paths', async () => {
    const tree = [
      'tree/',
      'tree/a.txt',
      'tree/sub/',
      'tree/sub/b c.txt',
      'tree/sub/deep/照片+1.jpg',
      'tree/../odd',
    ];
    await putAll(s, bucket, tree);
    const rel = (prefix: string) => tree.map((k) => prefix + k.slice('tree/'.length));

    const c = await s.bridge.storage.copyObject({ ...ref(), key: 'tree/', toKey: 'tree copy' });
    expect(c.errors).toEqual([]);
    expect(c.done.sort()).toEqual([...tree].sort());
    expect((await allKeys(s.bridge, s.id, bucket, 'tree copy/')).sort()).toEqual(rel('tree copy/').sort());

    const m = await s.bridge.storage.moveObject({ ...ref(), key: 'tree/', toKey: 'moved/tree/' });
    expect(m.errors).toEqual([]);
    expect(m.done.sort()).toEqual([...tree].sort());
    expect(await allKeys(s.bridge, s.id, bucket, 'tree/')).toEqual([]);
    expect((await allKeys(s.bridge, s.id, bucket, 'moved/tree/')).sort()).toEqual(rel('moved/tree/').sort());
  });

  it('renames a single object', async () => {
    await s.storage.putObject({ ...ref(), key: 'ren/old name.txt' }, 'r');
    const r = await s.bridge.storage.moveObject({
      ...ref(),
      key: 'ren/old name.txt',
      toKey: 'ren/new+name.txt',
    });
    expect(r).toEqual({ done: ['ren/old name.txt'], errors: [] });
    expect(await allKeys(s.bridge, s.id, bucket, 'ren/')).toEqual(['ren/new+name.txt']);
  });

  it('refuses to move a folder into itself, or anything onto itself', async () => {
    await s.storage.putObject({ ...ref(), key: 'self/x' }, '1');
    const e = await failure(s.bridge.storage.moveObject({ ...ref(), key: 'self/', toKey: 'self/inner/' }));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/cannot be moved into itself/);
    const same = await failure(s.bridge.storage.moveObject({ ...ref(), key: 'self/x', toKey: 'self/x' }));
    expect(same.message).toMatch(/already there/);
    expect(await allKeys(s.bridge, s.id, bucket, 'self/')).toEqual(['self/x']);
  });
});
