import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_DIR } from '../../../src-main/operations/journal';
import { OperationsService } from '../../../src-main/operations/service';
import { StorageClient } from '../../../src-main/storage/client';
import { mapLimit } from '../../../src-main/storage/ops/pool';
import { StorageService } from '../../../src-main/storage/service';
import { list } from '../../../src-main/storage/xml';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { rgwEnv, s3Account, uniqueBucket } from '../storage/helpers';
import { dropBucket } from '../storage/stack';

// Running bulk operations are journaled in the data dir. A second service reading the same
// data dir (the same process id, as a restarted app's files of a dead process are read) while
// the first is mid-way stands for the app started again after a kill -9: it
// lists the operation as "interrupted: N of M done" and runs the rest on request. A proxy
// holds every multi-delete after the first for a few seconds, so "mid-way" lasts.
const env = rgwEnv();
const BUCKET = uniqueBucket('s3');
const admin = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));
const dataDir = mkdtempSync(join(tmpdir(), 'cosdesk-ops-journal-'));
let proxy: FaultProxy;
let storage: StorageService;

const journal = () => {
  try {
    return JSON.parse(readFileSync(join(dataDir, JOURNAL_DIR, `${process.pid}.json`), 'utf8')) as {
      running: { id: string; done: number; total: number }[];
    };
  } catch {
    return { running: [] };
  }
};

beforeAll(async () => {
  await (await admin.request({ method: 'PUT', bucket: BUCKET })).body.dump();
  const keys = Array.from({ length: 300 }, (_, i) => `j/${String(i).padStart(3, '0')}.txt`);
  await mapLimit(keys, 16, async (key) =>
    (await admin.request({ method: 'PUT', bucket: BUCKET, key, body: 'x' })).body.dump(),
  );
  proxy = await startFaultProxy(env.endpoint);
  storage = new StorageService({ resolveAccount: async () => s3Account(proxy.url, env.ak, env.sk) });
}, 60_000);
afterAll(async () => {
  await storage?.close();
  await proxy?.close();
  await dropBucket(env.endpoint, env.ak, env.sk, BUCKET);
  await admin.close();
});

describe('bulk operations are journaled', () => {
  it('an operation cut short is listed as "interrupted: N of M done" and resume runs the rest', async () => {
    proxy.add({ kind: 'stall', method: 'POST', path: /[?&]delete/, skip: 1, count: Infinity, seconds: 5 });
    const first = new OperationsService({ storage, dataDir, tuning: { deleteBatch: 50 } });
    let id = '';
    const running = first.run(
      { kind: 'delete', source: { accountId: 'a', bucket: BUCKET }, keys: ['j/'] },
      (v) => {
        id = v.id;
      },
    );
    // The first batch is deleted and its count journaled; the others are held by the proxy.
    for (let i = 0; i < 400 && !journal().running.some((e) => e.done > 0); i++)
      await new Promise((r) => setTimeout(r, 25));
    const again = new OperationsService({ storage, dataDir, tuning: { deleteBatch: 50 } });
    const cut = await again.interrupted();
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ id, kind: 'delete', bucket: BUCKET, done: 50 });
    expect(cut[0].summary).toMatch(/^interrupted: 50 of \d+ done$/);
    // The first "process" is gone: here, stopped.
    proxy.clear();
    await first.cancel({ id });
    await running;
    const rest = await again.resume(id);
    expect(rest).toMatchObject({ state: 'done', failed: 0 });
    const left = await admin.requestXml({ method: 'GET', bucket: BUCKET, query: { prefix: 'j/' } });
    expect(list(left.doc['ListBucketResult'], 'Contents')).toEqual([]);
    expect(await again.interrupted()).toEqual([]);
    // Nothing is left in the journal for the next start.
    expect(await new OperationsService({ storage, dataDir }).interrupted()).toEqual([]);
    expect(journal().running).toEqual([]);
  }, 90_000);

  it("reads only the journals of processes no longer running: another CLI's running ones are not interrupted", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosdesk-ops-journal-'));
    mkdirSync(join(dir, JOURNAL_DIR));
    const entry = (id: string) => ({
      id,
      request: { kind: 'delete', source: { accountId: 'a', bucket: BUCKET }, keys: ['x/'] },
      kind: 'delete',
      bucket: BUCKET,
      total: 10,
      done: 4,
      failed: 0,
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(
      join(dir, JOURNAL_DIR, `${dead}.json`),
      JSON.stringify({ version: 1, running: [entry('dead')] }),
    );
    writeFileSync(
      join(dir, JOURNAL_DIR, `${process.ppid}.json`),
      JSON.stringify({ version: 1, running: [entry('alive')] }),
    );
    const ops = new OperationsService({ storage, dataDir: dir });
    const cut = await ops.interrupted();
    expect(cut.map((e) => [e.id, e.summary])).toEqual([['dead', 'interrupted: 4 of 10 done']]);
    // Taken over: the dead process's file is gone, the running one's is left alone.
    expect(readdirSync(join(dir, JOURNAL_DIR)).sort()).toEqual(
      [`${process.pid}.json`, `${process.ppid}.json`].sort(),
    );
  });
});
