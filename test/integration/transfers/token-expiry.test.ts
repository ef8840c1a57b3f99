import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageClient } from '../../../src-main/storage/client';
import { getFederationToken } from '../../conformance/helpers';
import { cosAccount } from '../storage/helpers';
import { MiB, randomFile, sha256File, transferStack, type TransferStack } from './harness';

// A temporary key that runs out mid-upload pauses the job (it does not fail it), and the job
// finishes once fresh keys are given. The COS gateway's STS issues keys with a short life.
describe('transfers with a temporary key that expires (cos)', () => {
  let s: TransferStack;
  beforeAll(async () => {
    s = await transferStack('cos');
  });
  afterAll(async () => {
    await s?.close();
  });

  async function tempClient(seconds: number): Promise<StorageClient> {
    const { Response: r } = await getFederationToken(s.gateway!, s.env.ak, s.env.sk, {
      Name: 'expiry-test',
      DurationSeconds: seconds,
    });
    expect(r.Error).toBeUndefined();
    const base = cosAccount(s.gateway!.port, r.Credentials.TmpSecretId, r.Credentials.TmpSecretKey);
    const account: ResolvedAccount = {
      ...base,
      secret: { ...base.secret, sessionToken: r.Credentials.Token },
    };
    return new StorageClient(account, { maxAttempts: 1 });
  }

  it('pauses with a clear reason when the token expires, and completes with fresh keys', async () => {
    const src = join(s.dir, 'slow.bin');
    await randomFile(src, 24 * MiB, 11);
    let client = await tempClient(3);
    const e = await s.engine({ clientFor: async () => client, partSize: 8 * MiB, threshold: 8 * MiB });
    // Slow enough that the 3-second token runs out between parts.
    e.setLimits({ uploadBps: 4 * MiB, downloadBps: 0 });
    const st = await stat(src);
    await e.add([
      {
        kind: 'upload',
        accountId: 'temp',
        bucket: s.bucket,
        key: 'expiring/slow.bin',
        localPath: src,
        size: st.size,
        mtimeMs: st.mtimeMs,
        onConflict: 'overwrite',
      },
    ]);
    await expect.poll(() => e.list(0, 1).jobs[0]?.state, { timeout: 30_000, interval: 200 }).toBe('paused');
    const [paused] = e.list(0, 1).jobs;
    expect(paused.error).toMatch(/temporary key has expired/);
    // It stays paused: no automatic retry turns it into a failure.
    await new Promise((r) => setTimeout(r, 2500));
    expect(e.list(0, 1).jobs[0].state).toBe('paused');

    client = await tempClient(600);
    e.setLimits({ uploadBps: 0, downloadBps: 0 });
    e.resume();
    await e.idle();
    expect(e.list(0, 1).jobs[0]).toMatchObject({ state: 'done', transferred: st.size });

    const back = join(s.dir, 'back.bin');
    await e.add([
      {
        kind: 'download',
        accountId: 'temp',
        bucket: s.bucket,
        key: 'expiring/slow.bin',
        localPath: back,
        size: st.size,
        onConflict: 'overwrite',
      },
    ]);
    await e.idle();
    expect(await sha256File(back)).toBe(await sha256File(src));
    expect(await s.pendingUploads()).toEqual([]);
  }, 90_000);
});
