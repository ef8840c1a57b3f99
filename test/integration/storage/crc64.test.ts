import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../../src-main/storage/client';
import { crc64, crc64CombineAll, crc64Decimal } from '../../../src-main/storage/crc64';
import { list, text } from '../../../src-main/storage/xml';
import { cosAccount, uniqueBucket } from './helpers';
import { storageStack, type Stack } from './stack';

// Only COS keeps a CRC-64 (x-cos-hash-crc64ecma); the gateway computes it with its own code,
// so agreement here means the app's crc64.ts matches an independent implementation on the wire.
describe.each(['cos'] as const)('CRC-64 of stored objects (%s, through the COS gateway)', (dialect) => {
  let s: Stack;
  const bucket = uniqueBucket(dialect);
  const ref = () => ({ accountId: s.id, bucket });

  beforeAll(async () => {
    s = await storageStack(dialect);
    await s.bridge.storage.createBucket(ref());
  });

  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  const cases: [string, () => Uint8Array][] = [
    ['small text', () => Buffer.from('hello, 海边 (1)\n')],
    ['empty', () => new Uint8Array(0)],
    ['5 MiB random', () => randomBytes(5 * 1024 * 1024)],
    ['odd length, unaligned view', () => randomBytes(100_003).subarray(3)],
  ];

  it.each(cases)('%s: the PUT answer, HEAD and GET carry the CRC the app computes', async (name, make) => {
    const body = make();
    const key = `crc/${name} +%#?.bin`;
    const local = crc64Decimal(body);
    const put = await s.storage.putObject({ ...ref(), key }, body);
    expect(put.crc64).toBe(local);
    const props = await s.bridge.storage.headObject({ ...ref(), key });
    expect(props.crc64).toBe(local);
    expect(props.size).toBe(body.length);
    const got = await s.storage.getObject({ ...ref(), key });
    const bytes = new Uint8Array(await got.body.arrayBuffer());
    expect(got.headers['x-cos-hash-crc64ecma']).toBe(local);
    expect(crc64Decimal(bytes)).toBe(local);
  });

  it('a folder marker and a copy keep their CRC (a copy carries the source CRC)', async () => {
    const { key } = await s.bridge.storage.createFolder({ ...ref(), key: 'crc/folder' });
    expect((await s.bridge.storage.headObject({ ...ref(), key })).crc64).toBe('0');

    const body = randomBytes(70_001);
    await s.storage.putObject({ ...ref(), key: 'crc/src.bin' }, body);
    const r = await s.bridge.storage.copyObject({ ...ref(), key: 'crc/src.bin', toKey: 'crc/copy.bin' });
    expect(r.errors).toEqual([]);
    expect((await s.bridge.storage.headObject({ ...ref(), key: 'crc/copy.bin' })).crc64).toBe(
      crc64Decimal(body),
    );
  });

  it('a multipart upload: part CRCs, and the combined CRC on Complete, match crc64 and crc64Combine', async () => {
    const client = new StorageClient(cosAccount(s.gateway!.port, s.env.ak, s.env.sk));
    try {
      const key = 'crc/multi part.bin';
      const whole = randomBytes(5 * 1024 * 1024 + 1024 * 1024 + 7);
      const parts = [whole.subarray(0, 5 * 1024 * 1024), whole.subarray(5 * 1024 * 1024)];
      const init = await client.requestXml({ method: 'POST', bucket, key, query: { uploads: '' } });
      const uploadId = text(init.doc['InitiateMultipartUploadResult'], 'UploadId')!;
      expect(uploadId).toBeTruthy();
      const etags: string[] = [];
      for (const [i, part] of parts.entries()) {
        const res = await client.request({
          method: 'PUT',
          bucket,
          key,
          query: { partNumber: String(i + 1), uploadId },
          body: part,
        });
        await res.body.dump();
        expect(res.headers['x-cos-hash-crc64ecma'], `part ${i + 1}`).toBe(crc64Decimal(part));
        etags.push(res.headers['etag']);
      }
      const completeXml = `<CompleteMultipartUpload>${etags
        .map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
      const done = await client.requestXml({
        method: 'POST',
        bucket,
        key,
        query: { uploadId },
        body: completeXml,
        headers: { 'content-type': 'application/xml' },
      });
      expect(list(done.doc, 'CompleteMultipartUploadResult')).toHaveLength(1);
      const combined = crc64CombineAll(parts.map((p) => ({ crc: crc64(p), size: p.length })));
      expect(combined).toBe(crc64(whole));
      expect(done.headers['x-cos-hash-crc64ecma']).toBe(combined.toString());
      expect((await s.bridge.storage.headObject({ ...ref(), key })).crc64).toBe(combined.toString());
    } finally {
      await client.close();
    }
  });
});
