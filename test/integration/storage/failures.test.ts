import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient } from '../../../src-main/storage/client';
import { StorageError } from '../../../src-main/storage/errors';
import { StorageService } from '../../../src-main/storage/service';
import { testConnection } from '../../../src-main/storage/test-connection';
import { DIALECTS, fakeServer, LIST_XML, s3Account, type DialectName, type FakeServer } from './helpers';

const servers: FakeServer[] = [];
async function serve(...args: Parameters<typeof fakeServer>): Promise<FakeServer> {
  const s = await fakeServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** An account of either dialect whose every request goes to the fake server at `url`. */
function fakeAccount(dialect: DialectName, url: string): ResolvedAccount {
  if (dialect === 's3') return s3Account(url, 'AKIDFAKE', 'fake-secret-value');
  const port = new URL(url).port;
  return {
    kind: 'cos',
    name: 'fake',
    secretId: 'AKIDFAKE',
    appId: '1250000000',
    region: 'ap-guangzhou',
    endpointTemplate: `http://{bucket}.cos.{region}.localhost:${port}`,
    serviceEndpoint: `http://service.cos.localhost:${port}`,
    secret: { secretKey: 'fake-secret-value' },
  };
}

const AUTH = { s3: /^AWS4-HMAC-SHA256 /, cos: /^q-sign-algorithm=sha1&q-ak=AKIDFAKE&/ };

describe.each(DIALECTS)('connection failures against local servers (%s)', (dialect) => {
  const fake = (url: string) => fakeAccount(dialect, url);
  const host = (port: number) => (dialect === 's3' ? `127.0.0.1:${port}` : `service.cos.localhost:${port}`);

  it('a refused connection gives a clear message and does not throw', async () => {
    const r = await testConnection(fake('http://127.0.0.1:1'), { timeoutMs: 2000 });
    expect(r.ok).toBe(false);
    expect(r.code).toBe('ECONNREFUSED');
    expect(r.message).toMatch(/refused/);
    expect(r.message).toContain(host(1));
  });

  it('a refused connection on a bucket call, through the service, names the host', async () => {
    const service = new StorageService({
      resolveAccount: async () => fake('http://127.0.0.1:1'),
      clientOptions: { baseDelayMs: 5, timeoutMs: 2000 },
    });
    try {
      const e = await service
        .listObjects({ accountId: 'acc', bucket: 'photos-1250000000', prefix: '', maxKeys: 1000 })
        .catch((err: unknown) => err as StorageError);
      expect(e).toBeInstanceOf(StorageError);
      expect(e).toMatchObject({ code: 'NETWORK', details: { storageCode: 'ECONNREFUSED' } });
      const where = dialect === 's3' ? '127.0.0.1:1' : 'photos-1250000000.cos.ap-guangzhou.localhost:1';
      expect((e as StorageError).message).toContain(
        `Could not connect to ${where}: the connection was refused`,
      );
    } finally {
      await service.close();
    }
  });

  it('a server that never answers times out with a clear message', async () => {
    const s = await serve(() => {
      /* never respond */
    });
    const started = Date.now();
    const r = await testConnection(fake(s.url), { timeoutMs: 300 });
    expect(r.ok).toBe(false);
    expect(r.code).toBe('ETIMEDOUT');
    expect(r.message).toMatch(/did not answer in time \(timeout\)/);
    // It gives up instead of hanging (a bound far above the 300 ms, for a busy machine).
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  it('a 200 answer that is not XML is reported as such', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!<br></body>');
    });
    const r = await testConnection(fake(s.url));
    expect(r.ok).toBe(false);
    expect(r.code).toBe('MalformedResponse');
    expect(r.message).toMatch(/not valid XML/);
  });

  it('a 200 answer with plain garbage is reported as not XML', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.end('garbage \u0000 }{');
    });
    const r = await testConnection(fake(s.url));
    expect(r).toMatchObject({ ok: false, code: 'MalformedResponse' });
  });

  it('retries a 503 SlowDown and then succeeds, signing each attempt afresh', async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>r1</RequestId></Error>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(LIST_XML(['a', 'b']));
    });
    const client = new StorageClient(fake(s.url), { baseDelayMs: 10 });
    try {
      const buckets = await client.listBuckets();
      expect(buckets.map((b) => b.name)).toEqual(['a', 'b']);
      expect(s.requests).toHaveLength(2);
      expect(s.requests[0].headers.authorization).toMatch(AUTH[dialect]);
      expect(s.requests[1].headers.authorization).toMatch(AUTH[dialect]);
    } finally {
      await client.close();
    }
  });

  it('does not retry a non-idempotent POST on 503', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(503);
      res.end('<Error><Code>SlowDown</Code></Error>');
    });
    const client = new StorageClient(fake(s.url), { baseDelayMs: 10 });
    try {
      await expect(
        client.request({ method: 'POST', bucket: 'b', query: { delete: '' }, body: '<Delete/>' }),
      ).rejects.toMatchObject({
        details: { storageCode: 'SlowDown', status: 503 },
      });
      expect(s.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('follows IsTruncated/NextMarker when listing buckets', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      if (!req.url?.includes('marker=')) {
        res.end(
          LIST_XML(['a']).replace(
            '</Buckets>',
            '</Buckets><IsTruncated>true</IsTruncated><NextMarker>a</NextMarker>',
          ),
        );
      } else res.end(LIST_XML(['b']));
    });
    const client = new StorageClient(fake(s.url));
    try {
      expect((await client.listBuckets()).map((b) => b.name)).toEqual(['a', 'b']);
      expect(s.requests[1].url).toBe('/?marker=a');
    } finally {
      await client.close();
    }
  });
});

