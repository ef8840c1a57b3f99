import { Command } from 'commander';
import type {
  BatchResult,
  ObjectProperties,
  OperationView,
  StartOperationRequest,
} from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { plural, reportBatch } from './batch';
import type { CliContext } from './context';
import { listPage } from './listing';
import { humanSize, localTime, table } from './output';
import {
  asFolder,
  baseName,
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
      if (key.endsWith('/')) {
        // A folder: main's move operation, journaled (ops interrupted / resume after a crash).
        const v = await copyOrMoveWithProgress(ctx, s, 'move', src, key, dst, toKey);
        if (v.total === 0 && v.failed === 0) {
          throw new AppError(
            'NOT_FOUND',
            `The folder "${key}" is empty or does not exist: there is nothing to move.`,
            { key },
          );
        }
        const to = uri(dst.dialect, dst.bucket, toKey);
        reportBatch(
          ctx.out,
          { done: [], errors: v.errors },
          `Moved ${plural(v.done)} to ${to}`,
          'moved',
          { bucket: src.bucket, key, toBucket: dst.bucket, toKey },
          v.done,
        );
        return;
      }
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
        // A whole bucket goes into the destination folder itself.
        toKey = key === '' ? asFolder(dst.key) : destinationKey(key, dst.key);
        checkNotSelf(src, dst, key, toKey, 'copy');
        // Main's copy operation (as in the app), journaled: ops interrupted / resume after a crash.
        const v = await copyOrMoveWithProgress(ctx, s, 'copy', src, key, dst, toKey);
        if (v.total === 0 && v.failed === 0) {
          throw new AppError(
            'STORAGE',
            `There is nothing under ${uri(src.dialect, src.bucket, key)} to copy.`,
            {
              storageCode: 'NoSuchKey',
            },
          );
        }
        const to = uri(dst.dialect, dst.bucket, toKey);
        reportBatch(
          ctx.out,
          { done: [], errors: v.errors },
          `Copied ${plural(v.done)} to ${to}`,
          'copied',
          { bucket: src.bucket, key, toBucket: dst.bucket, toKey },
          v.done,
        );
        return;
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
 * `rm -r`: main's delete operation (multi-delete batches in parallel while the folder is
 * listed), with its count on stderr as it goes and the true count at the end.
 */
function deleteWithProgress(
  ctx: CliContext,
  s: Session,
  bucket: string,
  prefix: string,
): Promise<OperationView> {
  return withProgress(
    ctx,
    s,
    { kind: 'delete', source: { accountId: s.accountId, bucket, region: s.region }, keys: [prefix] },
    'Deleting',
    'deleted',
  );
}

/**
 * `cp -r` and `mv` of a folder (or `cp -r` of a whole bucket): main's copy or move operation
 * of `key` to `toKey` (a folder, or '' with the key ''), server-side within the account.
 * Journaled like every operation, so one a crash cut short is listed by `ops interrupted` and
 * `ops resume` runs the rest.
 */
function copyOrMoveWithProgress(
  ctx: CliContext,
  s: Session,
  kind: 'copy' | 'move',
  src: Target,
  key: string,
  dst: Target,
  toKey: string,
): Promise<OperationView> {
  // The operation copies into a folder under a name: split toKey into the two (a whole
  // bucket has no name of its own: it goes into toKey itself).
  const bare = toKey.endsWith('/') ? toKey.slice(0, -1) : toKey;
  const prefix = key === '' ? toKey : bare.slice(0, bare.lastIndexOf('/') + 1);
  const toName = toKey.slice(prefix.length);
  return withProgress(
    ctx,
    s,
    {
      kind,
      source: { accountId: s.accountId, bucket: src.bucket, region: s.region },
      keys: [key],
      target: { accountId: s.accountId, bucket: dst.bucket, region: s.region, prefix },
      ...(toName === baseName(key) ? {} : { toName }),
    },
    kind === 'copy' ? 'Copying' : 'Moving',
    kind === 'copy' ? 'copied' : 'moved',
  );
}

/**
 * Runs a main operation with its count on stderr as it goes (one line per step, or one line
 * rewritten on a terminal; nothing with --json); a failure of the whole operation throws.
 */
async function withProgress(
  ctx: CliContext,
  s: Session,
  req: StartOperationRequest,
  verbing: string,
  verbed: string,
): Promise<OperationView> {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  const v = await s.main.operations.run(req, (p) => {
    if (ctx.out.json || p.done === last || (p.state !== 'running' && p.state !== 'listing')) return;
    last = p.done;
    const line = `${verbing}: ${p.done.toLocaleString('en')} of ${p.total.toLocaleString('en')}${p.state === 'listing' ? '+' : ''} ${verbed}`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  });
  if (tty && last >= 0 && !ctx.out.json) process.stderr.write('\n');
  if (v.state === 'failed') throw new AppError('STORAGE', v.message ?? `The operation stopped.`);
  return v;
}
