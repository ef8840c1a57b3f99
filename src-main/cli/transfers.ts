import { Command } from 'commander';
import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ConflictPolicy } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { DEFAULT_SYMLINKS, notRegular, SYMLINK_CHOICES, type SymlinkChoice } from '../transfers/walk';
import type { CliContext } from './context';
import { humanSize, table } from './output';
import { openSession } from './resolve';
import { isTarget, parseTarget } from './target';

export interface CpFlags {
  recursive?: boolean;
  concurrency?: string;
  partSize?: string;
  limitRate?: string;
  onConflict?: string;
  symlinks?: string;
}

/** True when `cp` moves bytes between this machine and a bucket (the transfer engine's job). */
export function isLocalCopy(src: string, dst: string): boolean {
  return isTarget(src) !== isTarget(dst);
}

/** `cosdesk cp <local> <remote>` / `<remote> <local>` on the transfer engine and its journal. */
export async function localCopy(
  ctx: CliContext,
  srcText: string,
  dstText: string,
  o: CpFlags,
): Promise<void> {
  const upload = isTarget(dstText);
  const remote = parseTarget(upload ? dstText : srcText);
  const local = resolve(upload ? srcText : dstText);
  const s = await openSession(ctx, remote.dialect);
  const transfers = s.main.transfers;
  const engine = await transfers.engine();
  const onConflict = conflict(o.onConflict);
  const symlinks = symlinkChoice(o.symlinks);
  engine.setLimits({
    uploadBps: upload ? rate(o.limitRate) : 0,
    downloadBps: upload ? 0 : rate(o.limitRate),
    concurrency: o.concurrency ? Number(o.concurrency) : undefined,
  });
  if (o.partSize) engine.setPartSize(Number(o.partSize));
  if (upload) {
    const st = await stat(local);
    if (st.isDirectory() && !o.recursive)
      throw new AppError('VALIDATION', `"${srcText}" is a folder: copy it with cp -r.`);
    // A FIFO would hang the upload, a device (/dev/zero) never ends: only regular files go.
    if (!st.isDirectory() && !st.isFile())
      throw new AppError('VALIDATION', `${notRegular(srcText, st).replace(/, so it was skipped\.$/, '.')}`);
    // `dst/` means "into this folder"; otherwise a file lands at exactly the key given.
    const intoFolder = remote.key === '' || remote.key.endsWith('/') || st.isDirectory();
    if (intoFolder) {
      await transfers.upload({
        accountId: s.accountId,
        bucket: remote.bucket,
        region: s.region,
        paths: [local],
        prefix: remote.key,
        onConflict,
        symlinks,
      });
    } else {
      await engine.add([
        {
          kind: 'upload',
          accountId: s.accountId,
          bucket: remote.bucket,
          region: s.region,
          key: remote.key,
          // A link named on the command line is followed: the file it points to is read.
          localPath: await realpath(local),
          size: st.size,
          mtimeMs: st.mtimeMs,
          onConflict,
        },
      ]);
    }
  } else {
    const folder = remote.key === '' || remote.key.endsWith('/');
    if (folder && !o.recursive)
      throw new AppError('VALIDATION', `"${srcText}" is a folder: copy it with cp -r.`);
    const toDir =
      folder ||
      (await stat(local).then(
        (x) => x.isDirectory(),
        () => dstText.endsWith('/'),
      ));
    if (toDir) {
      const parent = remote.key.replace(/[^/]*\/?$/, '');
      await transfers.download({
        accountId: s.accountId,
        bucket: remote.bucket,
        region: s.region,
        keys: [remote.key],
        prefix: parent,
        localDir: local,
        onConflict,
      });
    } else {
      await engine.add([
        {
          kind: 'download',
          accountId: s.accountId,
          bucket: remote.bucket,
          region: s.region,
          key: remote.key,
          localPath: local,
          size: 0,
          onConflict,
        },
      ]);
    }
  }
  await waitWithProgress(ctx, transfers);
}

