import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src-main/storage/errors';
import { headObject } from '../../../src-main/storage/ops/objects';
import type { TransferEngine } from '../../../src-main/transfers/engine';
import { DIALECTS } from '../storage/helpers';
import { MiB, randomFile, sha256File, transferStack, type TransferStack } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls (bounded) until `cond` holds; fails the test with `what` otherwise. */
async function until(what: string, cond: () => boolean | Promise<boolean>, tries = 1200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function objectMissing(s: TransferStack, key: string): Promise<boolean> {
  try {
    await headObject(s.client, { bucket: s.bucket }, key);
    return false;
  } catch (e) {
    if (e instanceof StorageError && e.status === 404) return true;
    throw e;
  }
}

async function upload(e: TransferEngine, s: TransferStack, path: string, key: string): Promise<string> {
  const st = await stat(path);
  const [id] = await e.add([
    {
      kind: 'upload',
      accountId: 'a',
      bucket: s.bucket,
      key,
      localPath: path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      onConflict: 'overwrite',
    },
  ]);
  return id;
}

describe.each(DIALECTS)('local files (%s)', (dialect) => {
  let s: TransferStack;
  beforeAll(async () => {
    s = await transferStack(dialect);
  });
  afterAll(async () => {
    await s?.close();
  });

  // A file rewritten while a throttled upload reads it: the job fails with the reason, and
  // neither a torn object nor a completed multipart upload is left at the key.
  it.each([
    { how: 'a single PUT', size: 3 * MiB, threshold: 16 * MiB },
    { how: 'a multipart upload', size: 12 * MiB, threshold: 5 * MiB },
  ])(
    'a file rewritten during $how fails that job and leaves no torn object',
    async ({ how, size, threshold }) => {
      const path = join(s.dir, `rewritten-${size}.bin`);
      const key = `changed/${how.replace(/ /g, '-')}.bin`;
      await randomFile(path, size, 21);
      const e = await s.engine({ dir: join(s.dir, `data-changed-${size}`), threshold, partSize: 5 * MiB });
      e.setLimits({ uploadBps: 1 * MiB, downloadBps: 0 });
      const id = await upload(e, s, path, key);
      await until('the first bytes to go out', () => (e.get(id)?.transferred ?? 0) >= MiB / 2);
      // Same size, other bytes: only the mtime (and the content) tell.
      await randomFile(path, size, 22);
      await e.idle();
      const job = e.get(id)!;
      expect(job.state).toBe('failed');
      // The engine names the job first ("Upload of … to … failed: "), then the reason.
      expect(job.error).toMatch(/^Upload of .* failed: /);
      expect(job.error).toContain(
        `${path} changed while it was being uploaded; upload it again when nothing is writing to it.`,
      );
      expect(await objectMissing(s, key)).toBe(true);
      expect((await s.pendingUploads()).filter((u) => u.key === key)).toEqual([]);
      // Once nothing writes to it, Retry uploads the file as it is now.
      e.setLimits({ uploadBps: 0, downloadBps: 0 });
      e.retry([id]);
      await e.idle();
      expect(e.get(id)!.state).toBe('done');
      const back = join(s.dir, `back-${size}.bin`);
      await e.add([
        {
          kind: 'download',
          accountId: 'a',
          bucket: s.bucket,
          key,
          localPath: back,
          size: 0,
          onConflict: 'overwrite',
        },
      ]);
      await e.idle();
      expect(await sha256File(back)).toBe(await sha256File(path));
    },
  );

  it('a download part file is 0600 while it fills, and the finished file has the normal mode', async () => {
    const src = join(s.dir, 'mode.bin');
    await randomFile(src, 2 * MiB, 5);
    const e = await s.engine({ dir: join(s.dir, 'data-mode') });
    await upload(e, s, src, 'mode.bin');
    await e.idle();
    const out = join(s.dir, 'mode-out');
    await mkdir(out);
    e.setLimits({ uploadBps: 0, downloadBps: 512 * 1024 });
    const [id] = await e.add([
      {
        kind: 'download',
        accountId: 'a',
        bucket: s.bucket,
        key: 'mode.bin',
        localPath: join(out, 'mode.bin'),
        size: 0,
        onConflict: 'overwrite',
      },
    ]);
    const part = join(out, 'mode.bin.cosdesk-part');
    await until('the part file', async () => (await stat(part).catch(() => undefined)) !== undefined);
    expect((await stat(part)).mode & 0o777).toBe(0o600);
    await e.idle();
    expect(e.get(id)!.state).toBe('done');
    const umask = process.umask();
    expect((await stat(join(out, 'mode.bin'))).mode & 0o777).toBe(0o666 & ~umask);
    expect(await sha256File(join(out, 'mode.bin'))).toBe(await sha256File(src));
  });

  describe('a full disk (a 2 MiB tmpfs)', () => {
    const mnt = () => join(s.dir, `tmpfs-${dialect}`);
    beforeAll(() => {
      mkdirSync(mnt(), { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt()]);
    });
    afterAll(() => {
      execFileSync('umount', [mnt()]);
    });

    it.each([
      { how: 'one GET', threshold: 16 * MiB },
      { how: 'ranged GETs', threshold: 5 * MiB },
    ])(
      'ENOSPC in $how: the job fails saying so, and no .cosdesk-part is left',
      async ({ how, threshold }) => {
        const src = join(s.dir, 'six.bin');
        if (!(await stat(src).catch(() => undefined))) await randomFile(src, 6 * MiB, 6);
        const e = await s.engine({
          dir: join(s.dir, `data-full-${threshold}`),
          threshold,
          partSize: 5 * MiB,
        });
        await upload(e, s, src, 'six.bin');
        await e.idle();
        const dest = join(mnt(), how.replace(/ /g, '-'), 'six.bin');
        const [id] = await e.add([
          {
            kind: 'download',
            accountId: 'a',
            bucket: s.bucket,
            key: 'six.bin',
            localPath: dest,
            size: 0,
            onConflict: 'overwrite',
          },
        ]);
        await e.idle();
        const job = e.get(id)!;
        expect(job.state).toBe('failed');
        expect(job.error).toMatch(
          /^Download of .* failed: The disk is full: there was no room to save .*six\.bin\. Free some space/,
        );
        expect(job.error).toMatch(/The partial file was removed\.$/);
        expect(await readdir(join(mnt(), how.replace(/ /g, '-')))).toEqual([]);
        expect(readdirSync(mnt()).length).toBeGreaterThan(0);
      },
    );
  });

  describe('a read-only disk (a read-only tmpfs)', () => {
    const mnt = () => join(s.dir, `rofs-${dialect}`);
    beforeAll(() => {
      mkdirSync(mnt(), { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mnt()]);
    });
    afterAll(() => {
      execFileSync('umount', [mnt()]);
    });

    it('EROFS: the job fails at once saying the folder is read-only', async () => {
      const src = join(s.dir, 'small-ro.txt');
      await writeFile(src, 'read-only target');
      const e = await s.engine({ dir: join(s.dir, 'data-rofs') });
      await upload(e, s, src, 'small-ro.txt');
      await e.idle();
      const [id] = await e.add([
        {
          kind: 'download',
          accountId: 'a',
          bucket: s.bucket,
          key: 'small-ro.txt',
          localPath: join(mnt(), 'small-ro.txt'),
          size: 0,
          onConflict: 'overwrite',
        },
      ]);
      await e.idle();
      expect(e.get(id)).toMatchObject({
        state: 'failed',
        error: expect.stringContaining(
          `failed: ${mnt()} is on a read-only disk: choose another folder to download to. The partial file was removed.`,
        ),
      });
    });
  });

  it('a FIFO or a device queued as a file is skipped with the reason, never read', async () => {
    const fifo = join(s.dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const e = await s.engine({ dir: join(s.dir, 'data-special') });
    const ids = await e.add(
      [fifo, '/dev/zero'].map((p, i) => ({
        kind: 'upload' as const,
        accountId: 'a',
        bucket: s.bucket,
        key: `special/${i}`,
        localPath: p,
        size: 0,
        onConflict: 'overwrite' as const,
      })),
    );
    await e.idle();
    expect(e.get(ids[0])).toMatchObject({
      state: 'skipped',
      error: `${fifo} is a FIFO (named pipe), not a regular file: only regular files are uploaded, so it was skipped.`,
    });
    expect(e.get(ids[1])).toMatchObject({
      state: 'skipped',
      error:
        '/dev/zero is a character device, not a regular file: only regular files are uploaded, so it was skipped.',
    });
    expect(await objectMissing(s, 'special/0')).toBe(true);
    expect(await objectMissing(s, 'special/1')).toBe(true);
  });

  it('a regular file whose stat size is 0 is read for 0 bytes, not to its end', async () => {
    // /proc files say size 0 and then produce bytes: never more than the stat size is read.
    const e = await s.engine({ dir: join(s.dir, 'data-proc') });
    const [id] = await e.add([
      {
        kind: 'upload',
        accountId: 'a',
        bucket: s.bucket,
        key: 'proc-status',
        localPath: '/proc/self/status',
        size: 0,
        onConflict: 'overwrite',
      },
    ]);
    await e.idle();
    expect(e.get(id)!.state).toBe('done');
    expect((await headObject(s.client, { bucket: s.bucket }, 'proc-status')).size).toBe(0);
  });
});
