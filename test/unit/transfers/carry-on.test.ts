// `cp` run again for a transfer an earlier run left unfinished carries on with that job
// (engine.add's carryOn); anything that is not the same transfer gets a job of its own.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, type JobRecord } from '../../../src-main/transfers/journal';
import { TransferEngine, type NewJob } from '../../../src-main/transfers/engine';
import { uploadRecord } from '../../support/job-records';
import { tmpDirs } from '../../support/tmp-dirs';

const tmp = tmpDirs();
const up = uploadRecord('u1', { key: 'big.bin', localPath: '/data/big.bin', onConflict: 'ask' });
const lines = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const ask = (r: JobRecord, over: Partial<NewJob> = {}): NewJob => {
  const { id: _id, batchId: _b, ...rest } = r;
  return { ...rest, accountId: 'tmp-2', onConflict: 'overwrite', ...over };
};
const tmpAccount = (id: string) => id.startsWith('tmp-');

async function engineWith(...records: unknown[]) {
  const dir = join(tmp('cosdesk-carry-'), 'transfers');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'journal.jsonl'), lines(...records));
  // No job may actually run: every client is refused, and nothing retries.
  const e = await TransferEngine.open({
    dir,
    clientFor: () => Promise.reject(new Error('offline')),
    autoRetries: 0,
  });
  return { e, dir };
}

describe("engine.add's carryOn", () => {
  it('takes back the unfinished job for the same transfer, on the new account and answer, journaled', async () => {
    const { e, dir } = await engineWith(
      { t: 'job', job: up },
      { t: 'upload', id: 'u1', uploadId: 'U1', partSize: 10 },
      { t: 'part', id: 'u1', n: 1, etag: 'p1', size: 10 },
    );
    expect(await e.add([ask(up), ask(up, { key: 'new.bin' })], 'nb', { carryOn: tmpAccount })).toEqual([
      'u1',
      expect.not.stringMatching(/^u1$/),
    ]);
    await e.idle();
    await e.close();
    const { jobs } = await Journal.open(dir, { readOnly: true });
    expect(jobs).toHaveLength(2);
    expect(jobs[0].job).toMatchObject({
      id: 'u1',
      batchId: 'nb',
      accountId: 'tmp-2',
      onConflict: 'overwrite',
    });
    // It ran again (and failed here: nothing can be reached), as one job, not two.
    expect(jobs[0].state).toBe('failed');
  });

  it('not another transfer: other key, local file, direction, Content-Type, or account', async () => {
    const { e } = await engineWith({ t: 'job', job: up });
    const carried = async (r: NewJob, carryOn = tmpAccount) =>
      (await e.add([r], 'nb', { carryOn }))[0] === 'u1';
    expect(await carried(ask(up, { key: 'other.bin' }))).toBe(false);
    expect(await carried(ask(up, { localPath: '/data/other.bin' }))).toBe(false);
    expect(await carried(ask(up, { kind: 'download' }))).toBe(false);
    expect(await carried(ask(up, { versionId: 'v2' }))).toBe(false);
    expect(await carried(ask(up, { contentType: 'text/plain' }))).toBe(false);
    expect(await carried(ask(up, { bucket: 'other' }))).toBe(false);
    expect(await carried(ask(up), (id) => id === 'tmp-2')).toBe(false);
    // Without carryOn (the app, web mode): always a job of its own.
    expect((await e.add([ask(up)], 'nb'))[0]).not.toBe('u1');
    await e.idle();
    await e.close();
  });

  it('the same transfer twice in one page: the first takes the job, the second is a job of its own', async () => {
    const { e } = await engineWith({ t: 'job', job: up });
    const ids = await e.add([ask(up), ask(up)], 'nb', { carryOn: tmpAccount });
    expect(ids[0]).toBe('u1');
    expect(ids[1]).not.toBe('u1');
    await e.idle();
    await e.close();
  });

  it('never a finished job (done, cancelled, skipped)', async () => {
    const { e } = await engineWith({ t: 'job', job: up }, { t: 'state', id: 'u1', state: 'cancelled' });
    expect((await e.add([ask(up)], 'nb', { carryOn: tmpAccount }))[0]).not.toBe('u1');
    await e.idle();
    await e.close();
  });

  it('nor one that is already running in this process (only held, paused or failed ones)', async () => {
    const { e } = await engineWith({ t: 'job', job: up });
    e.start();
    expect((await e.add([ask(up)], 'nb', { carryOn: tmpAccount }))[0]).not.toBe('u1');
    await e.idle();
    await e.close();
  });
});
