import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
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

// The node:crypto signer against @smithy/signature-v4 (with the pure-JS SHA-256 it replaced),
// byte for byte over random requests: names and values with every kind of character, headers
// that are never signed, generated headers the caller already set, temporary keys.
describe('signS3 matches @smithy/signature-v4', () => {
  function rng(seed: number) {
    let s = seed >>> 0 || 1;
    return () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 2 ** 32;
    };
  }
  const CHARS = [
    'a',
    'Z',
    '0',
    '-',
    '_',
    '.',
    '~',
    ' ',
    '/',
    '+',
    '%',
    '?',
    '&',
    '=',
    '!',
    "'",
    '(',
    ')',
    '*',
    'é',
    '中',
    '😀',
    ';',
    ':',
    ',',
    '\t',
  ];
  const HEADERS = [
    'content-type',
    'content-md5',
    'content-length',
    'range',
    'x-amz-meta-a',
    'x-amz-acl',
    'user-agent',
    'expect',
    'transfer-encoding',
    'proxy-x',
    'sec-x',
    'authorization',
    'date',
    'x-amz-date',
    'if-match',
    'x-amz-copy-source',
    'cache-control',
    'x-amz-content-sha256',
  ];
  const QUERY = [
    'uploadId',
    'partNumber',
    'list-type',
    'prefix',
    'delimiter',
    'continuation-token',
    'versionId',
    'acl',
    'X-Amz-Signature',
    'max-keys',
  ];

  async function smithy(input: S3SignInput): Promise<Record<string, string>> {
    const signer = new SignatureV4({
      service: 's3',
      region: input.region,
      credentials: {
        accessKeyId: input.accessKeyId,
        secretAccessKey: input.secretAccessKey,
        sessionToken: input.sessionToken,
      },
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
    headers['x-amz-content-sha256'] ??= 'UNSIGNED-PAYLOAD';
    const signed = await signer.sign(
      new HttpRequest({
        method: input.method.toUpperCase(),
        protocol: input.protocol,
        hostname: input.hostname,
        port: input.port,
        path: input.path,
        query: input.query,
        headers,
      }),
      { signingDate: input.signingDate },
    );
    return { ...(signed.headers as Record<string, string>) };
  }

  it('gives the same headers for 500 random requests', async () => {
    const r = rng(20261202);
    const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
    const str = (max: number) => {
      let s = '';
      for (let i = Math.floor(r() * max); i > 0; i--) s += pick(CHARS);
      return s;
    };
    for (let i = 0; i < 500; i++) {
      const req: S3SignInput = {
        accessKeyId: `AK${i % 3}`,
        secretAccessKey: `secret/${i % 2}+x`,
        sessionToken: r() < 0.3 ? `tok${str(8)}` : undefined,
        region: pick(['us-east-1', 'default', 'cn-north-1']),
        method: pick(['get', 'PUT', 'POST', 'DELETE', 'HEAD']),
        protocol: 'http:',
        hostname: 'h.example',
        path: '/' + encodeURIComponent(str(12)).replace(/%2F/g, '/'),
        query: Object.fromEntries(
          Array.from({ length: Math.floor(r() * 4) }, () => [
            r() < 0.7 ? pick(QUERY) : str(5),
            r() < 0.3 ? '' : str(10),
          ]),
        ),
        headers: {
          Host: 'h.example:7480',
          ...Object.fromEntries(
            Array.from({ length: Math.floor(r() * 6) }, () => [
              r() < 0.5 ? pick(HEADERS) : pick(HEADERS).toUpperCase(),
              (r() < 0.2 ? '  \n ' : '') + str(10) + (r() < 0.2 ? '\t ' : ''),
            ]),
          ),
        },
        signingDate: new Date(1_700_000_000_000 + Math.floor(r() * 400 * 86400_000)),
      };
      expect(await signS3(req), `request ${i}`).toEqual(await smithy(req));
    }
  });
});
