import { Command } from 'commander';
import { AppError } from '../../src-shared/errors';
import { plural, reportBatch } from './batch';
import type { CliContext } from './context';
import { deleteAll } from './objects';
import { bucketTarget, openSession, storageCodeOf, uri } from './resolve';
import type { Target } from './target';

/** Bucket commands: mb, rb. */
export function bucketCommands(ctx: CliContext): Command[] {
  const mb = new Command('mb')
    .description('create a bucket (in --region, or the account’s region)')
    .argument('<target>', 'cos://<bucket> or s3://<bucket>')
    .action(async (text: string) => {
      const t = onlyBucket(text);
      const s = await openSession(ctx, t.dialect);
      const made = await s.bridge.storage.createBucket({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
      });
      ctx.out.print(
        `Created bucket ${uri(t.dialect, made.bucket)}${made.region ? ` in ${made.region}` : ''}.`,
        {
          ok: true,
          ...made,
        },
      );
    });

  const rb = new Command('rb')
    .description('delete a bucket; it must be empty, or give --force to delete everything in it first')
    .argument('<target>', 'cos://<bucket> or s3://<bucket>')
    .option('--force', 'delete every object in the bucket, then the bucket')
    .action(async (text: string, o: { force?: boolean }) => {
      const t = onlyBucket(text);
      const s = await openSession(ctx, t.dialect);
      let deleted = 0;
      if (o.force) {
        const r = await deleteAll(s, t.bucket, '');
        deleted = r.done.length;
        if (r.errors.length) {
          reportBatch(ctx.out, r, `Deleted ${plural(deleted)}; the bucket is kept.`, 'deleted', {
            bucket: t.bucket,
            deleted,
          });
          return;
        }
      }
      try {
        await s.bridge.storage.deleteBucket({ accountId: s.accountId, bucket: t.bucket, region: s.region });
      } catch (err) {
        if (storageCodeOf(err) !== 'BucketNotEmpty') throw err;
        const name = uri(t.dialect, t.bucket);
        throw new AppError(
          'STORAGE',
          o.force
            ? `The bucket "${t.bucket}" is still not empty (unfinished uploads, or files added meanwhile). Try again, or remove them first.`
            : `The bucket "${t.bucket}" is not empty. Empty it first (cosdesk rm -r ${name}), or use cosdesk rb --force ${name} to delete everything in it and then the bucket.`,
          (err as AppError).details,
        );
      }
      ctx.out.print(
        o.force
          ? `Deleted ${plural(deleted)} and the bucket ${uri(t.dialect, t.bucket)}.`
          : `Deleted bucket ${uri(t.dialect, t.bucket)}.`,
        { ok: true, bucket: t.bucket, deleted },
      );
    });

  return [mb, rb];
}

function onlyBucket(text: string): Target {
  const t = bucketTarget(text);
  if (t.key !== '') {
    throw new AppError(
      'VALIDATION',
      `"${text}" names an object; this command takes a bucket: ${t.dialect}://${t.bucket}`,
    );
  }
  return t;
}
