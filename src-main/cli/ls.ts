import { Command, InvalidArgumentError } from 'commander';
import type { BucketSummary, ListObjectsPage, ObjectSummary } from '../../src-shared/contract';
import type { CliContext } from './context';
import { listPage, listPages, type ListQuery } from './listing';
import { humanSize, localTime, table } from './output';
import { openSession, type Session } from './resolve';
import { parseTarget, type Target } from './target';

const TIME_WIDTH = 'YYYY-MM-DD HH:MM:SS'.length;

export function lsCommand(ctx: CliContext): Command {
  return new Command('ls')
    .description(
      'list buckets (no target, or cos:// / s3://), a folder (cos://bucket/prefix/), or with -r every key under a prefix',
    )
    .argument('[target]', 'cos://<bucket>/<prefix> or s3://<bucket>/<prefix>')
    .option('-r, --recursive', 'every key under the prefix, with full keys')
    .option('--bytes', 'exact sizes in bytes')
    .option('--page-size <n>', 'keys asked for per request (1-1000)', pageSize, 1000)
    .action(
      async (text: string | undefined, o: { recursive?: boolean; bytes?: boolean; pageSize: number }) => {
        const target = text === undefined ? undefined : parseTarget(text);
        const s = await openSession(ctx, target?.dialect);
        if (!target?.bucket) return listBuckets(ctx, s);
        return listObjects(ctx, s, target, {
          recursive: o.recursive === true,
          bytes: o.bytes === true,
          maxKeys: o.pageSize,
        });
      },
    );
}

function pageSize(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('a whole number from 1 to 1000.');
  return n;
}

async function listBuckets(ctx: CliContext, s: Session): Promise<void> {
  const buckets: BucketSummary[] = await s.bridge.storage.listBuckets({ accountId: s.accountId });
  const withRegion = buckets.some((b) => b.region);
  const rows = buckets.map((b) => [
    localTime(b.createdAt).padEnd(TIME_WIDTH),
    ...(withRegion ? [b.region ?? ''] : []),
    b.name,
  ]);
  ctx.out.print(buckets.length ? table(rows) : 'No buckets.', { ok: true, buckets });
}

interface ListFlags {
  recursive: boolean;
  bytes: boolean;
  maxKeys: number;
}

async function listObjects(ctx: CliContext, s: Session, t: Target, { recursive, bytes, maxKeys }: ListFlags) {
  let q: ListQuery = { bucket: t.bucket, prefix: t.key, delimiter: recursive ? undefined : '/', maxKeys };
  // Names are shown relative to this folder (full keys with -r).
  let base = recursive ? '' : t.key;
  let first: ListObjectsPage | undefined;
  if (!recursive && t.key !== '' && !t.key.endsWith('/')) {
    // `ls s3://b/photos` means the folder photos/ when there is one; otherwise what starts with "photos".
    const asFolder = { ...q, prefix: t.key + '/' };
    first = await listPage(s, asFolder);
    if (first.objects.length || first.prefixes.length) {
      q = asFolder;
      base = asFolder.prefix;
    } else {
      first = undefined;
      base = t.key.slice(0, t.key.lastIndexOf('/') + 1);
    }
  }

  const prefixes: string[] = [];
  const objects: ObjectSummary[] = [];
  const sizeWidth = bytes ? 14 : 10;
  for await (const page of listPages(s, q, first)) {
    // The folder's own marker object (`photos/` when listing photos/) is the folder itself.
    const objs = recursive ? page.objects : page.objects.filter((o) => o.key !== q.prefix);
    if (ctx.out.json) {
      prefixes.push(...page.prefixes);
      objects.push(...objs);
      continue;
    }
    const lines = [
      ...page.prefixes.map(
        (p) => `${'DIR'.padEnd(TIME_WIDTH)}  ${''.padStart(sizeWidth)}  ${p.slice(base.length)}`,
      ),
      ...objs.map(
        (o) =>
          `${localTime(o.lastModified).padEnd(TIME_WIDTH)}  ${(bytes ? String(o.size) : humanSize(o.size)).padStart(sizeWidth)}  ${o.key.slice(base.length)}`,
      ),
    ];
    if (lines.length) ctx.out.write(lines.join('\n'));
  }
  if (ctx.out.json) ctx.out.print('', { ok: true, bucket: t.bucket, prefix: q.prefix, prefixes, objects });
}
