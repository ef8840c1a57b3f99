import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects } from '../../../src-main/storage/ops/list';
import { TransfersService } from '../../../src-main/transfers/service';
import { transferStack, type TransferStack } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The app and web mode call start() when they open: a folder upload that a crash cut short
// mid-walk is walked again, and only the files it had not queued yet are added.
describe('a folder walk cut short, resumed by start()', () => {
  let s: TransferStack;
  const services: TransfersService[] = [];
  beforeAll(async () => {
    s = await transferStack('s3');
  });
  afterAll(async () => {
    delete process.env.COSDESK_TEST_WALK_STOP_AFTER;
    for (const x of services) await x.close().catch(() => undefined);
    await s?.close();
  });

  it('queues the rest, each file once, and marks the walk complete', async () => {
    const root = join(s.dir, 'tree');
    const names: string[] = [];
    for (let d = 0; d < 3; d++) {
      await mkdir(join(root, `d${d}`), { recursive: true });
      for (let i = 0; i < 10; i++) {
        await writeFile(join(root, `d${d}`, `f${i}.txt`), `${d}/${i}`);
        names.push(`up/tree/d${d}/f${i}.txt`);
      }
    }
    const dataDir = join(s.dir, 'data');
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(m),
      warn: () => undefined,
      error: (m: string) => lines.push(m),
    };
    process.env.COSDESK_TEST_WALK_STOP_AFTER = '12';
    const first = new TransfersService({ dataDir, resolveAccount: async () => s.account, log });
    services.push(first);
    const { batchId } = await first.upload({
      accountId: 'x',
      bucket: s.bucket,
      paths: [root],
      prefix: 'up',
      onConflict: 'overwrite',
    });
    for (let i = 0; i < 1200 && !lines.some((l) => l.startsWith('walk stopped')); i++) await sleep(50);
    expect(lines).toContain('walk stopped after 12 file(s)');
    delete process.env.COSDESK_TEST_WALK_STOP_AFTER;
    const walks = await readFile(join(dataDir, 'transfers', 'walks.jsonl'), 'utf8');
    expect(walks).toContain(`"id":"${batchId}"`);
    expect(walks).not.toContain('"t":"done"');

    // The first process is gone (its engine closed by the test seam); the next one starts.
    const next = new TransfersService({ dataDir, resolveAccount: async () => s.account, log });
    services.push(next);
    await next.start();
    await next.idle();
    const e = await next.engine();
    expect(e.summary()).toMatchObject({ total: 18, done: 18, failed: 0 });
    expect(new Set(e.list(0, 100).jobs.map((j) => j.batchId))).toEqual(new Set([batchId]));
    const page = await listObjects(s.client, { bucket: s.bucket }, { prefix: 'up/', maxKeys: 1000 });
    // 12 queued before, 18 after: 30 jobs in the batch for 30 files, every one in the bucket.
    expect(page.objects.map((o) => o.key).sort()).toEqual(names.sort());
    await next.close();

    // Complete now: a third start queues nothing.
    const third = new TransfersService({ dataDir, resolveAccount: async () => s.account, log });
    services.push(third);
    await third.start();
    await third.idle();
    expect((await third.engine()).summary().total).toBe(0);
  });

  it('a folder download cut short mid-listing: resumed, every object downloaded once', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 30; i++) {
      const key = `dl/f${String(i).padStart(2, '0')}.txt`;
      keys.push(key);
      const r = await s.client.request({
        method: 'PUT',
        bucket: s.bucket,
        key,
        headers: { 'content-length': String(`body ${i}`.length) },
        body: `body ${i}`,
      });
      await r.body.dump();
    }
    const dataDir = join(s.dir, 'data-dl');
    const out = join(s.dir, 'dl-out');
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(m),
      warn: () => undefined,
      error: (m: string) => lines.push(m),
    };
    process.env.COSDESK_TEST_WALK_STOP_AFTER = '12';
    const first = new TransfersService({ dataDir, resolveAccount: async () => s.account, log });
    services.push(first);
    const { batchId } = await first.download({
      accountId: 'x',
      bucket: s.bucket,
      keys: ['dl/'],
      prefix: '',
      localDir: out,
      onConflict: 'overwrite',
    });
    for (let i = 0; i < 1200 && !lines.some((l) => l.startsWith('walk stopped')); i++) await sleep(50);
    expect(lines).toContain('walk stopped after 12 file(s)');
    delete process.env.COSDESK_TEST_WALK_STOP_AFTER;
    expect((await readdir(join(out, 'dl'))).length).toBe(12);

    // The next process finds the listing unfinished, lists again and queues only the rest.
    const next = new TransfersService({ dataDir, resolveAccount: async () => s.account, log });
    services.push(next);
    await next.start();
    await next.idle();
    const e = await next.engine();
    expect(e.summary()).toMatchObject({ total: 18, done: 18, failed: 0 });
    expect(new Set(e.list(0, 100).jobs.map((j) => j.batchId))).toEqual(new Set([batchId]));
    const got = (await readdir(join(out, 'dl'))).sort();
    expect(got).toEqual(keys.map((k) => k.slice(3)).sort());
    for (const [i, k] of keys.entries()) expect(await readFile(join(out, k), 'utf8')).toBe(`body ${i}`);
    await next.close();

    const third = new TransfersService({ dataDir, resolveAccount: async () => s.account, log });
    services.push(third);
    await third.start();
    await third.idle();
    expect((await third.engine()).summary().total).toBe(0);
  });
});
