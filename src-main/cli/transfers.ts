import { Command } from 'commander';
import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { contentTypeValue, type ConflictPolicy, type TransferJob } from '../../src-shared/contract';
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
  contentType?: string;
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
  const transfers = s.main.transfersHere();
  const engine = await transfers.engine();
  // The settings' conflict default, unless it is "ask" (nobody to ask here) or a flag says otherwise.
  const saved = s.main.settings.current().conflictDefault;
  const onConflict = conflict(o.onConflict ?? (saved === 'ask' ? undefined : saved));
  const symlinks = symlinkChoice(o.symlinks);
  const contentType = contentTypeFlag(o.contentType, upload);
  // Flags win; what they leave out follows the settings (applied when the engine opened).
  const now = engine.limits();
  engine.setLimits({
    uploadBps: upload && o.limitRate !== undefined ? rate(o.limitRate) : now.uploadBps,
    downloadBps: !upload && o.limitRate !== undefined ? rate(o.limitRate) : now.downloadBps,
    concurrency: o.concurrency ? Number(o.concurrency) : undefined,
  });
  if (o.partSize) engine.setPartSize(Number(o.partSize));
  // This run's jobs only: what other runs left in the journal waits for `transfers resume`,
  // except an unfinished job for exactly a file asked for now: `add`'s carryOn takes it into
  // this run's batch. An ad-hoc account lives only in its process: an earlier run's is any
  // `tmp-` one.
  const batches: string[] = [];
  const carryOn = (id: string) =>
    id === s.accountId || (s.accountId.startsWith('tmp-') && id.startsWith('tmp-'));
  const single = async (job: import('../transfers/engine').NewJob) => {
    const batchId = engine.newBatchId();
    batches.push(batchId);
    await engine.add([job], batchId, { carryOn });
  };
  if (upload) {
    const st = await stat(local).catch((e: NodeJS.ErrnoException) => {
      throw new AppError(
        'VALIDATION',
        e.code === 'ENOENT'
          ? `"${srcText}" does not exist: check the path.`
          : `Cannot read "${srcText}" (${e.code ?? e.message}): check the path and its permissions.`,
      );
    });
    if (st.isDirectory() && !o.recursive)
      throw new AppError('VALIDATION', `"${srcText}" is a folder: copy it with cp -r.`);
    // A FIFO would hang the upload, a device (/dev/zero) never ends: only regular files go.
    if (!st.isDirectory() && !st.isFile())
      throw new AppError('VALIDATION', `${notRegular(srcText, st).replace(/, so it was skipped\.$/, '.')}`);
    // `dst/` means "into this folder"; otherwise a file lands at exactly the key given.
    const intoFolder = remote.key === '' || remote.key.endsWith('/') || st.isDirectory();
    if (intoFolder) {
      const { batchId } = await transfers.upload(
        {
          accountId: s.accountId,
          bucket: remote.bucket,
          region: s.region,
          paths: [local],
          prefix: remote.key,
          onConflict,
          symlinks,
          contentType,
        },
        { carryOn },
      );
      batches.push(batchId);
    } else {
      await single({
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
        contentType,
      });
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
      const { batchId } = await transfers.download(
        {
          accountId: s.accountId,
          bucket: remote.bucket,
          region: s.region,
          keys: [remote.key],
          prefix: parent,
          localDir: local,
          onConflict,
        },
        { carryOn },
      );
      batches.push(batchId);
    } else {
      await single({
        kind: 'download',
        accountId: s.accountId,
        bucket: remote.bucket,
        region: s.region,
        key: remote.key,
        localPath: local,
        size: 0,
        onConflict,
      });
    }
  }
  await waitWithProgress(ctx, transfers, (j) => batches.includes(j.batchId), {
    queueing: () => batches.flatMap((b) => transfers.queueingFailures(b)),
  });
}

/** `--content-type`: checked like the app's field; it means something for uploads only. */
function contentTypeFlag(value: string | undefined, upload: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (!upload)
    throw new AppError(
      'VALIDATION',
      '--content-type applies to uploads: a download keeps the file as it is. Leave it out.',
    );
  const r = contentTypeValue.safeParse(value.trim());
  if (!r.success)
    throw new AppError(
      'VALIDATION',
      `"${value}" is not a Content-Type: write type/subtype, like image/png or "text/plain; charset=utf-8".`,
    );
  return r.data;
}

/**
 * Waits until the jobs `mine` picks have ended (automatic retries included), then reports
 * each of them: the exit code is 1 when any failed or waits in a conflict.
 */
