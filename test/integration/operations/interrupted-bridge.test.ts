import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationView } from '../../../src-shared/contract';
import { AppError } from '../../../src-shared/errors';
import { JOURNAL_DIR } from '../../../src-main/operations/journal';
import { StorageClient } from '../../../src-main/storage/client';
import { mapLimit } from '../../../src-main/storage/ops/pool';
import { startMain } from '../../support/main';
import { listKeys } from '../../reliability/lib';
import { rgwEnv, s3Account, uniqueBucket } from '../storage/helpers';
import { dropBucket } from '../storage/stack';

// The page's view of interrupted operations, through the in-process bridge (the same
// validation as IPC and the websocket): an app started on a data dir whose journal holds what a
// killed process left lists them (listInterrupted), runs the rest of one (resumeInterrupted
// answers at once; operations.progress and get follow it to the end) and forgets another
// (dismissInterrupted) without touching its objects.
const env = rgwEnv();
const BUCKET = uniqueBucket('s3');
const admin = new StorageClient(s3Account(env.endpoint, env.ak, env.sk));
const dataDir = mkdtempSync(join(tmpdir(), 'cosdesk-ops-bridge-'));
const SRC = Array.from({ length: 40 }, (_, i) => `src/${String(i).padStart(2, '0')}.txt`);
const JUNK = ['junk/a.txt', 'junk/b.txt'];
let accountId = '';

const put = (key: string) =>
  admin.request({ method: 'PUT', bucket: BUCKET, key, body: `body of ${key}` }).then((r) => r.body.dump());

beforeAll(async () => {
  await (await admin.request({ method: 'PUT', bucket: BUCKET })).body.dump();
  await mapLimit([...SRC, ...JUNK], 16, put);
  // What the killed process had copied: the first 15.
  await mapLimit(SRC.slice(0, 15), 16, (k) => put(`dst/${k}`));
  // A saved account (in the data dir and the keychain), as the killed app had it.
  const first = await startMain({ dataDir });
  const view = await first.bridge.accounts.add({
    fields: {
      kind: 's3',
      name: 'interrupted ops',
      endpoint: env.endpoint,
      region: 'us-east-1',
      accessKeyId: env.ak,
      pathStyle: true,
    },
    secret: await first.main.sealer.seal({ secretKey: env.sk }),
  });
  accountId = view.id;
  await first.main.close();
  // The journal of a process that is gone, cut short in a copy and in a delete.
  const at = new Date().toISOString();
  const source = { accountId, bucket: BUCKET };
  const entry = (id: string, request: Record<string, unknown>, total: number, done: number) => ({
    id,
    request,
    kind: request.kind,
    bucket: BUCKET,
    total,
    done,
    failed: 0,
    startedAt: at,
    updatedAt: at,
  });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  mkdirSync(join(dataDir, JOURNAL_DIR), { recursive: true });
  writeFileSync(
    join(dataDir, JOURNAL_DIR, `${dead}.json`),
    JSON.stringify({
      version: 1,
      running: [
        entry(
          'copy-cut',
          {
            kind: 'copy',
            source,
            keys: ['src/'],
            target: { ...source, prefix: 'dst/' },
            conflict: 'overwrite',
          },
          40,
          15,
        ),
        entry('delete-cut', { kind: 'delete', source, keys: ['junk/'] }, 2, 0),
      ],
    }),
  );
}, 60_000);

afterAll(async () => {
  await dropBucket(env.endpoint, env.ak, env.sk, BUCKET);
  await admin.close();
});

describe('interrupted operations over the contract', () => {
  it('lists them, resumes one to the end and dismisses the other', async () => {
    const { main, bridge } = await startMain({ dataDir });
    try {
      const listed = await bridge.operations.listInterrupted({});
      expect(listed.operations.map((o) => o.id).sort()).toEqual(['copy-cut', 'delete-cut']);
      const copy = listed.operations.find((o) => o.id === 'copy-cut')!;
      expect(copy).toMatchObject({
        kind: 'copy',
        accountId,
        bucket: BUCKET,
        target: { accountId, bucket: BUCKET, prefix: 'dst/' },
        keys: ['src/'],
        keyCount: 1,
        total: 40,
        done: 15,
        summary: 'interrupted: 15 of 40 done',
      });

      const progress: OperationView[] = [];
      const off = bridge.events.on('operations.progress', (p) => progress.push(...p.operations));
      const started = await bridge.operations.resumeInterrupted({ id: 'copy-cut' });
      expect(started).toMatchObject({ kind: 'copy', bucket: BUCKET, target: { prefix: 'dst/' } });
      expect(started.id).not.toBe('copy-cut');
      // Taken off the list at once: a second Resume finds nothing.
      expect((await bridge.operations.listInterrupted({})).operations.map((o) => o.id)).toEqual([
        'delete-cut',
      ]);
      const again = await bridge.operations.resumeInterrupted({ id: 'copy-cut' }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(AppError);
      expect((again as AppError).code).toBe('NOT_FOUND');

      let end = started;
      for (let i = 0; i < 1200 && (end.state === 'listing' || end.state === 'running'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        end = await bridge.operations.get({ id: started.id });
      }
      // The rest is copied; what was there already is skipped, not copied again.
      expect(end).toMatchObject({ state: 'done', done: 25, skipped: 15, failed: 0 });
      // The hub coalesces bursts (at most one delivery per interval) and promises the last one
      // arrives: the final 'done' may be delivered a little after get() already says done, and
      // later still on a loaded machine. Wait for it rather than racing it.
      const sawDone = () => progress.some((v) => v.id === started.id && v.state === 'done');
      await expect.poll(sawDone, { timeout: 30_000 }).toBe(true);
      off();
      expect((await listKeys(admin, BUCKET, 'dst/src/')).sort()).toEqual(SRC.map((k) => `dst/${k}`));

      expect(await bridge.operations.dismissInterrupted({ id: 'delete-cut' })).toEqual({ dismissed: true });
      expect(await bridge.operations.dismissInterrupted({ id: 'delete-cut' })).toEqual({ dismissed: false });
      expect((await bridge.operations.listInterrupted({})).operations).toEqual([]);
      // Dismissed is not run: its objects are still there.
      expect((await listKeys(admin, BUCKET, 'junk/')).sort()).toEqual(JUNK);
    } finally {
      await main.close();
    }
    // Nothing is left for the next start.
    const next = await startMain({ dataDir });
    expect((await next.bridge.operations.listInterrupted({})).operations).toEqual([]);
    await next.main.close();
  }, 120_000);

  it('refuses a malformed id as the contract says', async () => {
    const { main, bridge } = await startMain();
    try {
      const e = await bridge.operations.resumeInterrupted({ id: '' }).catch((x: unknown) => x);
      expect((e as AppError).code).toBe('VALIDATION');
      expect(await bridge.operations.dismissInterrupted({ id: 'nope' })).toEqual({ dismissed: false });
    } finally {
      await main.close();
    }
  });
});
