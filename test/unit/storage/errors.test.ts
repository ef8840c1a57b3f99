import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import {
  describeStorageError,
  malformedResponseError,
  StorageError,
  storageErrorFromNetwork,
  storageErrorFromResponse,
} from '../../../src-main/storage/errors';
import { explain } from '../../../src-main/storage/test-connection';

const xmlError = (code: string, message = '', requestId = 'req-1') =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><Resource>/x</Resource><RequestId>${requestId}</RequestId><TraceId>t</TraceId></Error>`;

describe('errors from XML bodies', () => {
  const cases: [string, number, RegExp, RegExp][] = [
    ['SignatureDoesNotMatch', 403, /secret key is wrong/, /SecretKey 不正确/],
    ['InvalidAccessKeyId', 403, /key id is unknown/, /SecretId/],
    ['AccessDenied', 403, /Access denied/, /访问被拒绝/],
    ['ExpiredToken', 400, /temporary key has expired/, /临时密钥已过期/],
    ['InvalidToken', 400, /token is invalid/, /Token 无效/],
    ['RequestTimeTooSkewed', 403, /clock/, /系统时间/],
    ['NoSuchBucket', 404, /bucket "b-1" does not exist/, /不存在/],
    ['NoSuchKey', 404, /file "k.txt" does not exist/, /不存在/],
    ['BucketNotEmpty', 409, /not empty/, /不为空/],
    ['BucketAlreadyExists', 409, /already taken/, /已被占用/],
    ['InvalidBucketName', 400, /not valid/, /不合法/],
    ['PathStyleDomainForbidden', 403, /virtual-hosted/, /虚拟主机/],
    ['SlowDown', 503, /slow down/, /降低请求频率/],
  ];
  for (const [code, status, en, zh] of cases) {
    it(`${code} → an English and a Chinese explanation`, () => {
      const e = storageErrorFromResponse({
        status,
        body: xmlError(code, 'server says'),
        ctx: { bucket: 'b-1', key: 'k.txt' },
      });
      expect(e).toBeInstanceOf(StorageError);
      expect(e).toBeInstanceOf(AppError);
      expect(e.code).toBe('STORAGE');
      expect(e.details).toMatchObject({
        storageCode: code,
        status,
        requestId: 'req-1',
        serverMessage: 'server says',
      });
      expect(e.message).toMatch(en);
      expect(e.details.messageZh).toMatch(zh);
      expect(describeStorageError(code, 'en', { bucket: 'b-1', key: 'k.txt' })).toMatch(en);
    });
  }

  it('treats COS "Request has expired" AccessDenied as a clock problem', () => {
    const e = storageErrorFromResponse({
      status: 403,
      body: xmlError('AccessDenied', 'Request has expired'),
    });
    expect(e.storageCode).toBe('AccessDenied');
    expect(e.message).toMatch(/clock/);
  });

  it('falls back to the status when a HEAD error has no body', () => {
    expect(storageErrorFromResponse({ status: 404, ctx: { bucket: 'b', key: 'k' } }).storageCode).toBe(
      'NoSuchKey',
    );
    expect(storageErrorFromResponse({ status: 404, ctx: { bucket: 'b' } }).storageCode).toBe('NoSuchBucket');
    const e = storageErrorFromResponse({ status: 403, requestIdHeader: 'hdr-id' });
    expect(e.details).toMatchObject({ storageCode: 'AccessDenied', status: 403, requestId: 'hdr-id' });
  });

  it('does not crash on a malformed error body and uses the status', () => {
    const e = storageErrorFromResponse({ status: 502, body: '<html><body>Bad Gateway</body>' });
    expect(e.storageCode).toBe('InternalError');
    expect(e.status).toBe(502);
    expect(storageErrorFromResponse({ status: 503, body: '<<<garbage' }).storageCode).toBe(
      'ServiceUnavailable',
    );
  });

  it('describes an unknown code with the code and status', () => {
    const e = storageErrorFromResponse({ status: 400, body: xmlError('WeirdThing') });
    expect(e.message).toContain('WeirdThing');
    expect(e.message).toContain('HTTP 400');
    expect(e.details.messageZh).toContain('WeirdThing');
  });

  it('reports a body that is not XML', () => {
    const e = malformedResponseError({ host: 'h:1' }, 200);
    expect(e.storageCode).toBe('MalformedResponse');
    expect(e.message).toMatch(/not valid XML/);
    expect(e.details.messageZh).toMatch(/不是有效的 XML/);
  });

  it('serialises to a payload that can cross IPC', () => {
    const p = storageErrorFromResponse({ status: 404, body: xmlError('NoSuchKey') }).toPayload();
    expect(JSON.parse(JSON.stringify(p))).toMatchObject({
      code: 'STORAGE',
      details: { storageCode: 'NoSuchKey' },
    });
  });
});

describe('errors from network failures', () => {
  const errno = (code: string) =>
    Object.assign(new Error(`connect ${code} 10.1.2.3:443 secret-ish detail`), { code });
  const cases: [unknown, string, RegExp][] = [
    [errno('ECONNREFUSED'), 'ECONNREFUSED', /connection was refused/],
    [errno('ETIMEDOUT'), 'ETIMEDOUT', /timeout/],
    [
      Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
      'ETIMEDOUT',
      /timeout/,
    ],
    [
      Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      'ETIMEDOUT',
      /timeout/,
    ],
    [errno('ENOTFOUND'), 'ENOTFOUND', /DNS lookup failed/],
    [errno('EAI_AGAIN'), 'ENOTFOUND', /DNS/],
    [errno('ECONNRESET'), 'ECONNRESET', /closed unexpectedly/],
    [Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), 'ECONNRESET', /closed/],
    [new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')]), 'ECONNREFUSED', /refused/],
    [new TypeError('fetch failed', { cause: errno('ENOTFOUND') }), 'ENOTFOUND', /DNS/],
    [errno('DEPTH_ZERO_SELF_SIGNED_CERT'), 'TLS', /certificate/],
    [new DOMException('aborted', 'TimeoutError'), 'ETIMEDOUT', /timeout/],
    [new Error('mystery'), 'NETWORK', /network error/],
  ];
  for (const [err, code, en] of cases) {
    it(`${(err as Error).name}/${(err as { code?: string }).code ?? (err as Error).message} → ${code}`, () => {
      const e = storageErrorFromNetwork(err, { host: 'example.com:443' });
      expect(e.code).toBe('NETWORK');
      expect(e.storageCode).toBe(code);
      expect(e.message).toMatch(en);
      expect(e.message).toContain('example.com:443');
      expect(e.details.messageZh.length).toBeGreaterThan(5);
      // The low-level message may carry addresses or URLs; it stays out of what we show.
      expect(e.message).not.toContain('secret-ish');
    });
  }
});

describe('connection-test wording', () => {
  it('says a ListBuckets AccessDenied may mean "may not list buckets", not only "the secret key is wrong"', () => {
    const e = storageErrorFromResponse({ status: 403, body: xmlError('AccessDenied') });
    // COS names bad credentials itself: its AccessDenied is a refusal to list.
    expect(explain(e, 'cos')).toMatch(/may not list buckets.*Open a bucket by name, or ask .*ListBuckets/);
    expect(explain(e, 'cos')).not.toMatch(/secret key is wrong/);
    // Ceph RGW answers wrong credentials with AccessDenied too: both causes, each with what to do.
    expect(explain(e, 's3')).toMatch(/the secret key is wrong or the key id is unknown/);
    expect(explain(e, 's3')).toMatch(/may not list buckets: open a bucket by name, or ask for ListBuckets/);
  });

  it('does not take an expired token or a clock error on ListBuckets for a refusal to list', () => {
    const expired = storageErrorFromResponse({
      status: 403,
      body: xmlError('AccessDenied', 'The security token expired'),
    });
    expect(expired.kind).toBe('expiredToken');
    expect(explain(expired, 'cos')).toMatch(/temporary key has expired.*Mint fresh temporary keys/);
    const skew = storageErrorFromResponse({
      status: 403,
      body: xmlError('AccessDenied', 'Request has expired'),
    });
    expect(skew.kind).toBe('clockSkew');
    expect(explain(skew, 'cos')).toMatch(/clock/);
  });

  it('leaves other errors as they are', () => {
    const e = storageErrorFromResponse({ status: 403, body: xmlError('SignatureDoesNotMatch') });
    expect(explain(e, 's3')).toBe(e.message);
  });
});

describe('kinds of failure (told apart in the UI and the CLI)', () => {
  const cases: [string, number, string, string][] = [
    ['AccessDenied', 403, '', 'denied'],
    ['SignatureDoesNotMatch', 403, '', 'signature'],
    ['InvalidAccessKeyId', 403, 'The SecretId does not exist', 'unknownKey'],
    // COS answers some expired temporary keys with InvalidAccessKeyId and a "token expired" message.
    ['InvalidAccessKeyId', 403, 'the token has expired', 'expiredToken'],
    ['ExpiredToken', 400, 'The provided token has expired.', 'expiredToken'],
    ['TokenExpired', 400, '', 'expiredToken'],
    ['InvalidToken', 400, '', 'badToken'],
    ['RequestTimeTooSkewed', 403, '', 'clockSkew'],
    ['AccessDenied', 403, 'Request has expired', 'clockSkew'],
    ['NoSuchKey', 404, '', 'notFound'],
  ];
  for (const [code, status, message, kind] of cases) {
    it(`${code} "${message}" is ${kind}`, () => {
      const e = storageErrorFromResponse({ status, body: xmlError(code, message) });
      expect(e.kind).toBe(kind);
      expect(e.details.kind).toBe(kind);
    });
  }

  it('a timeout and a refused connection are kinds of their own', () => {
    const t = storageErrorFromNetwork(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }));
    expect(t.kind).toBe('timeout');
    const r = storageErrorFromNetwork(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
    expect(r.kind).toBe('network');
  });

  it("keeps COS's reason for an InvalidArgument", () => {
    const e = storageErrorFromResponse({
      status: 400,
      body: xmlError('InvalidArgument', 'x-cos-storage-class is invalid'),
    });
    expect(e.message).toMatch(/rejected a parameter.*x-cos-storage-class is invalid/);
    expect(e.details.messageZh).toContain('x-cos-storage-class is invalid');
  });
});

describe('describeStorageError', () => {
  it('covers every documented code in both languages', () => {
    for (const code of [
      'SignatureDoesNotMatch',
      'InvalidAccessKeyId',
      'AccessDenied',
      'ExpiredToken',
      'InvalidToken',
      'TokenExpired',
      'RequestTimeTooSkewed',
      'NoSuchBucket',
      'NoSuchKey',
      'BucketNotEmpty',
      'BucketAlreadyExists',
      'InvalidBucketName',
      'PathStyleDomainForbidden',
      'SlowDown',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'ENOTFOUND',
      'MalformedResponse',
    ]) {
      const en = describeStorageError(code, 'en');
      const zh = describeStorageError(code, 'zh-CN');
      expect(en, code).not.toMatch(/refused the request \(/);
      expect(zh, code).toMatch(/[\u4e00-\u9fff]/);
      expect(en).not.toBe(zh);
    }
  });
});
