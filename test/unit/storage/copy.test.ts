import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import { StorageClient } from '../../../src-main/storage/client';
import { copySource, destinationKey, transfer } from '../../../src-main/storage/ops/copy';

const s3 = new StorageClient({
  kind: 's3',
  name: 't',
  endpoint: 'http://127.0.0.1:1',
  region: 'us-east-1',
  accessKeyId: 'AK',
  pathStyle: true,
  secret: { secretKey: 'x' },
});
const cos = (endpointTemplate?: string) =>
  new StorageClient({
    kind: 'cos',
    name: 't',
    secretId: 'AKID',
    region: 'ap-guangzhou',
    endpointTemplate,
    secret: { secretKey: 'x' },
  });

describe('copy source', () => {
  it('S3: /bucket/key with the whole key encoded, so .. cannot be normalised', () => {
    expect(copySource(s3, { bucket: 'b' }, '照片/../a b+c%#?.jpg')).toBe(
      '/b/%E7%85%A7%E7%89%87%2F..%2Fa%20b%2Bc%25%23%3F.jpg',
    );
  });

  it("COS: the source bucket's canonical host in its own region, whatever the endpoint template", () => {
    expect(copySource(cos(), { bucket: 'p-125' }, 'a/b c')).toBe(
      'p-125.cos.ap-guangzhou.myqcloud.com/a%2Fb%20c',
    );
    expect(copySource(cos(), { bucket: 'p-125', region: 'ap-beijing' }, 'k')).toBe(
      'p-125.cos.ap-beijing.myqcloud.com/k',
    );
    // COS wants <bucket>-<appid>.cos.<region>.myqcloud.com/<key> (PUT Object - Copy, 436/10881),
    // not the host a custom, private or accelerate endpoint gives.
    for (const t of [
      'http://gw.localhost:9000/{bucket}',
      'https://{bucket}.cos.accelerate.myqcloud.com',
      'https://files.example.com:8443',
    ]) {
      expect(copySource(cos(t), { bucket: 'p-125' }, 'k'), t).toBe('p-125.cos.ap-guangzhou.myqcloud.com/k');
    }
  });
});

describe('destination keys', () => {
  it('puts a folder on a folder key and a file dropped on a folder inside it', () => {
    expect(destinationKey('a/', 'b')).toBe('b/');
    expect(destinationKey('a/', 'b/')).toBe('b/');
    expect(destinationKey('a/x.txt', 'b/')).toBe('b/x.txt');
    expect(destinationKey('x.txt', 'y.txt')).toBe('y.txt');
  });
});

describe('refusals before any request', () => {
  const never = {} as StorageClient;
  const run = (key: string, toKey: string, move = true, toBucket = 'b') =>
    transfer(never, { src: { bucket: 'b' }, key, dst: { bucket: toBucket }, toKey, move });

  it('refuses a folder into itself', async () => {
    await expect(run('a/', 'a/b/')).rejects.toMatchObject({
      code: 'VALIDATION',
      message: /moved into itself/,
    });
    await expect(run('a/', 'a/b', false)).rejects.toMatchObject({ message: /copied into itself/ });
    await expect(run('a/', 'a/')).rejects.toBeInstanceOf(AppError);
    await expect(run('a', 'a')).rejects.toMatchObject({ message: /already there/ });
  });

  it('allows a sibling with a common name start, or the same path in another bucket', async () => {
    // These get past the checks and fail on the fake client, not with VALIDATION.
    await expect(run('a/', 'ab/')).rejects.not.toMatchObject({ code: 'VALIDATION' });
    await expect(run('a/', 'a/x/', true, 'other')).rejects.not.toMatchObject({ code: 'VALIDATION' });
  });
});
