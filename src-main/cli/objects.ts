import { Command } from 'commander';
import type { BatchResult, ObjectProperties, OperationView } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { addBatch, emptyBatch, plural, reportBatch } from './batch';
import type { CliContext } from './context';
import { listPage, listPages } from './listing';
import { humanSize, localTime, table } from './output';
import {
  asFolder,
  bucketTarget,
  destinationKey,
  isNotFound,
  keyTarget,
  openSession,
  uri,
  type Session,
} from './resolve';
import type { Target } from './target';
import { isLocalCopy, localCopy, type CpFlags } from './transfers';

/** Object commands: rm, mkdir, mv, cp, stat. */
export function objectCommands(ctx: CliContext): Command[] {
  const rm = new Command('rm')
    .description('delete an object; with -r a folder and everything under it')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .option('-r, --recursive', 'delete the folder <key>/ and everything under it')
    .action(async (text: string, o: { recursive?: boolean }) => {
      const t = o.recursive ? bucketTarget(text) : keyTarget(text);
      const s = await openSession(ctx, t.dialect);
      if (!o.recursive) {
        if (t.key.endsWith('/')) {
          throw new AppError('VALIDATION', `"${text}" is a folder: delete it with rm -r.`);
        }
        // Deleting a missing key succeeds on the server: say so instead of "deleted 1".
        await mustBeObject(s, t, 'rm -r');
      }
      const prefix = o.recursive ? asFolder(t.key) : t.key;
      if (o.recursive) {
        const v = await deleteWithProgress(ctx, s, t.bucket, prefix);
        reportBatch(
          ctx.out,
          { done: [], errors: v.errors },
          `Deleted ${plural(v.done)}.`,
          'deleted',
          { bucket: t.bucket, key: prefix, deleted: v.done },
          v.done,
        );
        return;
      }
      const r = await deleteKeys(s, t.bucket, [prefix]);
      reportBatch(ctx.out, r, `Deleted ${plural(r.done.length)}.`, 'deleted', {
        bucket: t.bucket,
        key: prefix,
        deleted: r.done.length,
      });
    });

  const mkdir = new Command('mkdir')
    .description('create a folder')
    .argument('<target>', 'cos://<bucket>/<folder> or s3://<bucket>/<folder>')
    .action(async (text: string) => {
      const t = keyTarget(text, 'a folder');
      const s = await openSession(ctx, t.dialect);
      const { key } = await s.bridge.storage.createFolder({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        key: asFolder(t.key),
      });
      ctx.out.print(`Created folder ${uri(t.dialect, t.bucket, key)}`, { ok: true, bucket: t.bucket, key });
    });

  const mv = new Command('mv')
    .description(
      'rename or move an object or a folder; a destination ending in "/" means into that folder, keeping the name',
    )
    .argument('<src>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .argument('<dst>', 'same account: cos://<bucket>/<key> or s3://<bucket>/<folder>/')
    .action(async (srcText: string, dstText: string) => {
      const { src, dst } = pair(srcText, dstText);
      const s = await openSession(ctx, src.dialect);
      const key = src.key.endsWith('/') ? src.key : await objectOrFolder(s, src);
      const toKey = destinationKey(key, dst.key);
      checkNotSelf(src, dst, key, toKey, 'move');
      const r = await s.bridge.storage.moveObject({
        accountId: s.accountId,
        bucket: src.bucket,
        region: s.region,
        key,
        toBucket: dst.bucket === src.bucket ? undefined : dst.bucket,
        toKey,
      });
      const to = uri(dst.dialect, dst.bucket, toKey);
      reportBatch(ctx.out, r, `Moved ${plural(r.done.length)} to ${to}`, 'moved', {
        bucket: src.bucket,
        key,
        toBucket: dst.bucket,
        toKey,
      });
    });

  const cp = new Command('cp')
    .description(
      'copy an object (or with -r a folder) within the account; a destination ending in "/" keeps the name',
    )
    .argument('<src>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .argument('<dst>', 'same account: cos://<bucket>/<key> or s3://<bucket>/<folder>/')
    .option('-r, --recursive', 'copy the folder <key>/ and everything under it')
    .option('--concurrency <n>', 'local <-> remote: requests in flight (default 8)')
    .option('--part-size <bytes>', 'local <-> remote: multipart part size (default 8 MiB)')
    .option('--limit-rate <rate>', 'local <-> remote: bytes per second, e.g. 10M')
    .option(
      '--content-type <type>',
      'upload: store every file with this Content-Type (default: from each file name, application/octet-stream when unknown)',
    )
    .option('--on-conflict <what>', 'local <-> remote: overwrite, skip or rename (default overwrite)')
    .option(
      '--symlinks <what>',
      'upload with -r: follow or skip symbolic links inside the folder (default skip; each one skipped is reported)',
    )
    .action(async (srcText: string, dstText: string, o: CpFlags) => {
      // A local path on either side: the transfer engine moves the bytes.
      if (isLocalCopy(srcText, dstText)) return localCopy(ctx, srcText, dstText, o);
      if (o.contentType !== undefined)
        throw new AppError(
          'VALIDATION',
          "--content-type applies to uploads: a copy within the account keeps the source object's Content-Type. Leave it out.",
        );
      const { src, dst } = pair(srcText, dstText, o.recursive === true);
      const s = await openSession(ctx, src.dialect);
      let r: BatchResult;
      let key = src.key;
      let toKey: string;
      if (o.recursive) {
        key = asFolder(src.key);
        toKey = destinationKey(key, dst.key);
        checkNotSelf(src, dst, key, toKey, 'copy');
        // A folder is the service's job (as in the app); a whole bucket is copied here, page by page.
        r =
          key === ''
            ? await copyFolder(s, src.bucket, key, dst.bucket, toKey)
            : await s.bridge.storage.copyObject({
                accountId: s.accountId,
                bucket: src.bucket,
                region: s.region,
                key,
                toBucket: dst.bucket === src.bucket ? undefined : dst.bucket,
                toKey,
              });
        if (r.done.length === 0 && r.errors.length === 0) {
          throw new AppError(
            'STORAGE',
            `There is nothing under ${uri(src.dialect, src.bucket, key)} to copy.`,
            {
              storageCode: 'NoSuchKey',
            },
          );
        }
      } else {
        if (src.key.endsWith('/'))
          throw new AppError('VALIDATION', `"${srcText}" is a folder: copy it with cp -r.`);
        await mustBeObject(s, src, 'cp -r');
        toKey = destinationKey(key, dst.key);
        checkNotSelf(src, dst, key, toKey, 'copy');
        r = await s.bridge.storage.copyObject({
          accountId: s.accountId,
          bucket: src.bucket,
          region: s.region,
          key,
          toBucket: dst.bucket === src.bucket ? undefined : dst.bucket,
          toKey,
        });
      }
      const to = uri(dst.dialect, dst.bucket, toKey);
      reportBatch(ctx.out, r, `Copied ${plural(r.done.length)} to ${to}`, 'copied', {
        bucket: src.bucket,
        key,
        toBucket: dst.bucket,
        toKey,
      });
    });

  const stat = new Command('stat')
    .description('show the properties of an object: size, ETag, CRC64, content type, storage class, metadata')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .action(async (text: string) => {
      const t = keyTarget(text);
      const s = await openSession(ctx, t.dialect);
      const p = await s.bridge.storage.headObject({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        key: t.key,
      });
      ctx.out.print(describeObject(t, p), { ok: true, bucket: t.bucket, object: p });
    });

  return [rm, mkdir, mv, cp, stat];
}

function describeObject(t: Target, p: ObjectProperties): string {
  const rows: string[][] = [
    ['Object:', uri(t.dialect, t.bucket, p.key)],
    ['Size:', `${humanSize(p.size)} (${p.size} bytes)`],
  ];
  if (p.etag) rows.push(['ETag:', p.etag]);
  if (p.crc64) rows.push(['CRC64:', p.crc64]);
  if (p.contentType) rows.push(['Content type:', p.contentType]);
  if (p.storageClass) rows.push(['Storage class:', p.storageClass]);
  if (p.lastModified) rows.push(['Last modified:', localTime(p.lastModified)]);
  const meta = Object.entries(p.metadata);
  if (meta.length === 0) rows.push(['Metadata:', '(none)']);
  meta.forEach(([k, v], i) => rows.push([i === 0 ? 'Metadata:' : '', `${k}: ${v}`]));
  return table(rows);
}

/** Two remote targets of one account (so one scheme). */
function pair(srcText: string, dstText: string, srcMayBeRoot = false): { src: Target; dst: Target } {
  const src = srcMayBeRoot ? bucketTarget(srcText) : keyTarget(srcText);
  const dst = bucketTarget(dstText);
  if (src.dialect !== dst.dialect) {
    throw new AppError(
      'VALIDATION',
      `"${srcText}" and "${dstText}" use different schemes: both must be in the same account (${src.dialect}://).`,
    );
  }
  return { src, dst };
}

function checkNotSelf(src: Target, dst: Target, key: string, toKey: string, verb: string): void {
  if (src.bucket !== dst.bucket) return;
  if (toKey === key)
    throw new AppError('VALIDATION', `The source and the destination are the same: nothing to ${verb}.`);
  if (key === '' || (key.endsWith('/') && toKey.startsWith(key))) {
    throw new AppError('VALIDATION', `Cannot ${verb} a folder into itself.`);
  }
}

/** Fails with the server's not-found message, or a hint when the name is a folder. */
async function mustBeObject(s: Session, t: Target, folderCommand: string): Promise<void> {
  if ((await objectOrFolder(s, t)).endsWith('/')) {
    throw new AppError(
      'VALIDATION',
      `${uri(t.dialect, t.bucket, t.key)} is a folder: use ${folderCommand} ${uri(t.dialect, t.bucket, t.key + '/')}.`,
    );
  }
}

/** The key itself when such an object exists; `key/` when only a folder of that name does. */
async function objectOrFolder(s: Session, t: Target): Promise<string> {
  try {
    await s.bridge.storage.headObject({
      accountId: s.accountId,
      bucket: t.bucket,
      region: s.region,
      key: t.key,
    });
    return t.key;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const folder = await listPage(s, { bucket: t.bucket, prefix: t.key + '/', maxKeys: 1 });
    if (folder.objects.length || folder.prefixes.length) return t.key + '/';
    throw err;
  }
}

function deleteKeys(s: Session, bucket: string, keys: string[]): Promise<BatchResult> {
  return s.bridge.storage.deleteObjects({ accountId: s.accountId, bucket, region: s.region, keys });
}

/**
 * Deletes every key under a folder prefix (ending in '/'), or with '' every key of the bucket.
 * Page by page, with the keys listed (deleting what was listed does not disturb the next
 * page's marker): a huge folder makes progress at once, and the count is of real objects.
 */
/**
 * `rm -r`: main's delete operation (multi-delete batches in parallel while the folder is
 * listed), with its count on stderr as it goes (one line per step, or one line rewritten on a
 * terminal; nothing with --json) and the true count at the end.
 */
async function deleteWithProgress(
  ctx: CliContext,
  s: Session,
  bucket: string,
  prefix: string,
): Promise<OperationView> {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  const v = await s.main.operations.run(
    { kind: 'delete', source: { accountId: s.accountId, bucket, region: s.region }, keys: [prefix] },
    (p) => {
      if (ctx.out.json || p.done === last || (p.state !== 'running' && p.state !== 'listing')) return;
      last = p.done;
      const line = `Deleting: ${p.done.toLocaleString('en')} of ${p.total.toLocaleString('en')}${p.state === 'listing' ? '+' : ''} deleted`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
  );
  if (tty && last >= 0 && !ctx.out.json) process.stderr.write('\n');
  if (v.state === 'failed') throw new AppError('STORAGE', v.message ?? 'The delete stopped.');
  return v;
}

/** Copies every key under `prefix` ('' for the whole bucket) to `toPrefix`, a page at a time, 8 at once. */
async function copyFolder(
  s: Session,
  bucket: string,
  prefix: string,
  toBucket: string,
  toPrefix: string,
): Promise<BatchResult> {
  const total = emptyBatch();
  for await (const page of listPages(s, { bucket, prefix })) {
    await forEachLimit(page.objects, 8, async (o) => {
      const toKey = toPrefix + o.key.slice(prefix.length);
      try {
        addBatch(
          total,
          await s.bridge.storage.copyObject({
            accountId: s.accountId,
            bucket,
            region: s.region,
            key: o.key,
            toBucket: toBucket === bucket ? undefined : toBucket,
            toKey,
          }),
        );
      } catch (err) {
        if (err instanceof AppError && err.code === 'NETWORK') throw err;
        total.errors.push({
          key: o.key,
          code: err instanceof AppError ? String(err.details?.storageCode ?? err.code) : 'INTERNAL',
          message: err instanceof Error ? err.message : String(err),
        });
      }
    });
  }
  return total;
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
