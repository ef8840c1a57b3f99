import { describe, expect, it } from 'vitest';
import { encodeKeyPath, encodeQuery, uriEncode } from '../../../src-main/storage/encode';
import {
  cosTarget,
  EndpointError,
  isLocalhostName,
  localhostAwareLookup,
  s3Target,
} from '../../../src-main/storage/endpoints';

describe('key and query encoding', () => {
  it('percent-encodes unicode, spaces, +, %, #, ? but keeps folder slashes', () => {
    expect(encodeKeyPath('照片/a b+c%d#e?f.txt')).toBe('%E7%85%A7%E7%89%87/a%20b%2Bc%25d%23e%3Ff.txt');
    expect(uriEncode("!'()*~-_.")).toBe('%21%27%28%29%2A~-_.');
  });

  it('sends a valueless sub-resource bare and encodes values', () => {
    expect(encodeQuery({ uploads: '' })).toBe('?uploads');
    expect(encodeQuery({ prefix: 'a b/', 'max-keys': '10' })).toBe('?prefix=a%20b%2F&max-keys=10');
    expect(encodeQuery({})).toBe('');
  });
});

describe('COS endpoints', () => {
  const cos = { region: 'ap-guangzhou' };

  it('uses the default virtual-hosted template for a bucket', () => {
    const t = cosTarget(cos, { bucket: 'photos-1250000000', key: '2024 夏/a+b.jpg' });
    expect(t.origin).toBe('https://photos-1250000000.cos.ap-guangzhou.myqcloud.com');
    expect(t.host).toBe('photos-1250000000.cos.ap-guangzhou.myqcloud.com');
    expect(t.path).toBe('/2024%20%E5%A4%8F/a%2Bb.jpg');
    expect(t.pathname).toBe('/2024 夏/a+b.jpg');
  });

  it('uses the service endpoint without a bucket', () => {
    const t = cosTarget(cos, {});
    expect(t.origin).toBe('https://service.cos.myqcloud.com');
    expect(t.path).toBe('/');
    expect(t.pathname).toBe('/');
  });

  it('honours a custom template and service endpoint with ports', () => {
    const f = {
      ...cos,
      endpointTemplate: 'http://{bucket}.cos.{region}.localhost:9000',
      serviceEndpoint: 'http://service.cos.localhost:9000',
    };
    const t = cosTarget(f, { bucket: 'b-1', key: 'k', query: { acl: '' } });
    expect(t.origin).toBe('http://b-1.cos.ap-guangzhou.localhost:9000');
    expect(t.host).toBe('b-1.cos.ap-guangzhou.localhost:9000');
    expect(t.port).toBe(9000);
    expect(t.path).toBe('/k?acl');
    expect(cosTarget(f, {}).host).toBe('service.cos.localhost:9000');
  });

  it("addresses a bucket in its own region when it is not the account's", () => {
    const t = cosTarget(cos, { bucket: 'b-1', region: 'ap-beijing', key: 'k' });
    expect(t.host).toBe('b-1.cos.ap-beijing.myqcloud.com');
    const f = { ...cos, endpointTemplate: 'http://{bucket}.cos.{region}.localhost:9000' };
    expect(cosTarget(f, { bucket: 'b-1', region: 'ap-shanghai' }).host).toBe(
      'b-1.cos.ap-shanghai.localhost:9000',
    );
    expect(cosTarget(f, { bucket: 'b-1' }).host).toBe('b-1.cos.ap-guangzhou.localhost:9000');
  });

  it('keeps percent signs and question marks in the signed (decoded) path', () => {
    const t = cosTarget(cos, { bucket: 'b-1', key: '100%/why?.txt' });
    expect(t.path).toBe('/100%25/why%3F.txt');
    expect(t.pathname).toBe('/100%/why?.txt');
  });

  it('rejects bucket names that cannot be a host name, and empty keys', () => {
    expect(() => cosTarget(cos, { bucket: 'Bad_Name' })).toThrow(EndpointError);
    expect(() => cosTarget(cos, { bucket: 'a/b' })).toThrow(EndpointError);
    expect(() => cosTarget(cos, { bucket: 'b-1', key: '' })).toThrow(EndpointError);
  });
});

