/**
 * Issue 13 item 5: the transfer engine in a worker thread (src-main/transfers/host), behind
 * the interface the router calls. Through the real router and RGW: the requests that move the
 * bytes are made from the worker's thread, not the one that serves IPC; a transfer still
 * reports honestly through the proxy (done and verified, failed with its reason, cancelled);
 * its events reach this thread's hub; a worker that dies fails what it held and the next call
 * carries on from the journal.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import { StorageClient } from '../../../src-main/storage/client';
import { TransfersHost } from '../../../src-main/transfers/host/host';
import { listMultipartUploads } from '../../../src-main/transfers/multipart';
import { startMain } from '../../support/main';
import { dropBucket } from '../storage/stack';
import { rgwEnv, s3Account, uniqueBucket } from '../storage/helpers';
import { MiB, randomFile, sha256File } from './harness';

const env = rgwEnv();
const bucket = uniqueBucket('s3');
let client: StorageClient;
let dir: string;

/** Requests this thread's undici makes to the test bucket. */
let hereRequests = 0;
const onRequest = (m: unknown) => {
  const r = (m as { request: { path: string; origin?: string } }).request;
  if (r.path.includes(bucket)) hereRequests++;
};

beforeAll(async () => {
  client = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));
  await (await client.request({ method: 'PUT', bucket })).body.dump();
  dir = await mkdtemp(join(tmpdir(), 'cosdesk-worker-host-'));
  process.env.COSDESK_AUTO_RETRIES = '0';
  subscribe('undici:request:create', onRequest);
});

afterAll(async () => {
  unsubscribe('undici:request:create', onRequest);
  delete process.env.COSDESK_AUTO_RETRIES;
  await dropBucket(env.endpoint, env.ak, env.sk, bucket);
  await client.close();
});

async function stack() {
  const s = await startMain({ transfersThread: 'worker' });
  const id = s.main.accounts.registerEphemeral(s3Account(env.endpoint, env.ak, env.sk));
  const events: string[] = [];
  s.main.hub.subscribe((name, payload) => {
    if (name === 'transfers.finished')
      events.push(...(payload as { recent: Array<{ key: string }> }).recent.map((r) => `finished ${r.key}`));
    else if (name.startsWith('transfers.')) events.push(name);
  });
  expect(s.main.transfers).toBeInstanceOf(TransfersHost);
  return { ...s, id, events, host: s.main.transfers as TransfersHost };
}

