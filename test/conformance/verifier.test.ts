/**
 * Unit tests of the gateway's verifiers: a known-good signature passes, a one-bit change fails.
 * If the COS check were loosened (e.g. skipped or compared by prefix), these fail.
 */
import { readFileSync } from 'node:fs';
import COS from 'cos-nodejs-sdk-v5';
import { describe, expect, it } from 'vitest';
import { tc3Sign, verifyTc3 } from '../cos-gateway/sts';
import { parseCosAuth, parseQuery, verifyCosSignature, type SignedRequest } from '../cos-gateway/verify';
import { tc3Headers } from './helpers';

interface Vector {
  name: string;
  input: {
    secretId: string;
    secretKey: string;
    method: string;
    pathname: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    keyTime: string;
  };
  authorization: string;
}
const vectors = (
  JSON.parse(readFileSync(new URL('../fixtures/cos-sign-vectors.json', import.meta.url), 'utf8')) as {
    vectors: Vector[];
  }
).vectors;

function asRequest(v: Vector): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [k, val] of Object.entries(v.input.headers)) headers[k.toLowerCase()] = val;
  return {
    method: v.input.method,
    pathname: v.input.pathname,
    query: Object.entries(v.input.query),
    headers,
  };
}

function flipBit(hex: string, index = 7): string {
  const c = parseInt(hex[index], 16) ^ 1;
  return hex.slice(0, index) + c.toString(16) + hex.slice(index + 1);
}

const inWindow = (keyTime: string) => Number(keyTime.split(';')[0]) + 1;

describe('COS signature verifier', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('accepts the official vector: %s', (_n, v) => {
    const auth = parseCosAuth(v.authorization, [])!;
    expect(auth).not.toBeNull();
    expect(verifyCosSignature(auth, asRequest(v), v.input.secretKey, inWindow(v.input.keyTime))).toEqual({
      ok: true,
    });
  });

  it('rejects a one-bit change of the signature, the key, the path, a header or a parameter', () => {
    const v = vectors.find((x) => Object.keys(x.input.query).length > 0) ?? vectors[0];
    const now = inWindow(v.input.keyTime);
    const auth = parseCosAuth(v.authorization, [])!;
    const good = asRequest(v);
    const sig = /q-signature=([0-9a-f]+)/.exec(v.authorization)![1];
    const bad = parseCosAuth(v.authorization.replace(sig, flipBit(sig)), [])!;
    expect(verifyCosSignature(bad, good, v.input.secretKey, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    expect(verifyCosSignature(auth, good, flipBit(v.input.secretKey, 0), now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    expect(
      verifyCosSignature(auth, { ...good, pathname: good.pathname + 'x' }, v.input.secretKey, now),
    ).toMatchObject({
      ok: false,
    });
    expect(
      verifyCosSignature(
        auth,
        { ...good, method: good.method === 'GET' ? 'PUT' : 'GET' },
        v.input.secretKey,
        now,
      ),
    ).toMatchObject({ ok: false });
    const [k0, v0] = good.query[0] ?? ['x', 'y'];
    expect(
      verifyCosSignature(
        auth,
        { ...good, query: [[k0, v0 + '1'], ...good.query.slice(1)] },
        v.input.secretKey,
        now,
      ),
    ).toMatchObject({ ok: false });
    expect(
      verifyCosSignature(
        auth,
        { ...good, headers: { ...good.headers, host: 'other-1250000000.cos.x.myqcloud.com' } },
        v.input.secretKey,
        now,
      ),
    ).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('checks the key-time window', () => {
    const v = vectors[0];
    const auth = parseCosAuth(v.authorization, [])!;
    const end = Number(v.input.keyTime.split(';')[1]);
    expect(verifyCosSignature(auth, asRequest(v), v.input.secretKey, end + 1)).toEqual({
      ok: false,
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
    });
    expect(verifyCosSignature(auth, asRequest(v), v.input.secretKey, end)).toEqual({ ok: true });
  });

  it('verifies a pre-signed URL signature carried in the query (SDK url form)', () => {
    const keyTime = '1700000000;1700000600';
    const authz = COS.getAuthorization({
      SecretId: 'AKIDx',
      SecretKey: 'skx',
      Method: 'get',
      Key: 'a/b c.txt',
      Query: { 'response-content-type': 'text/plain' },
      Headers: { host: 'b-1250000000.cos.ap-guangzhou.localhost:1' },
      KeyTime: keyTime,
    });
    const url = `${authz.replace(/q-url-param-list=([^&]*)/, (_m, l: string) => `q-url-param-list=${encodeURIComponent(l)}`)}&response-content-type=text%2Fplain`;
    const query = parseQuery(url);
    const auth = parseCosAuth(undefined, query)!;
    expect(auth.source).toBe('query');
    const req: SignedRequest = {
      method: 'GET',
      pathname: '/a/b c.txt',
      query,
      headers: { host: 'b-1250000000.cos.ap-guangzhou.localhost:1' },
    };
    expect(verifyCosSignature(auth, req, 'skx', 1700000100)).toEqual({ ok: true });
    const tampered = query.map(
      ([k, v]) => [k, k === 'response-content-type' ? 'text/html' : v] as [string, string],
    );
    expect(verifyCosSignature(auth, { ...req, query: tampered }, 'skx', 1700000100)).toMatchObject({
      ok: false,
    });
  });
});

describe('TC3-HMAC-SHA256 verifier (STS)', () => {
  const body = JSON.stringify({ Name: 'x', DurationSeconds: 1800 });
  const now = 1_700_000_000;
  const headers = tc3Headers({
    secretId: 'AKIDa',
    secretKey: 'secret-a',
    host: 'sts.tencentcloudapi.com',
    action: 'GetFederationToken',
    body,
    timestamp: now,
  });
  const lookup = (id: string) => (id === 'AKIDa' ? 'secret-a' : undefined);
  const req = { method: 'POST', path: '/', query: '', headers, body: Buffer.from(body) };

  it('accepts a good signature, and the client and verifier agree', () => {
    expect(verifyTc3(req, lookup, now)).toMatchObject({ ok: true, secretId: 'AKIDa', service: 'sts' });
    const sig = /Signature=([0-9a-f]+)/.exec(headers.authorization)![1];
    expect(
      tc3Sign({
        secretKey: 'secret-a',
        method: 'POST',
        path: '/',
        query: '',
        signedHeaders: [
          ['content-type', headers['content-type']],
          ['host', headers.host],
        ],
        body,
        timestamp: now,
        service: 'sts',
      }),
    ).toBe(sig);
  });

  it('rejects a one-bit change, a changed body, an unknown id and a stale timestamp', () => {
    const sig = /Signature=([0-9a-f]+)/.exec(headers.authorization)![1];
    const flipped = { ...headers, authorization: headers.authorization.replace(sig, flipBit(sig)) };
    expect(verifyTc3({ ...req, headers: flipped }, lookup, now)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SignatureFailure',
    });
    expect(verifyTc3({ ...req, body: Buffer.from(body.replace('1800', '7200')) }, lookup, now)).toMatchObject(
      {
        ok: false,
        code: 'AuthFailure.SignatureFailure',
      },
    );
    expect(verifyTc3(req, () => undefined, now)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SecretIdNotFound',
    });
    expect(verifyTc3(req, lookup, now + 301)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SignatureExpire',
    });
  });
});
