/**
 * Issue 11 item 3: every upload carries a Content-Type from the file name (the `mime`
 * database), single PUT and multipart alike, in both dialects; the user's choice wins; a copy
 * and a move keep it. Checked by HEAD on RGW (S3) and through the strict COS gateway.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transfer } from '../../../src-main/storage/ops/copy';
import { createFolder, headObject, putObject } from '../../../src-main/storage/ops/objects';
import type { NewJob } from '../../../src-main/transfers/engine';
import { TransfersService } from '../../../src-main/transfers/service';
import { DIALECTS } from '../storage/helpers';
import { MiB, randomFile, transferStack, uploadOf, type TransferStack } from './harness';

const NAMES: Array<[string, string]> = [
  ['pic.jpg', 'image/jpeg'],
  ['page.html', 'text/html'],
  ['data.json', 'application/json'],
  ['notes.txt', 'text/plain'],
  ['blob.zzqq', 'application/octet-stream'],
  ['README', 'application/octet-stream'],
];

describe.each(DIALECTS)('Content-Type on upload (%s)', (dialect) => {
  let s: TransferStack;
  const services: TransfersService[] = [];
  beforeAll(async () => {
    s = await transferStack(dialect);
  });
  afterAll(async () => {
    for (const x of services) await x.close().catch(() => undefined);
    await s?.close();
  });

  const loc = () => ({ bucket: s.bucket });
  const typeOf = async (key: string) => (await headObject(s.client, loc(), key)).contentType;
  const job = async (key: string, localPath: string, extra: Partial<NewJob> = {}): Promise<NewJob> => {
    return { ...uploadOf(s, localPath, await stat(localPath), key), ...extra };
  };

  it('single PUT: the type the file name gives, application/octet-stream for an unknown extension or none', async () => {
    const e = await s.engine();
    const jobs: NewJob[] = [];
    for (const [name] of NAMES) {
      const p = join(s.dir, name);
      await writeFile(p, `content of ${name}`);
      jobs.push(await job(`single/${name}`, p));
    }
    await e.add(jobs);
    await e.idle();
    expect(e.list(0, 100).jobs.map((j) => j.state)).toEqual(NAMES.map(() => 'done'));
    for (const [name, type] of NAMES) expect(await typeOf(`single/${name}`), name).toBe(type);
  });

  it('multipart: Initiate carries the type, so the whole object has it', async () => {
    const e = await s.engine({ threshold: 1 * MiB, partSize: 5 * MiB });
    const p = join(s.dir, 'big.jpg');
    await randomFile(p, 6 * MiB + 17, 3);
    const q = join(s.dir, 'big-unknown.zzqq');
    await randomFile(q, 6 * MiB + 5, 4);
    await e.add([await job('multi/big.jpg', p), await job('multi/big-unknown.zzqq', q)]);
    await e.idle();
    expect(e.list(0, 100).jobs.map((j) => [j.state, j.verified])).toEqual([
      ['done', dialect === 'cos' ? 'crc64' : 'multipart-etag'],
      ['done', dialect === 'cos' ? 'crc64' : 'multipart-etag'],
    ]);
    expect(await typeOf('multi/big.jpg')).toBe('image/jpeg');
    expect(await typeOf('multi/big-unknown.zzqq')).toBe('application/octet-stream');
  });

  it("the user's Content-Type wins, single PUT and multipart", async () => {
    const e = await s.engine({ threshold: 1 * MiB, partSize: 5 * MiB });
    const small = join(s.dir, 'forced.jpg');
    await writeFile(small, 'not really a picture');
    const big = join(s.dir, 'forced-big.txt');
    await randomFile(big, 6 * MiB, 5);
    await e.add([
      await job('override/forced.jpg', small, { contentType: 'text/plain; charset=utf-8' }),
      await job('override/forced-big.txt', big, { contentType: 'application/x-custom' }),
    ]);
    await e.idle();
    expect(await typeOf('override/forced.jpg')).toBe('text/plain; charset=utf-8');
    expect(await typeOf('override/forced-big.txt')).toBe('application/x-custom');
  });

  it('a folder upload and a web-mode upload take the type from the name, or the one chosen for the batch', async () => {
    const dataDir = join(s.dir, `svc-${dialect}`);
    const svc = new TransfersService({ dataDir, resolveAccount: async () => s.account });
    services.push(svc);
    await svc.start();
    const folder = join(s.dir, 'tree');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'a.html'), '<p>a</p>');
    await writeFile(join(folder, 'sub', 'b.json'), '{}');
    await svc.upload({
      accountId: 'a',
      bucket: s.bucket,
      paths: [folder],
      prefix: 'walk',
      onConflict: 'overwrite',
    });
    await svc.upload({
      accountId: 'a',
      bucket: s.bucket,
      paths: [folder],
      prefix: 'walk-forced',
      onConflict: 'overwrite',
      contentType: 'application/x-forced',
    });
    const web = await svc.webUpload({
      accountId: 'a',
      bucket: s.bucket,
      prefix: 'web',
      files: [{ relativePath: 'photos/cat.jpg', size: 3 }],
      onConflict: 'overwrite',
    });
    await svc.receive(web.token, 0, Readable.from([Buffer.from('cat')]));
    const forced = await svc.webUpload({
      accountId: 'a',
      bucket: s.bucket,
      prefix: 'web-forced',
      files: [{ relativePath: 'cat.jpg', size: 3 }],
      onConflict: 'overwrite',
      contentType: 'image/webp',
    });
    await svc.receive(forced.token, 0, Readable.from([Buffer.from('cat')]));
    await svc.idle();
    expect(await typeOf('walk/tree/a.html')).toBe('text/html');
    expect(await typeOf('walk/tree/sub/b.json')).toBe('application/json');
    expect(await typeOf('walk-forced/tree/a.html')).toBe('application/x-forced');
    // The spooled copy has a random name: the key's name decides, not the spool file's.
    expect(await typeOf('web/photos/cat.jpg')).toBe('image/jpeg');
    expect(await typeOf('web-forced/cat.jpg')).toBe('image/webp');
  });

  it('a copy and a move keep the Content-Type (Copy directive), a file and a folder', async () => {
    await putObject(s.client, loc(), 'keep/pic.jpg', 'jpg bytes');
    await putObject(s.client, loc(), 'keep/dir/page.html', '<p>x</p>');
    await putObject(s.client, loc(), 'keep/dir/custom.bin', 'x', { contentType: 'application/x-mine' });
    expect(await typeOf('keep/pic.jpg')).toBe('image/jpeg');

    const copied = await transfer(s.client, {
      src: loc(),
      key: 'keep/pic.jpg',
      dst: loc(),
      toKey: 'copied/',
      move: false,
    });
    expect(copied.errors).toEqual([]);
    expect(await typeOf('copied/pic.jpg')).toBe('image/jpeg');

    const moved = await transfer(s.client, {
      src: loc(),
      key: 'keep/dir/',
      dst: loc(),
      toKey: 'moved/',
      move: true,
    });
    expect(moved.errors).toEqual([]);
    expect(await typeOf('moved/page.html')).toBe('text/html');
    expect(await typeOf('moved/custom.bin')).toBe('application/x-mine');
  });

  it('a folder marker is created as the SDK creates it, and stays a zero-byte object', async () => {
    const { key } = await createFolder(s.client, loc(), 'made');
    const h = await headObject(s.client, loc(), key);
    expect(h.size).toBe(0);
  });
});
