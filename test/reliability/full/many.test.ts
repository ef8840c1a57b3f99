import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransfersService } from '../../../src-main/transfers/service';
import { DIALECTS } from '../../integration/storage/helpers';
import { transferStack, type TransferStack } from '../../integration/transfers/harness';
import { record } from '../lib';

// In the reliability run only (npm run test:reliability): on a busy 2-core CI machine the COS
// round trip took longer than any sane test timeout.

const COUNT = Number(process.env.TRANSFER_MANY ?? 10_000);
const body = (i: number) => `file ${i} `.repeat(1 + (i % 7));

describe.each(DIALECTS)('10,000 small files (%s)', (dialect) => {
  let s: TransferStack;
  let svc: TransfersService;
  beforeAll(async () => {
    s = await transferStack(dialect);
    svc = new TransfersService({
      dataDir: join(s.dir, 'svc'),
      resolveAccount: async () => s.account,
      concurrency: 16,
    });
  });
  afterAll(async () => {
    await svc?.close();
    await s?.close();
  });

  it('go up and come back down byte-identical, relative paths kept', async () => {
    const root = join(s.dir, 'many');
    for (let d = 0; d < 10; d++) await mkdir(join(root, `d${d}`), { recursive: true });
    for (let i = 0; i < COUNT; i++) await writeFile(join(root, `d${i % 10}`, `f${i}.txt`), body(i));
    await svc.upload({
      accountId: 'x',
      bucket: s.bucket,
      paths: [root],
      prefix: 'up',
      onConflict: 'overwrite',
    });
    await svc.idle();
    const e = await svc.engine();
    expect(e.summary()).toMatchObject({ total: COUNT, done: COUNT, failed: 0 });

    const out = join(s.dir, 'back');
    await svc.download({
      accountId: 'x',
      bucket: s.bucket,
      keys: ['up/many/'],
      prefix: 'up/',
      localDir: out,
      onConflict: 'overwrite',
    });
    await svc.idle();
    expect(e.summary()).toMatchObject({ total: 2 * COUNT, done: 2 * COUNT, failed: 0 });
    let verified = 0;
    let lost = 0;
    const wrong: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const got = await readFile(join(out, 'many', `d${i % 10}`, `f${i}.txt`), 'utf8').catch(() => undefined);
      if (got === body(i)) verified += Buffer.byteLength(got);
      else lost += Buffer.byteLength(body(i));
      if (got !== body(i)) wrong.push(`f${i}.txt: ${got === undefined ? 'missing' : 'different bytes'}`);
    }
    record({
      suite: 'many',
      dialect,
      name: `${COUNT} small files up and down`,
      seed: 0,
      faults: {},
      kills: 0,
      bytesVerified: verified,
      bytesLost: lost,
      wrongExit: false,
      failedReported: 0,
      exitCodes: [],
      problems: wrong.slice(0, 20),
    });
    expect(wrong).toEqual([]);
  }, 900_000);
});
