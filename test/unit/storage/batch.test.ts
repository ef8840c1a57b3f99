import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StorageClient, StorageRequest } from '../../../src-main/storage/client';
import { StorageError } from '../../../src-main/storage/errors';
import { deleteObjects, deleteRequestXml } from '../../../src-main/storage/ops/delete';
import { list, parseXml, text } from '../../../src-main/storage/xml';

type Answer = (req: StorageRequest) => string | Error;

/** A fake client for multi-delete: GET lists `stored`, POST ?delete answers with `onDelete`. */
function fakeClient(stored: string[], onDelete: Answer) {
  const posts: StorageRequest[] = [];
  const client = {
    async requestXml(req: StorageRequest) {
      if (req.method === 'GET') {
        const prefix = req.query?.prefix ?? '';
        const keys = stored.filter((k) => k.startsWith(prefix));
        const body = keys
          .map((k) => `<Contents><Key>${encodeURIComponent(k)}</Key><Size>1</Size></Contents>`)
          .join('');
        return {
          status: 200,
          headers: {},
          doc: parseXml(
            `<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>${body}</ListBucketResult>`,
          ),
        };
      }
      posts.push(req);
      const a = onDelete(req);
      if (a instanceof Error) throw a;
      return { status: 200, headers: {}, doc: parseXml(a) };
    },
  } as unknown as StorageClient;
  return { client, posts };
}

const keysOf = (req: StorageRequest) =>
  list(parseXml(String(req.body))['Delete'], 'Object').map((o) => text(o, 'Key') ?? '');

describe('multi-delete', () => {
  it('escapes keys so the server reads them back exactly', () => {
    const keys = ['a&b<c>"d\'.txt', '照片/海边 (1).jpg', ']]>', ' lead and trail '];
    const xml = deleteRequestXml(keys);
    expect(xml).toContain('<Quiet>true</Quiet>');
    // Our reader trims text; the body itself keeps the spaces, which is what the server reads.
    expect(list(parseXml(xml)['Delete'], 'Object').map((o) => text(o, 'Key'))).toEqual(
      keys.map((k) => k.trim()),
    );
    expect(xml).toContain('<Key> lead and trail </Key>');
  });

  it('sends at most 1,000 keys per request with a matching Content-MD5', async () => {
    const keys = Array.from({ length: 2345 }, (_, i) => `k${i}`);
    const { client, posts } = fakeClient([], () => '<DeleteResult/>');
    const r = await deleteObjects(client, { bucket: 'b' }, keys);
    expect(posts.map((p) => keysOf(p).length)).toEqual([1000, 1000, 345]);
    for (const p of posts) {
      expect(p.query).toEqual({ delete: '' });
      expect(p.headers?.['content-md5']).toBe(createHash('md5').update(String(p.body)).digest('base64'));
    }
    expect(r).toEqual({ done: keys, errors: [] });
  });

  it('reports the keys the server lists under Error, and the rest as done', async () => {
    const { client } = fakeClient(
      [],
      () =>
        '<DeleteResult><Error><Key>b&amp;c</Key><Code>AccessDenied</Code><Message>AccessDenied</Message></Error></DeleteResult>',
    );
    const r = await deleteObjects(client, { bucket: 'bk' }, ['a', 'b&c', 'd']);
    expect(r.done).toEqual(['a', 'd']);
    expect(r.errors).toEqual([
      { key: 'b&c', code: 'AccessDenied', message: expect.stringMatching(/Access denied "bk"/) },
    ]);
  });

  it('reports every key of a batch the server refused as a whole', async () => {
    const denied = new StorageError('STORAGE', { storageCode: 'AccessDenied', status: 403 }, { bucket: 'b' });
    const { client } = fakeClient([], () => denied);
    const r = await deleteObjects(client, { bucket: 'b' }, ['x', 'y']);
    expect(r.done).toEqual([]);
    expect(r.errors.map((e) => [e.key, e.code])).toEqual([
      ['x', 'AccessDenied'],
      ['y', 'AccessDenied'],
    ]);
  });

  it('expands a folder key to everything under it, the marker included, once each', async () => {
    const stored = ['f/', 'f/a', 'f/sub/b', 'fx', 'g'];
    const { client, posts } = fakeClient(stored, () => '<DeleteResult/>');
    const r = await deleteObjects(client, { bucket: 'b' }, ['f/', 'f/a', 'g']);
    expect(keysOf(posts[0]).sort()).toEqual(['f/', 'f/a', 'f/sub/b', 'g']);
    expect(r.errors).toEqual([]);
  });
});
