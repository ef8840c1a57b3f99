/**
 * Issue 12 item 1, main's side: the `files.*` calls (native upload dialog, Show in folder, a
 * browser download link) and the `transfers.finished` event views refresh their listing on,
 * through the real router and RGW. The desktop shell is lent as in the app (main.ts passes
 * Electron's dialog and shell); without one (web mode) the calls say so.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import { StorageClient } from '../../../src-main/storage/client';
import { putObject } from '../../../src-main/storage/ops/objects';
import type { DesktopShell } from '../../../src-main/transfers/files-service';
import { startMain } from '../../support/main';
import { dropBucket } from '../storage/stack';
import { rgwEnv, s3Account, uniqueBucket } from '../storage/helpers';

const env = rgwEnv();
const bucket = uniqueBucket('s3');
const PIC = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff));
let client: StorageClient;
let dir: string;

beforeAll(async () => {
  client = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));
  await (await client.request({ method: 'PUT', bucket })).body.dump();
  await putObject(client, { bucket }, 'dl/pic 1.jpg', PIC);
  dir = await mkdtemp(join(tmpdir(), 'cosdesk-files-'));
});

afterAll(async () => {
  await dropBucket(env.endpoint, env.ak, env.sk, bucket);
  await client.close();
});

async function stack(desktop?: DesktopShell) {
  const s = await startMain({ desktop });
  const id = s.main.accounts.registerEphemeral(s3Account(env.endpoint, env.ak, env.sk));
  return { ...s, id };
}

describe('files.* and transfers.finished', () => {
  it('pickUpload: the native dialog’s paths in the app; native: false without a desktop (web mode)', async () => {
    const asked: string[] = [];
    const app = await stack({
      pickUpload: async (kind) => {
        asked.push(kind);
        return kind === 'files' ? ['/home/u/a.jpg', '/home/u/b.txt'] : [];
      },
    });
    expect(await app.bridge.files.pickUpload({ kind: 'files' })).toEqual({
      native: true,
      paths: ['/home/u/a.jpg', '/home/u/b.txt'],
    });
    // Cancelled: no paths, and the page must not open its own input instead.
    expect(await app.bridge.files.pickUpload({ kind: 'folder' })).toEqual({ native: true, paths: [] });
    expect(asked).toEqual(['files', 'folder']);
    await app.main.close();
    const web = await stack();
    expect(await web.bridge.files.pickUpload({ kind: 'files' })).toEqual({ native: false, paths: [] });
    await web.main.close();
  });

  it('downloadLink: a short signed GET whose answer is the object as an attachment with its name', async () => {
    const s = await stack();
    const link = await s.bridge.files.downloadLink({ accountId: s.id, bucket, key: 'dl/pic 1.jpg' });
    expect(link.name).toBe('pic 1.jpg');
    const left = Date.parse(link.expiresAt) - Date.now();
    expect(left).toBeGreaterThan(60_000);
    expect(left).toBeLessThanOrEqual(310_000);
    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''pic%201.jpg");
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), PIC)).toBe(0);
    // A folder is not one file.
    const e = await s.bridge.files
      .downloadLink({ accountId: s.id, bucket, key: 'dl/' })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    await s.main.close();
  });

  it('showInFolder: the finished download’s file in the file manager; its path without one; refused for an upload', async () => {
    const shown: string[] = [];
    const app = await stack({ showItemInFolder: (p) => shown.push(p) });
    const finished: Array<EventPayload<'transfers.finished'>> = [];
    app.bridge.events.on('transfers.finished', (p) => finished.push(p));
    const out = join(dir, 'out');
    await app.bridge.transfers.download({
      accountId: app.id,
      bucket,
      keys: ['dl/pic 1.jpg'],
      prefix: 'dl/',
      localDir: out,
    });
    await app.main.transfers.idle();
    const src = join(dir, 'up.json');
    await writeFile(src, '{}');
    await app.bridge.transfers.upload({ accountId: app.id, bucket, paths: [src], prefix: 'ups/' });
    await app.main.transfers.idle();
    const { jobs } = await app.bridge.transfers.list({});
    const down = jobs.find((j) => j.kind === 'download')!;
    const up = jobs.find((j) => j.kind === 'upload')!;
    expect(down.state).toBe('done');
    expect(await readFile(down.localPath)).toEqual(PIC);
    expect(await app.bridge.files.showInFolder({ jobId: down.id })).toEqual({
      shown: true,
      path: down.localPath,
    });
    expect(shown).toEqual([down.localPath]);
    const e = await app.bridge.files.showInFolder({ jobId: up.id }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).message).toMatch(/no longer in the transfer list/);

    // Each finished job was announced, numbered, and the last event repeats every one.
    await expect.poll(() => finished.at(-1)?.seq, { timeout: 10_000 }).toBe(2);
    expect(finished.at(-1)!.recent.map((j) => [j.seq, j.kind, j.key])).toEqual([
      [1, 'download', 'dl/pic 1.jpg'],
      [2, 'upload', 'ups/up.json'],
    ]);
    await app.main.close();

    // Web mode has no file manager: the path, for the page to show with a copy button.
    const web = await stack();
    await web.bridge.transfers.download({
      accountId: web.id,
      bucket,
      keys: ['dl/pic 1.jpg'],
      prefix: 'dl/',
      localDir: join(dir, 'web'),
    });
    await web.main.transfers.idle();
    const job = (await web.bridge.transfers.list({})).jobs[0];
    expect(await web.bridge.files.showInFolder({ jobId: job.id })).toEqual({
      shown: false,
      path: job.localPath,
    });
    await web.main.close();
  });
});