describe('.localhost endpoints', () => {
  it('S3 virtual-hosted under .localhost connects to 127.0.0.1 and keeps the Host header', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    const account: ResolvedAccount = {
      ...s3Account(`http://s3.localhost:${s.port}`, 'AKIDFAKE', 'fake-secret-value'),
      pathStyle: false,
    };
    const client = new StorageClient(account);
    try {
      const res = await client.request({ method: 'HEAD', bucket: 'photos', key: 'a b.jpg' });
      expect(res.status).toBe(200);
      expect(s.requests[0].headers.host).toBe(`photos.s3.localhost:${s.port}`);
      expect(s.requests[0].url).toBe('/a%20b.jpg');
    } finally {
      await client.close();
    }
  });

  it('COS lists buckets on a .localhost service endpoint with a COS signature', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        '<ListAllMyBucketsResult><Owner><ID>qcs::cam::uin/1:uin/1</ID></Owner><Buckets><Bucket><Name>photos-1250000000</Name><Location>ap-guangzhou</Location><CreationDate>2024-01-01T00:00:00Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>',
      );
    });
    const account: ResolvedAccount = {
      kind: 'cos',
      name: 'cos',
      secretId: 'AKIDexample',
      region: 'ap-guangzhou',
      serviceEndpoint: `http://service.cos.localhost:${s.port}`,
      secret: { secretKey: 'k', sessionToken: 'tok' },
    };
    const client = new StorageClient(account);
    try {
      expect(await client.listBuckets()).toEqual([
        { name: 'photos-1250000000', region: 'ap-guangzhou', createdAt: '2024-01-01T00:00:00Z' },
      ]);
      const h = s.requests[0].headers;
      expect(h.host).toBe(`service.cos.localhost:${s.port}`);
      expect(h['x-cos-security-token']).toBe('tok');
      expect(h.authorization).toMatch(
        /^q-sign-algorithm=sha1&q-ak=AKIDexample&.*q-header-list=host;x-cos-security-token&/,
      );
    } finally {
      await client.close();
    }
  });

  it('COS testConnection on AccessDenied hints that the key may not list buckets', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message></Message><RequestId>x</RequestId></Error>');
    });
    const r = await testConnection({
      kind: 'cos',
      name: 'cos',
      secretId: 'AKIDexample',
      region: 'ap-guangzhou',
      serviceEndpoint: `http://service.cos.localhost:${s.port}`,
      secret: { secretKey: 'k' },
    });
    expect(r).toMatchObject({ ok: false, code: 'AccessDenied' });
    // COS names bad credentials itself (SignatureDoesNotMatch, InvalidAccessKeyId): not "the secret key is wrong".
    expect(r.message).not.toMatch(/secret key is wrong/);
    expect(r.message).toMatch(/may not list buckets.* Open a bucket by name, or ask .*ListBuckets/);
  });
});