async function waitWithProgress(
  ctx: CliContext,
  transfers: import('../transfers/service').TransfersService,
): Promise<void> {
  const engine = await transfers.engine();
  const tty = process.stderr.isTTY && !ctx.out.json;
  const timer = tty
    ? setInterval(() => {
        const s = engine.summary();
        const pct = s.bytesTotal ? Math.floor((100 * s.bytesDone) / s.bytesTotal) : 0;
        const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
        process.stderr.write(`\r[${bar}] ${pct}%  ${s.done}/${s.total} files  ${humanSize(s.speed)}/s   `);
      }, 200)
    : undefined;
  await transfers.idle();
  if (timer) {
    clearInterval(timer);
    process.stderr.write('\n');
  }
  const s = engine.summary();
  const failed = engine.list(0, 20, 'failed').jobs;
  // What was not uploaded on purpose (links, FIFOs, devices) is said, never dropped in silence.
  const skipped = engine
    .list(0, Number.MAX_SAFE_INTEGER, 'done')
    .jobs.filter((j) => j.state === 'skipped' && j.error);
  ctx.out.print(
    [
      `Transferred ${s.done} of ${s.total} file(s), ${humanSize(s.bytesDone)}.`,
      ...skipped.map((j) => `skipped: ${j.key}: ${j.error ?? ''}`),
      ...failed.map((j) => `failed: ${j.key}: ${j.error ?? ''}`),
    ].join('\n'),
    { ok: s.failed === 0 && s.conflicts === 0, summary: s, failed, skipped },
  );
  if (s.failed > 0 || s.conflicts > 0) process.exitCode = 1;
}

export function transfersCommand(ctx: CliContext): Command {
  const cmd = new Command('transfers').description(
    'the transfer queue shared with the app (journal in the data folder)',
  );
  cmd
    .command('list')
    .description('jobs left unfinished or failed')
    .action(async () => {
      const { main } = await ctx.main();
      const engine = await main.transfers.engine();
      const { jobs } = engine.list(0, 500);
      ctx.out.print(
        jobs.length === 0
          ? 'No transfers.'
          : table([
              ['ID', 'KIND', 'STATE', 'SIZE', 'OBJECT', 'LOCAL'],
              ...jobs.map((j) => [
                j.id,
                j.kind,
                j.state,
                humanSize(j.size),
                `${j.bucket}/${j.key}`,
                j.localPath,
              ]),
            ]),
        jobs,
      );
    });
  cmd
    .command('resume')
    .description('carry on with every unfinished job and wait for it (ad-hoc accounts: give the same flags)')
    .action(async () => {
      const { main } = await ctx.main();
      const engine = await main.transfers.engine();
      const g = ctx.globals();
      let adhoc: string | undefined;
      if (g.account || g.endpoint) {
        // A CLI run's ad-hoc account lived only in that process: point its jobs at this one.
        const s = await openSession(ctx, undefined);
        engine.rebind((id) => id.startsWith('tmp-'), s.accountId);
        adhoc = s.accountId;
      }
      engine.resume();
      engine.start();
      // Folder uploads cut short mid-walk: the files they had not queued yet.
      await main.transfers.resumeWalks((id) => (adhoc && id.startsWith('tmp-') ? adhoc : id));
      await waitWithProgress(ctx, main.transfers);
    });
  cmd
    .command('cancel')
    .description('cancel jobs (all when no id is given); aborts their multipart uploads')
    .argument('[ids...]', 'job ids from `transfers list`')
    .action(async (ids: string[]) => {
      const { main } = await ctx.main();
      const engine = await main.transfers.engine();
      const n = engine.cancel(ids.length ? ids : undefined);
      await new Promise((r) => setTimeout(r, 200));
      await engine.idle();
      ctx.out.print(`Cancelled ${n} transfer(s).`, { cancelled: n });
    });
  return cmd;
}

function symlinkChoice(v: string | undefined): SymlinkChoice {
  const p = v ?? DEFAULT_SYMLINKS;
  if (!(SYMLINK_CHOICES as readonly string[]).includes(p)) {
    throw new AppError('VALIDATION', `--symlinks is follow or skip, not "${p}".`);
  }
  return p as SymlinkChoice;
}

function conflict(v: string | undefined): ConflictPolicy {
  const p = v ?? 'overwrite';
  if (!['overwrite', 'skip', 'rename'].includes(p)) {
    throw new AppError('VALIDATION', `--on-conflict is overwrite, skip or rename, not "${p}".`);
  }
  return p as ConflictPolicy;
}

/** `10M`, `512k`, `1048576` (bytes per second). */
function rate(v: string | undefined): number {
  if (!v) return 0;
  const m = /^(\d+(?:\.\d+)?)([kmg]?)i?b?$/i.exec(v.trim());
  if (!m)
    throw new AppError('VALIDATION', `--limit-rate takes bytes per second like 10M or 512k, not "${v}".`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}
