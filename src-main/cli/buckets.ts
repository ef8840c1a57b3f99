import { Command } from 'commander';
import { AppError } from '../../src-shared/errors';
import { emptyAndDeleteBucket } from './bucket-settings';
import type { CliContext } from './context';
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
    .option(
      '--force',
      'delete every object, old version, delete marker and unfinished upload in the bucket, then the bucket',
    )
    .action(async (text: string, o: { force?: boolean }) => {
      const t = onlyBucket(text);
      const s = await openSession(ctx, t.dialect);
      // The same job as `bucket rm --force` and the app's empty-and-delete: every version,
      // delete marker and unfinished upload goes, so a versioned bucket can be removed too.
      if (o.force) return emptyAndDeleteBucket(ctx, s, t);
      try {
        await s.bridge.storage.deleteBucket({ accountId: s.accountId, bucket: t.bucket, region: s.region });
      } catch (err) {
        if (storageCodeOf(err) !== 'BucketNotEmpty') throw err;
        const name = uri(t.dialect, t.bucket);
        throw new AppError(
          'STORAGE',
          `The bucket "${t.bucket}" is not empty (objects, old versions or unfinished uploads). Empty it first with cosdesk rb --force ${name}, which deletes everything in it, then the bucket.`,
          (err as AppError).details,
        );
      }
      ctx.out.print(`Deleted bucket ${uri(t.dialect, t.bucket)}.`, {
        ok: true,
        bucket: t.bucket,
        deleted: 0,
      });
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
