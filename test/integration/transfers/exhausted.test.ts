import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../storage/helpers';
import { MiB, randomFile } from './harness';
import { initiateStack, type InitiateStack } from './initiate-proxy';

// Issue 10 §5: when part retries run out the job is failed and its multipart upload is
// aborted, not left behind (the abort on a final failure is the engine's: TransferEngine.cleanUp).
describe.each(DIALECTS)('part retries exhausted (%s)', (dialect) => {
  let s: InitiateStack;
  beforeAll(async () => {
    s = await initiateStack(dialect);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('every part PUT answered 500: the job fails with a reason and no upload is left', async () => {
    const key = 'always-500.bin';
    const file = join(s.dir, 'always-500.src');
    await randomFile(file, 6 * MiB, 5);
    const st = await stat(file);
    s.proxy.partStatus = 500;
    try {
      const e = await s.engine({ autoRetries: 0 });
      const [id] = await e.add([
        {
          kind: 'upload',
          accountId: 'a',
          bucket: s.bucket,
          key,
          localPath: file,
          size: st.size,
          mtimeMs: st.mtimeMs,
          onConflict: 'overwrite',
        },
      ]);
      await e.idle();
      const job = e.get(id)!;
      expect(job.state).toBe('failed');
      expect(job.error).toBeTruthy();
      expect(s.proxy.partPuts).toBeGreaterThan(1);
    } finally {
      s.proxy.partStatus = undefined;
    }
    expect((await s.pendingUploads()).filter((u) => u.key === key)).toEqual([]);
  }, 180_000);
});
