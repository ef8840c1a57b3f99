import { Command, InvalidArgumentError } from 'commander';
import type { PendingUpload } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { plural } from './batch';
import type { CliContext } from './context';
import { humanSize, localTime, table } from './output';
import { bucketTarget, openSession, uri, type Session } from './resolve';
import type { Target } from './target';

/** `cosdesk uploads ls|abort`: unfinished multipart uploads, ours or other tools'. */
export function uploadsCommand(ctx: CliContext): Command {
  const cmd = new Command('uploads').description(
    'unfinished multipart uploads (left by an interrupted upload or another tool): list or abort them',
  );

  cmd
    .command('ls')
    .description('list unfinished multipart uploads in a bucket, or under a prefix')
    .argument('<target>', 'cos://<bucket>[/<prefix>] or s3://<bucket>[/<prefix>]')
    .option('--older-than <age>', 'only uploads begun longer ago than this (30m, 12h, 1d, 2w)', age)
    .option('--bytes', 'exact sizes in bytes')
    .action(async (text: string, o: { olderThan?: number; bytes?: boolean }) => {
      const t = bucketTarget(text);
      const s = await openSession(ctx, t.dialect);
      const uploads = filterAge(await list(s, t), o.olderThan);
      const where = uri(t.dialect, t.bucket, t.key);
      const rows = [
        ['INITIATED', 'PARTS', 'SIZE', 'KEY', 'UPLOAD ID'],
        ...uploads.map((u) => [
          localTime(u.initiated),
          u.parts === undefined ? '?' : String(u.parts),
          u.bytes === undefined ? '?' : o.bytes ? String(u.bytes) : humanSize(u.bytes),
          u.key,
          u.uploadId,
        ]),
      ];
      ctx.out.print(
        uploads.length
          ? `${table(rows)}\n${plural(uploads.length, 'unfinished upload')}.`
          : `No unfinished uploads under ${where}.`,
        { ok: true, bucket: t.bucket, prefix: t.key, uploads },
      );
    });

  cmd
    .command('abort')
    .description(
      'abort unfinished multipart uploads, throwing away their parts: one by --upload-id, or --all under the target',
    )
    .argument('<target>', 'cos://<bucket>[/<prefix>] or s3://<bucket>[/<prefix>]')
    .option('--upload-id <id>', 'the upload to abort (from cosdesk uploads ls)')
    .option('--all', 'every unfinished upload under the target')
    .option('--older-than <age>', 'with --all: only uploads begun longer ago than this (30m, 12h, 1d)', age)
    .action(async (text: string, o: { uploadId?: string; all?: boolean; olderThan?: number }) => {
      const t = bucketTarget(text);
      const where = uri(t.dialect, t.bucket, t.key);
      if (!o.uploadId && !o.all) {
        throw new AppError(
          'VALIDATION',
          `Say which uploads to abort: --upload-id <id> (see cosdesk uploads ls ${where}) or --all for every one under ${where}.`,
        );
      }
      if (o.uploadId && o.all)
        throw new AppError('VALIDATION', 'Give either --upload-id or --all, not both.');
      const s = await openSession(ctx, t.dialect);
      let picked = filterAge(await list(s, t), o.olderThan);
      if (o.uploadId) {
        picked = picked.filter((u) => u.uploadId === o.uploadId);
        if (picked.length === 0) {
          throw new AppError(
            'VALIDATION',
            `No unfinished upload with the id "${o.uploadId}" under ${where}${o.olderThan ? ' older than that' : ''}: list them with cosdesk uploads ls ${where}.`,
          );
        }
      }
      if (picked.length === 0) {
        ctx.out.print(`No unfinished uploads under ${where}; nothing to abort.`, {
          ok: true,
          aborted: [],
          errors: [],
        });
        return;
      }
      const r = await s.bridge.storage.abortUploads({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        uploads: picked.map((u) => ({ key: u.key, uploadId: u.uploadId })),
      });
      const summary = `Aborted ${r.aborted.length} of ${plural(picked.length, 'upload')}.`;
      const ok = r.errors.length === 0;
      ctx.out.print(summary, {
        ok,
        ...r,
        ...(ok ? {} : { error: { code: 'STORAGE', message: `${r.errors.length} could not be aborted` } }),
      });
      for (const e of r.errors)
        process.stderr.write(
          `cosdesk: ${e.key} (upload ${e.uploadId}): ${e.message.replace(/\s*\n\s*/g, ' ')}\n`,
        );
      if (!ok) process.exitCode = 1;
    });

  return cmd;
}

async function list(s: Session, t: Target): Promise<PendingUpload[]> {
  const { uploads } = await s.bridge.storage.listUploads({
    accountId: s.accountId,
    bucket: t.bucket,
    region: s.region,
    prefix: t.key,
  });
  return uploads;
}

/** Uploads begun more than `ms` ago; one with no readable time is left out (it is not provably old). */
function filterAge(uploads: PendingUpload[], ms: number | undefined): PendingUpload[] {
  if (ms === undefined) return uploads;
  const cutoff = Date.now() - ms;
  return uploads.filter((u) => {
    const at = Date.parse(u.initiated ?? '');
    return Number.isFinite(at) && at < cutoff;
  });
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `12h`, `1d`, `2w` (a bare number is days) in milliseconds. */
export function age(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError('an age such as 30m, 12h, 1d or 2w.');
  return Number(m[1]) * UNITS[(m[2] || 'd').toLowerCase()];
}