describe('the transfer engine in a worker thread', () => {
  it('uploads and downloads with the byte path on the worker thread; events reach the hub', async () => {
    const s = await stack();
    try {
      const src = join(dir, 'big.bin');
      await randomFile(src, 12 * MiB, 7);
      const before = hereRequests;
      // Small parts: a multipart upload, several requests, all from the worker.
      await s.bridge.transfers.setLimits({ uploadBps: 0, downloadBps: 0 });
      await s.bridge.transfers.upload({
        accountId: s.id,
        bucket,
        paths: [src],
        prefix: 'w/',
        onConflict: 'overwrite',
        symlinks: 'follow',
      });
      await s.main.transfers.idle();
      const out = join(dir, 'out');
      await s.bridge.transfers.download({
        accountId: s.id,
        bucket,
        keys: ['w/big.bin'],
        prefix: 'w/',
        localDir: out,
        onConflict: 'overwrite',
      });
      await s.main.transfers.idle();
      const { jobs, summary } = await s.bridge.transfers.list({});
      expect(jobs.map((j) => [j.kind, j.state])).toEqual([
        ['upload', 'done'],
        ['download', 'done'],
      ]);
      expect(jobs.every((j) => j.verified !== undefined)).toBe(true);
      expect(summary.done).toBe(2);
      expect(await sha256File(join(out, 'big.bin'))).toBe(await sha256File(src));
      // The router's thread made none of the bucket's requests; the worker's thread made them.
      expect(hereRequests - before).toBe(0);
      const d = await s.host.diagnostics();
      expect(d.threadId).not.toBe(threadId);
      // Its young generation is kept small (a long queue's RSS, host.ts).
      const w = (s.host as unknown as { worker: { resourceLimits?: { maxYoungGenerationSizeMb?: number } } })
        .worker;
      expect(w.resourceLimits?.maxYoungGenerationSizeMb).toBe(12);
      expect(d.requests).toBeGreaterThanOrEqual(3);
      // A job as the file manager's "show in folder" reads it, through the proxy.
      expect((await s.main.transfers.job(jobs[1].id))?.localPath).toBe(join(out, 'big.bin'));
      // Events are coalesced: wait for the last ones to be delivered.
      await expect.poll(() => s.events.includes('finished w/big.bin'), { timeout: 10_000 }).toBe(true);
      expect(s.events).toContain('transfers.changed');
    } finally {
      await s.main.close();
    }
  });

  it('a failure ends failed with its reason; a refused request arrives as the same AppError', async () => {
    const s = await stack();
    try {
      await s.bridge.transfers.download({
        accountId: s.id,
        bucket,
        keys: ['w/no-such-object.bin'],
        prefix: 'w/',
        localDir: join(dir, 'missing'),
        onConflict: 'overwrite',
      });
      await s.main.transfers.idle();
      const [job] = (await s.bridge.transfers.list({})).jobs;
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(/not|exist|found/i);
      // The service's own validation, thrown in the worker, reaches the caller with its code.
      const e = await s.bridge.transfers
        .download({
          accountId: s.id,
          bucket,
          keys: ['a', 'b'],
          prefix: '',
          localDir: dir,
          onConflict: 'overwrite',
          versionId: 'v1',
        })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('VALIDATION');
      // An account main cannot resolve: the worker asked, main refused, the call says so.
      const u = await s.bridge.transfers
        .download({
          accountId: 'nobody',
          bucket,
          keys: ['x'],
          prefix: '',
          localDir: dir,
          onConflict: 'overwrite',
        })
        .catch((x: unknown) => x);
      expect(u).toBeInstanceOf(AppError);
      expect((u as AppError).message).toMatch(/nobody/);
    } finally {
      await s.main.close();
    }
  });

  it('cancel stops a running upload and aborts its multipart upload', async () => {
    const s = await stack();
    try {
      const src = join(dir, 'slow.bin');
      await randomFile(src, 24 * MiB, 9);
      // Slow enough that the cancel finds it running at any machine speed.
      await s.bridge.transfers.setLimits({ uploadBps: 512 * 1024, downloadBps: 0 });
      await s.bridge.transfers.upload({
        accountId: s.id,
        bucket,
        paths: [src],
        prefix: 'c/',
        onConflict: 'overwrite',
        symlinks: 'follow',
      });
      await expect
        .poll(async () => (await s.bridge.transfers.list({})).jobs[0]?.state, { timeout: 30_000 })
        .toBe('running');
      await expect
        .poll(async () => (await listMultipartUploads(client, { bucket }, 'c/slow.bin')).length, {
          timeout: 60_000,
        })
        .toBeGreaterThan(0);
      const { affected } = await s.bridge.transfers.cancel({});
      expect(affected).toBe(1);
      await s.main.transfers.idle();
      expect((await s.bridge.transfers.list({})).jobs[0].state).toBe('cancelled');
      expect(await listMultipartUploads(client, { bucket }, 'c/slow.bin')).toEqual([]);
    } finally {
      await s.main.close();
    }
  });

  it('a worker that dies fails the call it held; the next call starts another with the same queue', async () => {
    const s = await stack();
    try {
      const src = join(dir, 'small.txt');
      await writeFile(src, 'hello from the worker\n');
      await s.bridge.transfers.upload({
        accountId: s.id,
        bucket,
        paths: [src],
        prefix: 'k/',
        onConflict: 'overwrite',
        symlinks: 'follow',
      });
      await s.main.transfers.idle();
      const slow = join(dir, 'slow2.bin');
      await randomFile(slow, 16 * MiB, 11);
      await s.bridge.transfers.setLimits({ uploadBps: 256 * 1024, downloadBps: 0 });
      await s.bridge.transfers.upload({
        accountId: s.id,
        bucket,
        paths: [slow],
        prefix: 'k/',
        onConflict: 'overwrite',
        symlinks: 'follow',
      });
      await expect
        .poll(async () => (await s.bridge.transfers.list({ filter: 'active' })).jobs[0]?.state, {
          timeout: 30_000,
        })
        .toBe('running');
      // Its multipart upload begun and on the journal (bytes are moving), so the next worker
      // knows what to abort.
      await expect
        .poll(async () => (await s.bridge.transfers.list({ filter: 'active' })).jobs[0]?.transferred ?? 0, {
          timeout: 60_000,
        })
        .toBeGreaterThan(0);
      const first = await s.host.diagnostics();
      const worker = (s.host as unknown as { worker: { terminate(): Promise<number> } }).worker;
      // Held until the queue runs dry, which the slow upload keeps from happening.
      const held = s.main.transfers.idle();
      await worker.terminate();
      await expect(held).rejects.toThrow(/stopped unexpectedly/);
      // The queue is read back from its journal by the new worker (the lock was kept here),
      // as after a restart: the unfinished job, held until started or resumed.
      const { jobs } = await s.bridge.transfers.list({});
      expect(jobs.map((j) => [j.key, j.state])).toEqual([['k/slow2.bin', 'queued']]);
      expect((await s.host.diagnostics()).threadId).not.toBe(first.threadId);
      expect((await s.bridge.transfers.cancel({})).affected).toBe(1);
      await s.main.transfers.idle();
      expect((await s.bridge.transfers.list({})).jobs[0].state).toBe('cancelled');
      expect(await listMultipartUploads(client, { bucket }, 'k/slow2.bin')).toEqual([]);
      const res = await client.request({ method: 'GET', bucket, key: 'k/small.txt' });
      expect(await res.body.text()).toBe(await readFile(src, 'utf8'));
    } finally {
      await s.main.close();
    }
  });
});

