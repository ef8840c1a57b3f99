import { describe, expect, it } from 'vitest';
import { sectionText, validateSection, type LifecycleRule } from '../../../src-shared/bucket-settings/model';
import { contentMd5 } from '../../../src-main/storage/ops/body';
import { parseXml } from '../../../src-main/storage/xml';
import * as x from '../../../src-main/bucket-settings/xml';

const rule = (r: Partial<LifecycleRule>): LifecycleRule => ({
  id: 'r',
  enabled: true,
  prefix: '',
  tags: [],
  ...r,
});

describe('bucket settings validation', () => {
  it('explains what is wrong with a lifecycle rule, per dialect', () => {
    expect(validateSection('lifecycle', [rule({})], 's3').map((p) => p.en)).toEqual([
      'Rule 1: choose at least one action (expire, transition, remove old versions or abort incomplete uploads).',
    ]);
    const archive = [rule({ transition: { days: 30, storageClass: 'ARCHIVE' } })];
    expect(validateSection('lifecycle', archive, 'cos')).toEqual([]);
    expect(validateSection('lifecycle', archive, 's3')[0].en).toContain(
      '"ARCHIVE" is not a storage class this server moves objects to',
    );
    const tagged = [rule({ tags: [{ key: 'k', value: 'v' }], abortIncompleteUploadDays: 3 })];
    expect(validateSection('lifecycle', tagged, 's3')[0].en).toContain('cannot be limited by tags');
    expect(
      validateSection(
        'lifecycle',
        [rule({ expirationDays: 10, transition: { days: 30, storageClass: 'STANDARD_IA' } })],
        's3',
      )[0].en,
    ).toContain('objects must expire after they transition');
  });

  it('COS website redirects to https only; COS logging names <name>-<APPID>', () => {
    expect(
      validateSection('website', { indexDocument: 'index.html', redirectProtocol: 'http' }, 'cos')[0].en,
    ).toBe('COS redirects all requests to https only.');
    expect(
      validateSection('website', { indexDocument: 'index.html', redirectProtocol: 'http' }, 's3'),
    ).toEqual([]);
    expect(validateSection('logging', { targetBucket: 'logs', targetPrefix: 'a/' }, 'cos')[0].en).toContain(
      'write <name>-<APPID>',
    );
    expect(validateSection('logging', { targetBucket: 'logs', targetPrefix: 'a/' }, 's3')).toEqual([]);
  });

  it('the diff text ignores empty fields, so an untouched rule shows no change', () => {
    const a = sectionText('cors', [
      { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] },
    ]);
    const b = sectionText('cors', [
      { id: '', allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] },
    ]);
    expect(a).toBe(b);
  });
});

describe('bucket settings XML', () => {
  it('lifecycle filters: prefix, one tag, prefix and tags; parsed back the same', () => {
    const rules: LifecycleRule[] = [
      rule({ id: 'p', prefix: 'logs/', expirationDays: 1 }),
      rule({ id: 't', tags: [{ key: 'a', value: '1' }], expirationDays: 1 }),
      rule({
        id: 'pt',
        prefix: 'x/',
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
        expiredObjectDeleteMarker: true,
      }),
    ];
    const xml = x.lifecycleXml('cos', rules);
    expect(xml).toContain('<Filter><Prefix>logs/</Prefix></Filter>');
    expect(xml).toContain('<Filter><Tag><Key>a</Key><Value>1</Value></Tag></Filter>');
    expect(xml).toContain('<Filter><And><Prefix>x/</Prefix><Tag>');
    expect(xml.startsWith('<LifecycleConfiguration>')).toBe(true);
    expect(x.lifecycleXml('s3', rules)).toContain(
      '<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    );
    expect(x.parseLifecycle(parseXml(xml))).toEqual(rules);
  });

  it('escapes what rules hold, and the body has the Content-MD5 the SDK would send', () => {
    const xml = x.corsXml('cos', [
      {
        id: 'a&b',
        allowedOrigins: ['https://<x>'],
        allowedMethods: ['GET'],
        allowedHeaders: [],
        exposeHeaders: [],
      },
    ]);
    expect(xml).toContain('<ID>a&amp;b</ID><AllowedOrigin>https://&lt;x&gt;</AllowedOrigin>');
    expect(x.parseCors(parseXml(xml))[0].id).toBe('a&b');
    expect(contentMd5('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>')).toMatch(
      /^[A-Za-z0-9+/]{22}==$/,
    );
  });

  it('website: COS puts the https redirect beside the index; S3 redirects to a host alone', () => {
    expect(x.websiteXml('cos', { indexDocument: 'index.html', redirectProtocol: 'https' })).toBe(
      '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><RedirectAllRequestsTo><Protocol>https</Protocol></RedirectAllRequestsTo></WebsiteConfiguration>',
    );
    expect(
      x.websiteXml('s3', { indexDocument: '', redirectHost: 'example.com', redirectProtocol: 'https' }),
    ).toContain(
      '<RedirectAllRequestsTo><HostName>example.com</HostName><Protocol>https</Protocol></RedirectAllRequestsTo></WebsiteConfiguration>',
    );
    expect(x.loggingXml('cos', null)).toBe('<BucketLoggingStatus></BucketLoggingStatus>');
  });
});