async function waitWithProgress(
  ctx: CliContext,
  transfers: import('../transfers/service').TransfersService,
  mine: (j: TransferJob) => boolean,
  o: {
    /** Why some of the files could not even be queued (a failed folder walk or listing). */
    queueing?: () => string[];
    /** What to answer for jobs that wait in a conflict (`transfers resume --on-conflict`). */
    onConflict?: 'overwrite' | 'skip' | 'rename';
  } = {},
): Promise<void> {
  const engine = await transfers.engine();
  warnDamage(engine);
  const tty = process.stderr.isTTY && !ctx.out.json;
  const timer = tty
    ? setInterval(() => {
        const s = engine.summary(mine);
        const pct = s.bytesTotal ? Math.floor((100 * s.bytesDone) / s.bytesTotal) : 0;
        const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
        process.stderr.write(`\r[${bar}] ${pct}%  ${s.done}/${s.total} files  ${humanSize(s.speed)}/s   `);
      }, 200)
    : undefined;
  await transfers.idle();
  // Conflicts answered by the flag run again; bounded, as each answer ends a conflict for good.
  for (let round = 0; o.onConflict && round < 3; round++) {
    const waiting = engine
      .list(0, Number.MAX_SAFE_INTEGER, 'active')
      .jobs.filter((j) => j.state === 'conflict' && mine(j));
    if (waiting.length === 0) break;
    for (const j of waiting) engine.resolveConflict(j.id, o.onConflict, false);
    await transfers.idle();
  }
  if (timer) {
    clearInterval(timer);
    process.stderr.write('\n');
  }
  report(ctx, engine, mine, o.queueing?.() ?? []);
}

/** One line per job that did not end well, a summary line, and the per-job outcomes for --json. */
function report(
  ctx: CliContext,
  engine: import('../transfers/engine').TransferEngine,
  mine: (j: TransferJob) => boolean,
  queueing: string[],
): void {
  const s = engine.summary(mine);
  const jobs = engine.list(0, Number.MAX_SAFE_INTEGER).jobs.filter(mine);
  const count = (st: TransferJob['state']) => jobs.filter((j) => j.state === st).length;
  const done = jobs.filter((j) => j.state === 'done');
  const sizeOnly = done.filter((j) => j.verified === 'size-only').length;
  const verified = done.filter((j) => j.verified !== undefined && j.verified !== 'size-only').length;
  const bad = jobs.filter((j) => j.state !== 'done' && j.state !== 'skipped');
  const lines: string[] = queueing.map((q) => `failed: not every file could be queued: ${q}`);
  for (const j of bad.slice(0, 50)) {
    const what =
      j.kind === 'upload'
        ? `${j.localPath} -> ${j.bucket}/${j.key}`
        : `${j.bucket}/${j.key} -> ${j.localPath}`;
    const why =
      j.state === 'conflict'
        ? 'the destination exists and nobody chose what to do: answer in the app, or run cosdesk transfers resume --on-conflict overwrite|skip|rename.'
        : (j.error ?? j.note ?? '');
    // A failure's reason names the file and the object itself.
    lines.push(j.error ? `${j.state}: ${j.error}` : `${j.state}: ${what}${why ? `: ${why}` : ''}`);
  }
  if (bad.length > 50)
    lines.push(`… and ${bad.length - 50} more not transferred (see cosdesk transfers list).`);
  // What was not uploaded on purpose (links, FIFOs, devices) is said, never dropped in silence.
  const skipped = jobs.filter((j) => j.state === 'skipped' && j.error);
  for (const j of skipped.slice(0, 50)) lines.push(`skipped: ${j.key}: ${j.error ?? ''}`);
  if (skipped.length > 50) lines.push(`… and ${skipped.length - 50} more skipped.`);
  const parts = [`Transferred ${done.length} of ${jobs.length} file(s), ${humanSize(s.bytesDone)}`];
  if (verified > 0 || sizeOnly > 0) {
    parts.push(
      sizeOnly > 0
        ? `${verified} verified by checksum, ${sizeOnly} size-checked only (no checksum could be checked)`
        : `${verified} verified by checksum`,
    );
  }
  for (const st of ['skipped', 'failed', 'conflict', 'cancelled', 'paused'] as const) {
    const n = count(st);
    if (n > 0) parts.push(`${n} ${st}`);
  }
  lines.push(parts.join('; ') + '.');
  const failed = jobs.filter((j) => j.state === 'failed');
  const ok = queueing.length === 0 && jobs.every((j) => j.state === 'done' || j.state === 'skipped');
  ctx.out.print(lines.join('\n'), {
    ok,
    summary: s,
    jobs: jobs.map((j) => ({
      id: j.id,
      kind: j.kind,
      bucket: j.bucket,
      key: j.key,
      localPath: j.localPath,
      size: j.size,
      state: j.state,
      error: j.error,
      verified: j.verified,
    })),
    failed,
    skipped,
    ...(queueing.length > 0 ? { queueing } : {}),
    ...(engine.damage.skipped > 0 ? { journalDamage: engine.damage } : {}),
  });
  if (!ok) process.exitCode = 1;
}

