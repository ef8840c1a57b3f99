// The link signer's fast paths (hand-written SigV4 presign with a cached signing key, the cached
// bucket address, the COS sign-key memo, uriEncode's plain-string shortcut) against the slow,
// obviously-right way: @smithy/signature-v4's presign over the endpoint layer's own target for
// every key, and signCos with a freshly derived key. Same URL, byte for byte, over random keys.
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { contentDisposition, createPresigner, type LinkOptions } from '../../../src-main/sharing/presign';
import { NodeSha256 } from '../../../src-main/sharing/node-sha256';
import { signCos } from '../../../src-main/storage/dialects/cos/sign';
import { uriEncode } from '../../../src-main/storage/encode';
import { cosTarget, s3Target } from '../../../src-main/storage/endpoints';

type S3Account = Extract<ResolvedAccount, { kind: 's3' }>;
type CosAccount = Extract<ResolvedAccount, { kind: 'cos' }>;

/** A small deterministic PRNG, so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const ALPHABET = [
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
  '#',
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
  '@',
  ',',
];

function randomKey(r: () => number): string {
  const n = 1 + Math.floor(r() * 30);
  let k = '';
  for (let i = 0; i < n; i++) k += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return k;
}

function randomOptions(r: () => number, bucket: string): LinkOptions {
  const method = r() < 0.3 ? 'PUT' : 'GET';
  const o: LinkOptions = {
    bucket,
    key: randomKey(r),
    method,
    startSec: 1_700_000_000 + Math.floor(r() * 400 * 86400),
    seconds: 1 + Math.floor(r() * 7 * 86400),
  };
  if (method === 'PUT' && r() < 0.6)
    o.contentType = r() < 0.5 ? 'image/jpeg' : '  text/plain;  charset=utf-8 ';
  if (method === 'GET' && r() < 0.4) o.downloadName = randomKey(r);
  if (method === 'GET' && r() < 0.3) o.query = { versionId: `v${Math.floor(r() * 1e6)}` };
  if (r() < 0.2) o.customDomain = r() < 0.5 ? 'https://files.example.com' : 'http://cdn.example.com:8080';
  return o;
}

/** The presigner as it was before the fast path: smithy's presign, a fresh target per link. */
function referenceS3(account: S3Account, o: LinkOptions): Promise<string> {
  const signer = new SignatureV4({
    service: 's3',
    region: account.region,
    credentials: {
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secret.secretKey,
      sessionToken: account.secret.sessionToken,
    },
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const query: Record<string, string> = o.method === 'GET' ? { ...o.query } : {};
  if (o.method === 'GET' && o.downloadName)
    query['response-content-disposition'] = contentDisposition(o.downloadName);
  const t = s3Target(account, { bucket: o.bucket, key: o.key, query });
  const w = o.customDomain ? new URL(o.customDomain) : undefined;
  const headers: Record<string, string> = {
    host: w ? w.host : t.host,
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  };
  if (o.method === 'PUT' && o.contentType) headers['content-type'] = o.contentType;
  const only = new Set(['x-amz-content-sha256']);
  return signer
    .presign(
      new HttpRequest({
        method: o.method,
        protocol: w ? w.protocol : t.protocol,
        hostname: w ? w.hostname : t.hostname,
        port: w ? (w.port === '' ? undefined : Number(w.port)) : t.port,
        path: t.encodedPath,
        query,
        headers,
      }),
      {
        signingDate: new Date(o.startSec * 1000),
        expiresIn: o.seconds,
        unsignableHeaders: only,
        unhoistableHeaders: only,
      },
    )
    .then((signed) => {
      const pairs = Object.entries(signed.query ?? {}).map(
        ([k, v]) => `${uriEncode(k)}=${uriEncode(String(v))}`,
      );
      return `${w ? w.origin : t.origin}${t.encodedPath}?${pairs.join('&')}`;
    });
}

function referenceCos(account: CosAccount, o: LinkOptions): string {
  const query: Record<string, string> = o.method === 'GET' ? { ...o.query } : {};
  if (o.method === 'GET' && o.downloadName)
    query['response-content-disposition'] = contentDisposition(o.downloadName);
  const t = cosTarget(account, { bucket: o.bucket, key: o.key, query });
  const w = o.customDomain ? new URL(o.customDomain) : undefined;
  const headers: Record<string, string> = { host: w ? w.host : t.host };
  if (o.method === 'PUT' && o.contentType) headers['content-type'] = o.contentType;
  // A different secret first, so signCos's sign-key memo must notice the change.
  signCos({
    ...{ secretId: 'x', secretKey: 'other', method: 'get', pathname: '/', query: {}, headers: {} },
    keyTime: '1;2',
  });
  const auth = signCos({
    secretId: account.secretId,
    secretKey: account.secret.secretKey,
    method: o.method,
    pathname: t.pathname,
    query,
    headers,
    keyTime: `${o.startSec - 1};${o.startSec + o.seconds}`,
  });
  const pairs = Object.entries(query).map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`);
  for (const field of auth.split('&')) {
    const eq = field.indexOf('=');
    pairs.push(`${uriEncode(field.slice(0, eq))}=${uriEncode(field.slice(eq + 1))}`);
  }
  if (account.secret.sessionToken)
    pairs.push(`x-cos-security-token=${uriEncode(account.secret.sessionToken)}`);
  return `${w ? w.origin : t.origin}${t.encodedPath}?${pairs.join('&')}`;
}

const s3Accounts: S3Account[] = [
  {
    kind: 's3',
    name: 'vhost',
    endpoint: 'https://s3.example.com',
    region: 'us-east-1',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    pathStyle: false,
    secret: { secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  },
  {
    kind: 's3',
    name: 'path-style with a token and a base path',
    endpoint: 'http://127.0.0.1:7480/base/',
    region: 'eu-west-3',
    accessKeyId: 'AKIDTOKEN',
    pathStyle: true,
    secret: { secretKey: 'secret+/=', sessionToken: 'tok/en+with=chars' },
  },
];

const cosAccounts: CosAccount[] = [
  {
    kind: 'cos',
    name: 'cos',
    secretId: 'AKIDbenchbenchbenchbenchbenchbench00',
    appId: '1250000000',
    region: 'ap-guangzhou',
    secret: { secretKey: 'benchsecretbenchsecretbenchsecret0' },
  },
  {
    kind: 'cos',
    name: 'cos with a token and a template',
    secretId: 'AKIDtemp',
    appId: '1250000000',
    region: 'ap-shanghai',
    endpointTemplate: 'http://{bucket}.cos.{region}.localhost:8123',
    secret: { secretKey: 'tmpsecret', sessionToken: 'session token/+' },
  },
];

describe('pre-signed links: the fast signer equals the reference', () => {
  for (const account of s3Accounts) {
    it(`S3 SigV4, ${account.name}: 400 random links`, async () => {
      const r = rng(0x5eed + account.name.length);
      const p = createPresigner(account);
      for (let i = 0; i < 400; i++) {
        const o = randomOptions(r, i % 3 === 0 ? 'other-bucket' : 'bench');
        expect(await p.sign(o), `link ${i}: ${JSON.stringify(o)}`).toBe(await referenceS3(account, o));
      }
    });
  }
  for (const account of cosAccounts) {
    it(`COS, ${account.name}: 400 random links`, async () => {
      const r = rng(0xc05 + account.name.length);
      const p = createPresigner(account);
      for (let i = 0; i < 400; i++) {
        const o = randomOptions(r, i % 3 === 0 ? 'other-1250000000' : 'bench-1250000000');
        expect(await p.sign(o), `link ${i}: ${JSON.stringify(o)}`).toBe(referenceCos(account, o));
      }
    });
  }

  it('refuses an S3 link longer than 7 days, and an empty key, with a message', async () => {
    const p = createPresigner(s3Accounts[0]);
    const o: LinkOptions = {
      bucket: 'bench',
      key: 'a',
      method: 'GET',
      startSec: 1_700_000_000,
      seconds: 604_801,
    };
    await expect(p.sign(o)).rejects.toThrow(/at most 7 days/);
    await expect(p.sign({ ...o, seconds: 60, key: '' })).rejects.toThrow(/cannot be empty/);
  });

  it('uriEncode: plain strings unchanged, the rest as RFC 3986 wants', () => {
    expect(uriEncode('AKIA-abc_1.2~')).toBe('AKIA-abc_1.2~');
    expect(uriEncode("a b!'()*é/")).toBe('a%20b%21%27%28%29%2A%C3%A9%2F');
    expect(uriEncode('')).toBe('');
  });
});
