import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TransferEngine } from '../../../src-main/transfers/engine';
import { DIALECTS } from '../storage/helpers';
import { MiB, randomFile, sha256File, transferStack, type TransferStack } from './harness';

const errorXml = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;
const isPart = (n: number) => (method: string, url: string) =>
  method === 'PUT' && new RegExp(`[?&]partNumber=${n}(&|$)`).test(url);

// A job ends done, failed (with a reason), cancelled or skipped; retries are bounded and
// visible; a job that finally fails leaves no multipart upload behind.
describe.each(DIALECTS)('transfer outcomes (%s)', (dialect) => {
  let s: TransferStack;
  let src: string;
  let size: number;
  let mtimeMs: number;
  beforeAll(async () => {
    s = await transferStack(dialect, { proxy: true });
    src = join(s.dir, 'three-parts.bin');
    await randomFile(src, 12 * MiB + 17, 5);
    ({ size, mtimeMs } = await stat(src));
  });
  afterAll(async () => {
    await s?.close();
  });
  afterEach(() => {
    s.proxy!.stats.respond = undefined;
    delete process.env.COSDESK_MAX_ATTEMPTS;
  });

  const upload = (e: TransferEngine, key: string) =>
    e.add([
      {
        kind: 'upload',
        accountId: 'a',
        bucket: s.bucket,
        key,
        localPath: src,
        size,
        mtimeMs,
        onConflict: 'overwrite',
      },
    ]);

  it('a part refused with 403 fails the job at once, says why, and aborts the multipart upload', async () => {
    const e = await s.engine({ threshold: 5 * MiB, partSize: 5 * MiB, autoRetries: 3, retryDelayMs: 50 });
    s.proxy!.stats.answered = 0;
    s.proxy!.stats.respond = (m, u) =>
      isPart(2)(m, u) ? { status: 403, body: errorXml('AccessDenied') } : undefined;
    const [id] = await upload(e, 'refused.bin');
    await e.idle();
    const job = e.get(id)!;
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/access denied.*permissions/i);
    expect(job.verified).toBeUndefined();
    // Not worth retrying: one request for part 2, no automatic retry.
    expect(s.proxy!.stats.answered).toBe(1);
    expect(await s.pendingUploads()).toEqual([]);
    expect(e.summary()).toMatchObject({ failed: 1 });

    // Retry (the button): a fresh upload that completes byte-identical.
    s.proxy!.stats.respond = undefined;
    expect(e.retry([id])).toBe(1);
    await e.idle();
    expect(e.get(id)!.state).toBe('done');
    expect(await s.pendingUploads()).toEqual([]);
    const back = join(s.dir, 'refused-back.bin');
    await e.add([
      {
        kind: 'download',
        accountId: 'a',
        bucket: s.bucket,
        key: 'refused.bin',
        localPath: back,
        size: 0,
        onConflict: 'overwrite',
      },
    ]);
    await e.idle();
    expect(await sha256File(back)).toBe(await sha256File(src));
  });

  it('a part that keeps failing with 503: retries are visible and keep the engine busy, then the job fails', async () => {
    process.env.COSDESK_MAX_ATTEMPTS = '1';
    const e = await s.engine({ threshold: 5 * MiB, partSize: 5 * MiB, autoRetries: 2, retryDelayMs: 400 });
    s.proxy!.stats.respond = (m, u) =>
      isPart(3)(m, u) ? { status: 503, body: errorXml('ServiceUnavailable') } : undefined;
    const [id] = await upload(e, 'unavailable.bin');
    let settled = false;
    const idle = e.idle().then(() => (settled = true));
    let note: string | undefined;
    for (let i = 0; i < 400 && !note; i++) {
      const j = e.get(id)!;
      if (j.state === 'queued' && j.note) note = j.note;
      else await new Promise((r) => setTimeout(r, 10));
    }
    expect(note).toMatch(/^retry 1 of 2 in \d+ s: /);
    expect(e.get(id)!.retryAt).toBeGreaterThan(0);
    expect(settled).toBe(false);
    await idle;
    const job = e.get(id)!;
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/kept failing.*3 attempts/);
    expect(job.note).toBeUndefined();
    expect(await s.pendingUploads()).toEqual([]);
  });

  it('cancelling a job that waits for a retry ends it: cancelled, not counted done, nothing left', async () => {
    process.env.COSDESK_MAX_ATTEMPTS = '1';
    const e = await s.engine({ threshold: 5 * MiB, partSize: 5 * MiB, autoRetries: 5, retryDelayMs: 60_000 });
    s.proxy!.stats.respond = (m, u) =>
      isPart(1)(m, u) ? { status: 500, body: errorXml('InternalError') } : undefined;
    const [id] = await upload(e, 'cancelled.bin');
    for (let i = 0; i < 400 && !e.get(id)!.note; i++) await new Promise((r) => setTimeout(r, 10));
    expect(e.get(id)!.note).toMatch(/^retry 1 of 5/);
    const summary = e.summary((j) => j.id === id);
    expect(summary).toMatchObject({ queued: 1, done: 0 });
    expect(e.cancel([id])).toBe(1);
    await e.idle();
    expect(e.get(id)!.state).toBe('cancelled');
    expect(e.summary((j) => j.id === id)).toMatchObject({ done: 0, queued: 0 });
    expect(await s.pendingUploads()).toEqual([]);
  });
});
