import { Command } from 'commander';
import type { CliContext } from './context';
import { localTime, table } from './output';
import { bucketTarget, keyTarget, openSession } from './resolve';

/**
 * `cosdesk versions ls|restore|rm|undelete|status|enable|suspend`: an object's versions and
 * delete markers, and a bucket's versioning, over the same `versions` contract as the app.
 */
export function versionsCommand(ctx: CliContext): Command {
  const cmd = new Command('versions').description("an object's versions and a bucket's versioning");

  cmd
    .command('ls')
    .description('list the versions and delete markers of an object, newest first')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .action(async (text: string) => {
      const t = keyTarget(text);
      const s = await openSession(ctx, t.dialect);
      const r = await s.bridge.versions.objectVersions({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        key: t.key,
      });
      const rows = r.versions.map((v) => [
        v.versionId,
        v.deleteMarker ? '(delete marker)' : String(v.size ?? 0),
        localTime(v.lastModified),
        v.isLatest ? 'latest' : '',
      ]);
      const human =
        rows.length === 0
          ? `No versions of ${text}.`
          : table([['VERSION', 'SIZE', 'MODIFIED', ''], ...rows]) +
            (r.truncated ? '\n(only the newest 10,000 versions are listed)' : '');
      ctx.out.print(human, r);
    });

  cmd
    .command('restore')
    .description('make a version the current one again (a server-side copy of it onto the key)')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .argument('<version-id>', 'the version to restore (see `versions ls`)')
    .action(async (text: string, versionId: string) => {
      const t = keyTarget(text);
      const s = await openSession(ctx, t.dialect);
      const r = await s.bridge.versions.restore({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        key: t.key,
        versionId,
      });
      ctx.out.print(
        `Restored version ${versionId} of ${text}${r.versionId ? ` as version ${r.versionId}` : ''}.`,
        r,
      );
    });

  cmd
    .command('rm')
    .description('delete one version (or delete marker) for good')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .argument('<version-id>', 'the version to delete (see `versions ls`)')
    .action(async (text: string, versionId: string) => {
      const t = keyTarget(text);
      const s = await openSession(ctx, t.dialect);
      const r = await s.bridge.versions.deleteVersion({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        key: t.key,
        versionId,
      });
      ctx.out.print(
        `Deleted ${r.deleteMarker ? 'the delete marker' : 'version'} ${versionId} of ${text} for good.`,
        r,
      );
    });

  cmd
    .command('undelete')
    .description('bring a deleted object back (remove the delete markers on top of it)')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .action(async (text: string) => {
      const t = keyTarget(text);
      const s = await openSession(ctx, t.dialect);
      const r = await s.bridge.versions.undelete({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        key: t.key,
      });
      ctx.out.print(`${text} is back (version ${r.versionId}).`, r);
    });

  for (const [name, status, what] of [
    ['status', undefined, "print a bucket's versioning: Off, Enabled or Suspended"],
    ['enable', 'Enabled', 'turn versioning on for a bucket'],
    ['suspend', 'Suspended', 'suspend versioning for a bucket (it cannot be turned off once on)'],
  ] as const) {
    cmd
      .command(name)
      .description(what)
      .argument('<bucket>', 'cos://<bucket> or s3://<bucket>')
      .action(async (text: string) => {
        const t = bucketTarget(text);
        const s = await openSession(ctx, t.dialect);
        const ref = { accountId: s.accountId, bucket: t.bucket, region: s.region };
        const r = status
          ? await s.bridge.versions.setVersioning({ ...ref, status })
          : await s.bridge.versions.getVersioning(ref);
        ctx.out.print(`Versioning of ${t.bucket}: ${r.status}`, r);
      });
  }
  return cmd;
}
