import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPool } from '../../../src-main/transfers/workers/pool';
import { MiB, randomFile, sha256File, transferStack, type TransferStack } from './harness';

// Hashing runs in worker threads (src-main/transfers/workers): a worker killed mid-job fails
// the job it served with a clear reason, is replaced, and the queue goes on.
describe('transfers with a hashing worker killed mid-job (s3)', () => {
  let s: TransferStack;
  beforeAll(async () => {
    s = await transferStack('s3');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('fails the download it served, then a retry with a fresh worker succeeds', async () => {
    const src = join(s.dir, 'k.bin');
    const size = 12 * MiB;
    await randomFile(src, size, 3);
    const e = await s.engine({ partSize: 5 * MiB, threshold: 5 * MiB });
    const st = await stat(src);
    await e.add([
      {
        kind: 'upload',
        accountId: 'a',
        bucket: s.bucket,
        key: 'k.bin',
        localPath: src,
        size: st.size,
        mtimeMs: st.mtimeMs,
        onConflict: 'overwrite',
      },
    ]);
    await e.idle();
    expect(e.list(0, 10).jobs[0].state).toBe('done');

    // The first chunk that arrives is handed to a worker to hash: that worker dies right then.
    const pool = hashPool();
    const hashFile = pool.hashFile.bind(pool);
    let killed = 0;
    pool.hashFile = (...args) => {
      const task = hashFile(...args);
      if (killed++ === 0) for (const w of pool.workers()) void w.terminate();
      return task;
    };
    const dst = join(s.dir, 'out', 'k.bin');
    try {
      await e.add([
        {
          kind: 'download',
          accountId: 'a',
          bucket: s.bucket,
          key: 'k.bin',
          localPath: dst,
          size: 0,
          onConflict: 'overwrite',
        },
      ]);
      await e.idle();
    } finally {
      pool.hashFile = hashFile;
    }
    const job = () => e.list(0, 10).jobs[1];
    expect(killed).toBeGreaterThan(0);
    expect(job().state).toBe('failed');
    expect(job().error).toMatch(/hashing worker stopped unexpectedly .*retry it/);

    expect(e.retry([job().id])).toBe(1);
    await e.idle();
    expect(job().state).toBe('done');
    expect(await sha256File(dst)).toBe(await sha256File(src));
  }, 120_000);
});
