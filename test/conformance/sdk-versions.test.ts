/**
 * The official cos-nodejs-sdk-v5 uses versioning through the COS gateway: PUT/GET Bucket
 * versioning (436/19889, 436/19888), GET Bucket Object versions (436/35521), GET, copy
 * (436/10881, `?versionId=` in x-cos-copy-source) and DELETE of one version, each version
 * answering its own CRC-64.
 */
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CosGateway } from '../cos-gateway/server';
import { Crc64 } from '../cos-gateway/crc64';
import { REGION, rgwEnv, sdk, startGateway, uniqueBucket } from './helpers';

const crcOf = (b: string) => new Crc64().update(Buffer.from(b)).digestDecimal();

let gw: CosGateway;
let cos: COS;
let Bucket: string;
const Region = REGION;
// The SDK sends VersionId on deleteObject (as `?versionId=`); its typings leave it out.
const version = (Key: string, VersionId: string) =>
  ({ Bucket, Region, Key, VersionId }) as COS.DeleteObjectParams;

beforeAll(async () => {
  const env = rgwEnv();
  gw = await startGateway(env);
  cos = sdk(gw, env.ak, env.sk);
  Bucket = uniqueBucket('conf-ver');
  await cos.putBucket({ Bucket, Region });
});

afterAll(async () => {
  try {
    for (let round = 0; round < 20; round++) {
      const r = await cos.listObjectVersions({ Bucket, Region });
      const all = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])];
      if (all.length === 0) break;
      for (const v of all) await cos.deleteObject(version(v.Key, v.VersionId));
    }
    await cos.deleteBucket({ Bucket, Region });
  } finally {
    await gw?.close();
  }
});

describe('versioning with the official SDK', () => {
  it('turns versioning on, lists versions and markers, reads, copies and deletes one version', async () => {
    const before = await cos.getBucketVersioning({ Bucket, Region });
    expect(before.VersioningConfiguration?.Status).toBeUndefined();
    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Enabled' } });
    expect((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration.Status).toBe(
      'Enabled',
    );

    const Key = 'v/file.txt';
    const ids: string[] = [];
    for (const body of ['alpha', 'beta', 'gamma']) {
      const put = await cos.putObject({ Bucket, Region, Key, Body: body });
      expect(put.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf(body));
      ids.push(String(put.headers?.['x-cos-version-id'] ?? ''));
    }
    expect(ids.every((id) => id.length > 0)).toBe(true);
    await cos.deleteObject({ Bucket, Region, Key });

    const list = await cos.listObjectVersions({ Bucket, Region, Prefix: 'v/' });
    expect(list.Name).toBe(Bucket);
    expect(list.Versions.map((v) => v.VersionId).sort()).toEqual([...ids].sort());
    expect(list.DeleteMarkers).toHaveLength(1);
    expect(list.DeleteMarkers[0]).toMatchObject({ Key, IsLatest: 'true' });

    // The first version, by id, with its own CRC-64.
    const first = await cos.getObject({ Bucket, Region, Key, VersionId: ids[0] });
    expect(String(first.Body)).toBe('alpha');
    expect(first.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf('alpha'));

    // Copy it back onto the key: the copy carries that version's CRC-64, not the newest's.
    const copy = await cos.putObjectCopy({
      Bucket,
      Region,
      Key,
      CopySource: `${Bucket}.cos.${Region}.myqcloud.com/${Key}?versionId=${encodeURIComponent(ids[0])}`,
    });
    expect(copy.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf('alpha'));
    const now = await cos.getObject({ Bucket, Region, Key });
    expect(String(now.Body)).toBe('alpha');
    expect(now.headers?.['x-cos-hash-crc64ecma']).toBe(crcOf('alpha'));

    await cos.deleteObject(version(Key, ids[1]));
    const after = await cos.listObjectVersions({ Bucket, Region, Prefix: 'v/' });
    expect(after.Versions.map((v) => v.VersionId)).not.toContain(ids[1]);
    expect(after.Versions).toHaveLength(3);

    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Suspended' } });
    expect((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration.Status).toBe(
      'Suspended',
    );
  });
});
