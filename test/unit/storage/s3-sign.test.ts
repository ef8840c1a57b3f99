import { describe, expect, it } from 'vitest';
import { signS3, type S3SignInput } from '../../../src-main/storage/dialects/s3/sign';

const input: S3SignInput = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  method: 'GET',
  protocol: 'https:',
  hostname: 'examplebucket.s3.amazonaws.com',
  path: '/test.txt',
  query: {},
  headers: {
    host: 'examplebucket.s3.amazonaws.com',
    range: 'bytes=0-9',
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
  signingDate: new Date('2013-05-24T00:00:00Z'),
};

describe('signS3', () => {
  it('reproduces the AWS documentation example (GET object with Range)', async () => {
    const h = await signS3(input);
    expect(h['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(h['x-amz-date']).toBe('20130524T000000Z');
  });

  it('signs x-amz-content-sha256 as UNSIGNED-PAYLOAD by default', async () => {
    const h = await signS3({ ...input, headers: { host: input.hostname } });
    expect(h['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(h['authorization']).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date,');
  });

  it('adds and signs x-amz-security-token for temporary keys', async () => {
    const h = await signS3({ ...input, sessionToken: 'session/token+=', headers: { host: input.hostname } });
    expect(h['x-amz-security-token']).toBe('session/token+=');
    expect(h['authorization']).toContain(
      'SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,',
    );
  });

  it('does not sign user-agent, and never exposes the secret', async () => {
    const h = await signS3({ ...input, headers: { ...input.headers, 'user-agent': 'cosdesk/0.1' } });
    expect(h['authorization']).not.toContain('user-agent');
    expect(h['user-agent']).toBe('cosdesk/0.1');
    expect(JSON.stringify(h)).not.toContain(input.secretAccessKey);
  });

  it('uses the path as given (already encoded): no double encoding', async () => {
    const a = await signS3({ ...input, path: '/a%20b.txt' });
    const b = await signS3({ ...input, path: '/a%2520b.txt' });
    expect(a['authorization']).not.toBe(b['authorization']);
  });
});