/** The journal had lines that could not be read: say so once, on stderr, however the output goes. */
function warnDamage(engine: { damage: { skipped: number; backup?: string } }): void {
  const d = engine.damage;
  if (d.skipped === 0) return;
  process.stderr.write(
    `cosdesk: warning: the transfer journal had ${d.skipped} damaged line(s); they were skipped, so some jobs may be missing from the queue.${d.backup ? ` The damaged file was kept as ${d.backup}.` : ''}\n`,
  );
}

export function transfersCommand(ctx: CliContext): Command {
  const cmd = new Command('transfers').description(
    'the transfer queue shared with the app (journal in the data folder)',
  );
  cmd
    .command('list')
    .description('jobs in the journal: unfinished, failed, and finished since it was last tidied (read-only)')
    .action(async () => {
      const { main } = await ctx.main();
      // Read-only: listing never rewrites the journal another process may be appending to.
      const engine = await main.transfersHere().snapshot();
      warnDamage(engine);
      const { jobs } = engine.list(0, 100_000);
      ctx.out.print(
        jobs.length === 0
          ? 'No transfers.'
          : table([
              ['ID', 'KIND', 'STATE', 'CHECKED', 'SIZE', 'OBJECT', 'LOCAL', 'REASON'],
              ...jobs.map((j) => [
                j.id,
                j.kind,
                j.state,
                j.state === 'done' ? checkedLabel(j.verified) : '',
                humanSize(j.size),
                `${j.bucket}/${j.key}`,
                j.localPath,
                j.error ?? j.note ?? '',
              ]),
            ]),
        jobs,
      );
      await engine.close();
    });
  cmd
    .command('resume')
    .description('carry on with every unfinished job and wait for it (ad-hoc accounts: give the same flags)')
    .option('--concurrency <n>', 'requests in flight at once')
    .option('--limit-rate <bytes/s>', 'bandwidth cap in each direction, like 10M or 512k')
    .option(
      '--on-conflict <policy>',
      'answer for jobs waiting on an existing destination: overwrite, skip or rename',
    )
    .action(async (o: { concurrency?: string; limitRate?: string; onConflict?: string }) => {
      const answer = o.onConflict === undefined ? undefined : conflict(o.onConflict);
      const { main } = await ctx.main();
      const engine = await main.transfersHere().engine();
      const now = engine.limits();
      engine.setLimits({
        uploadBps: o.limitRate !== undefined ? rate(o.limitRate) : now.uploadBps,
        downloadBps: o.limitRate !== undefined ? rate(o.limitRate) : now.downloadBps,
        concurrency: o.concurrency ? Number(o.concurrency) : undefined,
      });
      const g = ctx.globals();
      let adhoc: string | undefined;
      if (g.account || g.endpoint) {
        // A CLI run's ad-hoc account lived only in that process: point its jobs at this one.
        const s = await openSession(ctx, undefined);
        engine.rebind((id) => id.startsWith('tmp-'), s.accountId);
        adhoc = s.accountId;
      }
      const ids = new Set(engine.unfinished());
      engine.resume();
      engine.start();
      // Folder uploads cut short mid-walk: the files they had not queued yet.
      const walks = new Set(
        await main.transfersHere().resumeWalks((id) => (adhoc && id.startsWith('tmp-') ? adhoc : id)),
      );
      await waitWithProgress(ctx, main.transfersHere(), (j) => ids.has(j.id) || walks.has(j.batchId), {
        onConflict: answer as 'overwrite' | 'skip' | 'rename' | undefined,
      });
    });
  cmd
    .command('cancel')
    .description('cancel jobs (all when no id is given); aborts their multipart uploads')
    .argument('[ids...]', 'job ids from `transfers list`')
    .action(async (ids: string[]) => {
      const { main } = await ctx.main();
      const engine = await main.transfersHere().engine();
      const unknown = ids.filter((id) => !engine.get(id));
      if (unknown.length > 0) {
        throw new AppError(
          'NOT_FOUND',
          `No such transfer: ${unknown.join(', ')}. See the ids with cosdesk transfers list.`,
        );
      }
      const n = engine.cancel(ids.length ? ids : undefined);
      // Their uploads are aborted and partial files removed before this returns.
      await engine.idle();
      ctx.out.print(`Cancelled ${n} transfer(s).`, { cancelled: n });
    });
  return cmd;
}

/** How a done job's bytes were checked, as `transfers list` shows it. */
function checkedLabel(v: TransferJob['verified']): string {
  if (v === undefined) return 'unknown';
  return v === 'size-only' ? 'size only' : v;
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
