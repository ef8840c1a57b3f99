/**
 * The Content-Type of an upload, as the official cos-nodejs-sdk-v5 sends it and as the app
 * sends it, recorded by a plain HTTP server. The SDK looks the local file's path up in its
 * own MIME table (mime-types) for a single PUT of a file, falling back to
 * application/octet-stream; it sends an empty Content-Type on Initiate Multipart unless told
 * one; and none for a folder marker (an empty body). The app agrees on the single PUT and the
 * folder marker, and sends the file name's type on Initiate too, so a multipart object is
 * typed like a small one.
 */
import { writeFile, mkdtemp, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient } from '../../../src-main/storage/client';
import { createFolder } from '../../../src-main/storage/ops/objects';
import { TransferEngine } from '../../../src-main/transfers/engine';
import { APPID, COS_REGION, cosAccount } from '../storage/helpers';
import { MiB, randomFile } from './harness';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

const Bucket = `rec-${APPID}`;
const Region = COS_REGION;
let server: Server;
let port: number;
let seen: Recorded[] = [];
let dir: string;

function answer(r: Recorded): { status: number; body: string; headers?: Record<string, string> } {
  const xml = { 'content-type': 'application/xml' };
  if (r.method === 'GET' && /[?&]uploads/.test(r.url))
    return { status: 200, headers: xml, body: '<ListMultipartUploadsResult></ListMultipartUploadsResult>' };
  if (r.method === 'POST' && /[?&]uploads/.test(r.url))
    return {
      status: 200,
      headers: xml,
      body: `<InitiateMultipartUploadResult><Bucket>${Bucket}</Bucket><Key>k</Key><UploadId>up1</UploadId></InitiateMultipartUploadResult>`,
    };
  if (r.method === 'GET' && /[?&]uploadId/.test(r.url))
    return { status: 200, headers: xml, body: '<ListPartsResult></ListPartsResult>' };
  if (r.method === 'POST' && /[?&]uploadId/.test(r.url))
    return {
      status: 200,
      headers: xml,
      body: '<CompleteMultipartUploadResult><ETag>"x-2"</ETag></CompleteMultipartUploadResult>',
    };
  if (r.method === 'HEAD') return { status: 404, body: '' };
  return { status: 200, headers: { etag: '"d41d8cd98f00b204e9800998ecf8427e"' }, body: '' };
}

const sdk = () =>
  new COS({
    SecretId: 'AKIDrecorder',
    SecretKey: 'secret',
    Protocol: 'http:',
    Domain: `{Bucket}.cos.{Region}.localhost:${port}`,
    ServiceDomain: `service.cos.localhost:${port}`,
    Ip: `127.0.0.1:${port}`,
    AutoSwitchHost: false,
    KeepAlive: false,
  } as COS.COSOptions);

const app = () => new StorageClient(cosAccount(port, 'AKIDrecorder', 'secret'), { maxAttempts: 1 });

async function recordWith(fn: () => Promise<unknown>): Promise<Recorded[]> {
  seen = [];
  await fn();
  return seen;
}

/** The app's engine uploading one file: every request it sent. */
async function appUpload(key: string, path: string, threshold = 64 * MiB): Promise<Recorded[]> {
  const client = app();
  const st = await stat(path);
  const engine = await TransferEngine.open({
    dir: await mkdtemp(join(dir, 'data-')),
    clientFor: async () => client,
    autoRetries: 0,
    threshold,
    partSize: 5 * MiB,
  });
  try {
    return await recordWith(async () => {
      await engine.add([
        {
          kind: 'upload',
          accountId: 'a',
          bucket: Bucket,
          key,
          localPath: path,
          size: st.size,
          mtimeMs: st.mtimeMs,
          onConflict: 'overwrite',
        },
      ]);
      await engine.idle();
    });
  } finally {
    await engine.close();
    await client.close();
  }
}

const sdkUpload = (key: string, path: string, sliceSize = 64 * MiB) =>
  recordWith(
    () =>
      new Promise<void>((resolve) =>
        sdk().uploadFile(
          {
            Bucket,
            Region,
            Key: key,
            FilePath: path,
            SliceSize: sliceSize,
            ChunkSize: 5 * MiB,
          } as COS.UploadFileParams,
          () => resolve(),
        ),
      ),
  );

const put = (rs: Recorded[]) => rs.find((r) => r.method === 'PUT' && !/partNumber/.test(r.url));
const initiate = (rs: Recorded[]) => rs.find((r) => r.method === 'POST' && /[?&]uploads/.test(r.url));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosdesk-ctrec-'));
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      seen.push(r);
      const a = answer(r);
      res.statusCode = a.status;
      res.setHeader('x-cos-request-id', 'rec');
      for (const [k, v] of Object.entries(a.headers ?? {})) res.setHeader(k, v);
      res.end(r.method === 'HEAD' ? undefined : a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('Content-Type as the official SDK sends it (recorded)', () => {
  it.each([
    ['pic.jpg', 'image/jpeg'],
    ['page.html', 'text/html'],
    ['data.json', 'application/json'],
    ['notes.txt', 'text/plain'],
    ['blob.zzqq', 'application/octet-stream'],
    ['README', 'application/octet-stream'],
  ])('single PUT of %s: both send %s', async (name, type) => {
    const path = join(dir, name);
    await writeFile(path, `bytes of ${name}`);
    const s = put(await sdkUpload(`d/${name}`, path));
    const a = put(await appUpload(`d/${name}`, path));
    expect(s?.headers['content-type'], 'SDK').toBe(type);
    expect(a?.headers['content-type'], 'app').toBe(type);
  });

  it("Initiate Multipart: the SDK sends an empty type, the app the name's (the SDK leaves big files untyped)", async () => {
    const path = join(dir, 'movie.mp4');
    await randomFile(path, 6 * MiB, 2);
    const s = initiate(await sdkUpload('d/movie.mp4', path, 1 * MiB));
    const a = initiate(await appUpload('d/movie.mp4', path, 1 * MiB));
    expect(s, 'SDK sent an Initiate').toBeDefined();
    expect(s?.headers['content-type'] ?? '').toBe('');
    expect(a?.headers['content-type']).toBe('video/mp4');
  });

  it('a folder marker: neither sends a Content-Type', async () => {
    const [s] = await recordWith(
      () =>
        new Promise<void>((resolve, reject) =>
          sdk().putObject({ Bucket, Region, Key: 'folder/', Body: '' }, (err) =>
            err ? reject(err) : resolve(),
          ),
        ),
    );
    const client = app();
    const [a] = await recordWith(() => createFolder(client, { bucket: Bucket }, 'folder'));
    await client.close();
    expect(s.url).toMatch(/^\/folder\/$/);
    expect(a.url).toMatch(/^\/folder\/$/);
    expect(s.headers['content-type']).toBeUndefined();
    expect(a.headers['content-type']).toBeUndefined();
  });
});