describe('S3 endpoints', () => {
  it('builds path-style addresses', () => {
    const t = s3Target(
      { endpoint: 'http://127.0.0.1:7480', pathStyle: true },
      { bucket: 'b', key: 'dir/a b#1.txt' },
    );
    expect(t.origin).toBe('http://127.0.0.1:7480');
    expect(t.host).toBe('127.0.0.1:7480');
    expect(t.path).toBe('/b/dir/a%20b%231.txt');
    expect(t.encodedPath).toBe('/b/dir/a%20b%231.txt');
  });

  it('builds path-style bucket and service addresses', () => {
    const f = { endpoint: 'http://127.0.0.1:7480/', pathStyle: true };
    expect(s3Target(f, { bucket: 'b' }).path).toBe('/b');
    expect(s3Target(f, {}).path).toBe('/');
  });

  it('builds virtual-hosted addresses, keeping the port and omitting default ones', () => {
    const t = s3Target({ endpoint: 'https://s3.example.com', pathStyle: false }, { bucket: 'b', key: '+?' });
    expect(t.origin).toBe('https://b.s3.example.com');
    expect(t.host).toBe('b.s3.example.com');
    expect(t.port).toBeUndefined();
    expect(t.path).toBe('/%2B%3F');
    const l = s3Target({ endpoint: 'http://s3.localhost:7480', pathStyle: false }, { bucket: 'b' });
    expect(l.host).toBe('b.s3.localhost:7480');
    expect(l.path).toBe('/');
  });

  it('rejects a non-http endpoint', () => {
    expect(() => s3Target({ endpoint: 'ftp://x', pathStyle: true }, {})).toThrow(EndpointError);
    expect(() => s3Target({ endpoint: 'not a url', pathStyle: true }, {})).toThrow(EndpointError);
  });
});

describe('.localhost resolution', () => {
  it('recognises localhost names', () => {
    expect(isLocalhostName('localhost')).toBe(true);
    expect(isLocalhostName('b.cos.ap-x.LOCALHOST')).toBe(true);
    expect(isLocalhostName('localhost.example.com')).toBe(false);
    expect(isLocalhostName('notlocalhost')).toBe(false);
  });

  it('answers 127.0.0.1 for .localhost in both lookup forms and defers otherwise', () => {
    const calls: string[] = [];
    const lookup = localhostAwareLookup((h, _o, cb) => {
      calls.push(h);
      cb(null, '10.0.0.1', 4);
    });
    const got: unknown[] = [];
    lookup('a.localhost', {}, (_e, addr, fam) => got.push([addr, fam]));
    lookup('a.localhost', { all: true }, (_e, addr) => got.push(addr));
    lookup('example.com', {}, (_e, addr) => got.push(addr));
    expect(got).toEqual([['127.0.0.1', 4], [{ address: '127.0.0.1', family: 4 }], '10.0.0.1']);
    expect(calls).toEqual(['example.com']);
  });
});

describe('s3 endpoints on an IP address', () => {
  it('address buckets path-style even when virtual-hosted was asked for', async () => {
    const { s3Target } = await import('../../../src-main/storage/endpoints');
    const t = s3Target({ endpoint: 'http://127.0.0.1:7480', pathStyle: false }, { bucket: 'b', key: 'k 1' });
    expect(t.host).toBe('127.0.0.1:7480');
    expect(t.encodedPath).toBe('/b/k%201');
    const v6 = s3Target({ endpoint: 'http://[::1]:7480', pathStyle: false }, { bucket: 'b' });
    expect(v6.encodedPath).toBe('/b');
  });
});
