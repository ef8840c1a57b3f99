import { describe, expect, it } from 'vitest';
import type { StorageClient } from '../../../src-main/storage/client';
import { decodeListValue, listObjects, nextMarkerOf } from '../../../src-main/storage/ops/list';
import { parseXml } from '../../../src-main/storage/xml';

/** A client that answers every request with one XML document and records the query. */
function xmlClient(xml: string) {
  const queries: Record<string, string>[] = [];
  const client = {
    async requestXml(req: { query?: Record<string, string> }) {
      queries.push(req.query ?? {});
      return { status: 200, headers: {}, doc: parseXml(xml) };
    },
  } as unknown as StorageClient;
  return { client, queries };
}

const page = (body: string, encoded = true) =>
  `<?xml version="1.0"?><ListBucketResult>${encoded ? '<EncodingType>url</EncodingType>' : ''}<Name>b</Name>${body}</ListBucketResult>`;
const contents = (key: string) =>
  `<Contents><Key>${key}</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>`;

describe('list value decoding', () => {
  it('decodes RGW/COS percent-encoding and AWS form-encoding alike', () => {
    expect(decodeListValue('a%20b%2Bc%25d%23e%3Ff%26g%3Dh.txt')).toBe('a b+c%d#e?f&g=h.txt');
    expect(decodeListValue('a+b%2Bc')).toBe('a b+c');
    expect(decodeListValue('%E7%85%A7%E7%89%87/')).toBe('照片/');
  });

  it('leaves a value that is not percent-encoding as it came', () => {
    expect(decodeListValue('100%')).toBe('100%');
  });
});

describe('listObjects', () => {
  it('asks for url encoding and decodes keys, prefixes; unquotes ETags; ISO dates', async () => {
    const { client, queries } = xmlClient(
      page(
        `<IsTruncated>false</IsTruncated>${contents('a%20b%2Bc%25.txt')}${contents('..%2Fx')}<CommonPrefixes><Prefix>%E7%85%A7%E7%89%87/</Prefix></CommonPrefixes>`,
      ),
    );
    const r = await listObjects(
      client,
      { bucket: 'b' },
      { prefix: '', delimiter: '/', maxKeys: 7, marker: 'm n' },
    );
    expect(queries[0]).toEqual({
      'encoding-type': 'url',
      prefix: '',
      delimiter: '/',
      'max-keys': '7',
      marker: 'm n',
    });
    expect(r).toEqual({
      objects: [
        {
          key: 'a b+c%.txt',
          size: 12,
          lastModified: '2024-05-01T10:00:00.000Z',
          etag: 'abc',
          storageClass: 'STANDARD',
        },
        {
          key: '../x',
          size: 12,
          lastModified: '2024-05-01T10:00:00.000Z',
          etag: 'abc',
          storageClass: 'STANDARD',
        },
      ],
      prefixes: ['照片/'],
      isTruncated: false,
      nextMarker: undefined,
    });
  });

  it('does not decode when the server ignored encoding-type', async () => {
    const { client } = xmlClient(
      page(`<IsTruncated>false</IsTruncated>${contents('100%25 raw+plus')}`, false),
    );
    const r = await listObjects(client, { bucket: 'b' });
    expect(r.objects[0].key).toBe('100%25 raw+plus');
  });

  it("takes the next marker from the page, not RGW's unencoded NextMarker", async () => {
    const { client } = xmlClient(
      page(`<IsTruncated>true</IsTruncated>${contents('f%2025%25.txt')}<NextMarker>f 25%.txt</NextMarker>`),
    );
    expect((await listObjects(client, { bucket: 'b' })).nextMarker).toBe('f 25%.txt');
  });

  it('uses the last key when truncated without NextMarker', async () => {
    const { client } = xmlClient(page(`<IsTruncated>true</IsTruncated>${contents('a')}${contents('b%20c')}`));
    expect((await listObjects(client, { bucket: 'b' })).nextMarker).toBe('b c');
  });
});

describe('nextMarkerOf', () => {
  it('picks the later of the last key and the last prefix, in UTF-8 byte order', () => {
    expect(nextMarkerOf([{ key: 'a/x' }], ['b/'], undefined, true)).toBe('b/');
    expect(nextMarkerOf([{ key: 'c' }], ['b/'], undefined, true)).toBe('c');
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16.
    expect(nextMarkerOf([{ key: '\u{FF5E}' }], ['\u{1F600}/'], undefined, true)).toBe('\u{1F600}/');
  });

  it('falls back to a decoded NextMarker on an empty page', () => {
    expect(nextMarkerOf([], [], 'a%20b', true)).toBe('a b');
    expect(nextMarkerOf([], [], 'a%20b', false)).toBe('a%20b');
    expect(nextMarkerOf([], [], undefined, true)).toBeUndefined();
  });
});
