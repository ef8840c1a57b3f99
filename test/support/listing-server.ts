import { createServer, type Server } from 'node:http';

/**
 * A folder of `n` keys `<folder>obj-0000000` … in one bucket, served as S3 ListObjects (V1) pages
 * made on the fly (nothing stored, any signature taken): a folder of 1,000,000 objects without
 * seeding one (bench/ui-scale.ts, test/e2e/web-scale-end.test.ts). Its keys sort by name as listed.
 */
export function startListingServer(
  n: number,
  bucketName = 'bench-huge',
  folder = 'm/',
): Promise<{ endpoint: string; server: Server }> {
  const width = String(n - 1).length;
  const key = (i: number) => `${folder}obj-${String(i).padStart(width, '0')}`;
  const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>${body}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const bucket = url.pathname.split('/')[1] ?? '';
    res.setHeader('x-amz-request-id', 'bench');
    if (req.method === 'HEAD') return res.writeHead(200).end();
    if (!bucket) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        xml(
          `<ListAllMyBucketsResult><Owner><ID>bench</ID></Owner><Buckets><Bucket><Name>${bucketName}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`,
        ),
      );
    }
    if (url.searchParams.has('location')) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(xml('<LocationConstraint></LocationConstraint>'));
    }
    if (req.method !== 'GET' || [...url.searchParams.keys()].some((k) => !LIST_PARAMS.has(k))) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      return res.end(xml('<Error><Code>NoSuchKey</Code><Message>bench listing server</Message></Error>'));
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    const marker = url.searchParams.get('marker') ?? '';
    const max = Math.min(1000, Number(url.searchParams.get('max-keys') ?? 1000));
    let body = `<ListBucketResult><Name>${bucket}</Name><Prefix>${prefix}</Prefix><Marker>${marker}</Marker><MaxKeys>${max}</MaxKeys><EncodingType>url</EncodingType>`;
    if (prefix === '' && url.searchParams.get('delimiter') === '/') {
      body += `<IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>${folder}</Prefix></CommonPrefixes>`;
    } else if (prefix === folder || (prefix !== '' && folder.startsWith(prefix))) {
      let from = 0;
      if (marker.startsWith(`${folder}obj-`)) from = Number(marker.slice(folder.length + 4)) + 1;
      const to = Math.min(n, from + max);
      const parts: string[] = [];
      for (let i = from; i < to; i++)
        parts.push(
          `<Contents><Key>${key(i)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><Size>${i % 5000}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        );
      body += `<IsTruncated>${to < n}</IsTruncated>${to < n ? `<NextMarker>${key(to - 1)}</NextMarker>` : ''}${parts.join('')}`;
    } else body += '<IsTruncated>false</IsTruncated>';
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(xml(`${body}</ListBucketResult>`));
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      done({ endpoint: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server });
    }),
  );
}
const LIST_PARAMS = new Set(['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type']);
