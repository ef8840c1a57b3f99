import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildKeyTime,
  isSignedCosHeader,
  signCos,
  type CosSignInput,
} from '../../../src-main/storage/dialects/cos/sign';
import fixtureJson from '../../fixtures/cos-sign-vectors.json';

const fixture = fixtureJson as unknown as {
  vectors: { name: string; input: CosSignInput; authorization: string }[];
};

describe('signCos: official SDK vectors', () => {
  it('has vectors to run', () => {
    expect(fixture.vectors.length).toBeGreaterThan(5);
  });
  for (const v of fixture.vectors) {
    it(v.name, () => {
      expect(signCos(v.input)).toBe(v.authorization);
    });
  }
});

/**
 * PROTOCOL.md §1 written out step by step, independently of the implementation, for the
 * cases the vectors do not cover. The caller names the headers to sign.
 */
function literalSignature(
  input: CosSignInput,
  signedHeaderNames: string[],
): { sig: string; headerList: string; paramList: string } {
  const enc = (s: string) =>
    Array.from(new TextEncoder().encode(s))
      .map((b) => {
        const c = String.fromCharCode(b);
        return /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
      })
      .join('');
  const canon = (pairs: [string, string][]) => {
    const sorted = pairs
      .map(([k, v]) => [enc(k).toLowerCase(), enc(v)])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return { list: sorted.map((p) => p[0]).join(';'), str: sorted.map((p) => `${p[0]}=${p[1]}`).join('&') };
  };
  const headers = Object.entries(input.headers).filter(([k]) => signedHeaderNames.includes(k.toLowerCase()));
  const q = canon(Object.entries(input.query));
  const h = canon(headers);
  const signKey = createHmac('sha1', input.secretKey).update(input.keyTime).digest('hex');
  const httpString = `${input.method.toLowerCase()}\n${input.pathname}\n${q.str}\n${h.str}\n`;
  const sts = `sha1\n${input.keyTime}\n${createHash('sha1').update(httpString).digest('hex')}\n`;
  return {
    sig: createHmac('sha1', signKey).update(sts).digest('hex'),
    headerList: h.list,
    paramList: q.list,
  };
}

const base: CosSignInput = {
  secretId: 'AKIDmine',
  secretKey: 'my-secret',
  method: 'GET',
  pathname: '/a.txt',
  query: {},
  headers: { Host: 'b-1250000000.cos.ap-beijing.myqcloud.com' },
  keyTime: '1700000000;1700000900',
};

function parts(auth: string): Record<string, string> {
  return Object.fromEntries(auth.split('&').map((p) => p.split('=') as [string, string]));
}

describe('signCos: own cases', () => {
  it('matches the literal steps for query keys and values needing encoding', () => {
    const input: CosSignInput = {
      ...base,
      pathname: '/目录/a b+c.txt',
      query: { 'response-content-type': 'text/plain; charset=utf-8', 'X-Odd Key': 'v/w?x', versionId: '' },
    };
    const auth = parts(signCos(input));
    const lit = literalSignature(input, ['host']);
    expect(auth['q-url-param-list']).toBe('response-content-type;versionid;x-odd%20key');
    expect(auth['q-url-param-list']).toBe(lit.paramList);
    expect(auth['q-signature']).toBe(lit.sig);
  });

  it('signs host, x-cos-*, x-ci-* and the listed standard headers; never date, user-agent, authorization', () => {
    const input: CosSignInput = {
      ...base,
      method: 'PUT',
      headers: {
        Host: 'b-1250000000.cos.ap-beijing.myqcloud.com',
        'Content-Type': 'text/plain',
        'Cache-Control': 'no-cache',
        'If-None-Match': '*',
        'x-cos-meta-author': 'Zhang San',
        'x-ci-process': 'thumbnail',
        'Pic-Operations': '{}',
        'User-Agent': 'cosdesk/0.1',
        Date: 'Tue, 14 Nov 2023 22:13:20 GMT',
        Authorization: 'stale',
        Accept: '*/*',
        'X-Custom': 'not signed',
      },
    };
    const auth = parts(signCos(input));
    expect(auth['q-header-list']).toBe(
      'cache-control;content-type;host;if-none-match;pic-operations;x-ci-process;x-cos-meta-author',
    );
    const lit = literalSignature(input, auth['q-header-list'].split(';'));
    expect(auth['q-signature']).toBe(lit.sig);
    for (const n of ['date', 'user-agent', 'authorization', 'accept', 'x-custom'])
      expect(isSignedCosHeader(n)).toBe(false);
  });

  it('signs a security token header like any x-cos- header', () => {
    const input: CosSignInput = {
      ...base,
      headers: { ...base.headers, 'x-cos-security-token': 'tok+en/==' },
    };
    const auth = parts(signCos(input));
    expect(auth['q-header-list']).toBe('host;x-cos-security-token');
    expect(auth['q-signature']).toBe(literalSignature(input, ['host', 'x-cos-security-token']).sig);
  });

  it('treats header names case-insensitively', () => {
    const lower = signCos({ ...base, headers: { host: base.headers.Host, 'content-type': 'a/b' } });
    const mixed = signCos({ ...base, headers: { HOST: base.headers.Host, 'Content-TYPE': 'a/b' } });
    expect(mixed).toBe(lower);
  });

  it('is unchanged by User-Agent or Date, changed by the secret, method, path, query, key time', () => {
    const ref = signCos(base);
    expect(signCos({ ...base, headers: { ...base.headers, 'User-Agent': 'x', Date: 'y' } })).toBe(ref);
    expect(signCos({ ...base, secretKey: 'other' })).not.toBe(ref);
    expect(signCos({ ...base, method: 'DELETE' })).not.toBe(ref);
    expect(signCos({ ...base, pathname: '/b.txt' })).not.toBe(ref);
    expect(signCos({ ...base, query: { acl: '' } })).not.toBe(ref);
    expect(signCos({ ...base, keyTime: '1700000001;1700000901' })).not.toBe(ref);
  });

  it('never carries the secret key in the Authorization value', () => {
    expect(signCos(base)).not.toContain(base.secretKey);
    expect(parts(signCos(base))['q-ak']).toBe('AKIDmine');
  });
});

describe('buildKeyTime', () => {
  it('starts one second before the rounded now and lasts 900 s by default', () => {
    expect(buildKeyTime({ nowMs: 1_700_000_000_400 })).toBe('1699999999;1700000899');
    expect(buildKeyTime({ nowMs: 1_700_000_000_600 })).toBe('1700000000;1700000900');
  });

  it('applies a clock offset and a custom lifetime', () => {
    expect(buildKeyTime({ nowMs: 1_700_000_000_000, clockOffsetMs: 3_600_000, expiresSeconds: 60 })).toBe(
      '1700003599;1700003659',
    );
  });
});