// The web mode's upload: the page sends its files side by side to main's HTTP server, which
// spools each and has it queued. A long file that began last and ends last (the 20 MiB big.bin
// of web-transfers.test.ts) is queued like the others, with the engine in its worker and not.
describe.each(['worker', 'main'] as const)('a web upload with the engine on the %s thread', (thread) => {
  it('a 17 MiB file still arriving while the others are queued is queued too, and uploaded in parts', async () => {
    const s = await startMain({ transfersThread: thread });
    try {
      const id = s.main.accounts.registerEphemeral(s3Account(env.endpoint, env.ak, env.sk));
      expect(s.main.transfers instanceof TransfersHost).toBe(thread === 'worker');
      const src = join(dir, `web-${thread}.bin`);
      await randomFile(src, 17 * MiB, 13);
      const bytes = await readFile(src);
      const prefix = `web-${thread}/`;
      const { token } = await s.bridge.transfers.webUpload({
        accountId: id,
        bucket,
        prefix,
        files: [
          { relativePath: 'a.txt', size: 5 },
          { relativePath: 'one/two/big.bin', size: bytes.length },
          { relativePath: 'b.txt', size: 3 },
        ],
        onConflict: 'overwrite',
      });
      // The big file's first bytes are on disk (its slot taken) before the others are sent.
      const big = new PassThrough();
      const bigDone = s.main.transfers.receive(token, 1, big);
      big.write(bytes.subarray(0, MiB));
      const spool = join(s.dataDir, 'transfers', 'spool');
      await expect
        .poll(async () => (await readdir(spool).catch(() => [])).length, { timeout: 30_000 })
        .toBe(1);
      await s.main.transfers.receive(token, 0, Readable.from([Buffer.from('hello')]));
      // The last slot taken, and queued while big.bin is still arriving.
      await s.main.transfers.receive(token, 2, Readable.from([Buffer.from('abc')]));
      big.end(bytes.subarray(MiB));
      await bigDone;
      await s.main.transfers.idle();
      const { jobs } = await s.bridge.transfers.list({});
      expect(jobs.map((j) => [j.key, j.state]).sort()).toEqual([
        [`${prefix}a.txt`, 'done'],
        [`${prefix}b.txt`, 'done'],
        [`${prefix}one/two/big.bin`, 'done'],
      ]);
      const got = await client.request({ method: 'GET', bucket, key: `${prefix}one/two/big.bin` });
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      expect(sha(new Uint8Array(await got.body.arrayBuffer()))).toBe(sha(bytes));
      // Every slot is used: a file sent again is refused, and no spooled copy is left.
      await expect(s.main.transfers.receive(token, 1, Readable.from([Buffer.from('x')]))).rejects.toThrow(
        /No such upload slot/,
      );
      expect(await readdir(spool)).toEqual([]);
    } finally {
      await s.main.close();
    }
  });
});
