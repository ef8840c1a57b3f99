import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { BucketSettingsService } from '../../../src-main/bucket-settings/service';
import { VersionsService } from '../../../src-main/versions/service';
import { APPID, cosAccount, fakeServer, s3Account, type FakeServer } from '../storage/helpers';

// Versioning is read and written in one place (versions/ops.ts): the versions service and the
// bucket settings send the same request for the same change, in both dialects. A loopback
// server records the requests with their bodies (the real round trips against RGW and the COS
// gateway are in versions.test.ts and settings.test.ts).
let server: FakeServer;
const bodies: { method: string; url: string; body: string; md5?: string; type?: string }[] = [];

beforeAll(async () => {
  server = await fakeServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      bodies.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        md5: req.headers['content-md5'] as string | undefined,
        type: req.headers['content-type'],
      });
      res.setHeader('content-type', 'application/xml');
      if (/[?&]versioning/.test(req.url ?? '')) {
        res.end(
          req.method === 'GET'
            ? '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'
            : '',
        );
        return;
      }
      res.statusCode = 501;
      res.end('<Error><Code>NotImplemented</Code><Message>no</Message></Error>');
    });
  });
});
afterAll(() => server?.close());

describe.each(['s3', 'cos'] as const)('versioning in one place (%s)', (dialect) => {
  it('bucketSettings.set and versions.setVersioning send the same PUT, with Content-MD5', async () => {
    const account: ResolvedAccount =
      dialect === 's3' ? s3Account(server.url, 'AK', 'SK') : cosAccount(server.port, 'AK', 'SK');
    const bucket = dialect === 'cos' ? `b-${APPID}` : 'b';
    const resolveAccount = async () => account;
    const versions = new VersionsService({ resolveAccount });
    const settings = new BucketSettingsService({ resolveAccount });
    try {
      bodies.length = 0;
      expect(await versions.setVersioning({ accountId: 'a', bucket, status: 'Enabled' })).toEqual({
        status: 'Enabled',
      });
      const fromVersions = bodies.filter((b) => b.method === 'PUT');
      bodies.length = 0;
      const view = await settings.set({
        accountId: 'a',
        bucket,
        section: 'versioning',
        value: { status: 'Enabled' },
      });
      expect(view.versioning).toEqual({ state: 'ok', value: { status: 'Enabled' } });
      const fromSettings = bodies.filter((b) => b.method === 'PUT');
      expect(fromVersions).toHaveLength(1);
      expect(fromSettings).toEqual(fromVersions);
      expect(fromVersions[0].md5).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(fromVersions[0].body).toBe(
        dialect === 's3'
          ? '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>'
          : '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
      );
    } finally {
      await versions.close();
      await settings.close();
    }
  });
});
