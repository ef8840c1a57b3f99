import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferEngine } from '../../../src-main/transfers/engine';
import { DIALECTS } from '../storage/helpers';
import { downloadOf, MiB, randomFile, sha256File, transferStack, type TransferStack } from './harness';
import { restartRadosgw } from './rgw-control';

const GiB = 1024 * MiB;

/** Waits until the engine has moved `fraction` of its bytes, then restarts radosgw under it. */
async function restartWhen(e: TransferEngine, endpoint: string, fraction: number): Promise<void> {
  for (;;) {
    const s = e.summary();
    if (s.bytesTotal > 0 && s.bytesDone + sumRunning(e) >= s.bytesTotal * fraction) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await restartRadosgw(endpoint, 1500);
}

function sumRunning(e: TransferEngine): number {
  return e.list(0, 10, 'active').jobs.reduce((n, j) => n + j.transferred, 0);
}

// One 1 GiB file per direction per dialect, run one after the other (RGW keeps objects in RAM).
describe.sequential.each(DIALECTS)('1 GiB, with radosgw restarted mid-transfer (%s)', (dialect) => {
  let s: TransferStack;
  const file = () => join(s.dir, 'gib.bin');
  beforeAll(async () => {
    s = await transferStack(dialect);
    await randomFile(file(), GiB, 5);
  }, 60_000);
  afterAll(async () => {
    await rm(s.dir, { recursive: true, force: true });
    await s?.close();
  });

  it('uploads byte-identical and completes by itself across a radosgw restart', async () => {
    const st = await stat(file());
    const e = await s.engine();
    await e.add([
      {
        kind: 'upload',
        accountId: 'a',
        bucket: s.bucket,
        key: 'gib.bin',
        localPath: file(),
        size: st.size,
        mtimeMs: st.mtimeMs,
        onConflict: 'overwrite',
      },
    ]);
    await restartWhen(e, s.env.endpoint, 0.3);
    await e.idle();
    expect(e.list(0, 1).jobs[0]).toMatchObject({ state: 'done', transferred: GiB });
    expect(await s.pendingUploads()).toEqual([]);
  }, 240_000);

  it('downloads byte-identical and completes by itself across a radosgw restart', async () => {
    const back = join(s.dir, 'gib-back.bin');
    const e = await s.engine({ dir: join(s.dir, 'dl') });
    await e.add([downloadOf(s, 'gib.bin', back, GiB)]);
    await restartWhen(e, s.env.endpoint, 0.3);
    await e.idle();
    expect(e.list(0, 1).jobs[0]).toMatchObject({ state: 'done' });
    expect((await stat(back)).size).toBe(GiB);
    expect(await sha256File(back)).toBe(await sha256File(file()));
    await rm(back);
    await (await s.client.request({ method: 'DELETE', bucket: s.bucket, key: 'gib.bin' })).body.dump();
  }, 240_000);
});
