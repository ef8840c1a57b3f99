import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import {
  SECTIONS,
  type BucketSettingsView,
  type EmptyCounts,
  type Section,
  type SetSectionRequest,
} from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { CliContext } from './context';
import { bucketTarget, openSession, uri, type Session } from './resolve';
import type { Target } from './target';

/** `cosdesk bucket rm [--force] [--yes]` and `cosdesk bucket settings get|set`. */
export function bucketGroupCommand(ctx: CliContext): Command {
  const bucket = new Command('bucket').description('bucket settings and empty-and-delete');

  bucket
    .command('rm')
    .description(
      'delete a bucket; with --force first delete every object, version, delete marker and unfinished upload in it',
    )
    .argument('<target>', 'cos://<bucket> or s3://<bucket>')
    .option('--force', 'empty the bucket first (asks for the bucket name typed, unless --yes)')
    .option('--yes', 'do not ask for the bucket name')
    .action(async (text: string, o: { force?: boolean; yes?: boolean }) => {
      const t = onlyBucket(text);
      const s = await openSession(ctx, t.dialect);
      const ref = { accountId: s.accountId, bucket: t.bucket, region: s.region };
      if (!o.force) {
        await s.bridge.storage.deleteBucket(ref);
        ctx.out.print(`Deleted bucket ${uri(t.dialect, t.bucket)}.`, { ok: true, bucket: t.bucket });
        return;
      }
      const typed = o.yes
        ? t.bucket
        : await askLine(
            `This deletes EVERYTHING in ${uri(t.dialect, t.bucket)} (all versions too), then the bucket. Type the bucket name to confirm: `,
          );
      if (typed !== t.bucket) {
        throw new AppError(
          'VALIDATION',
          `Nothing deleted: the name typed was not "${t.bucket}" (or give --yes).`,
        );
      }
      await emptyAndDeleteBucket(ctx, s, t);
    });

  const settings = bucket.command('settings').description('versioning, CORS, lifecycle, website and logging');
  settings
    .command('get')
    .argument('<target>', 'cos://<bucket> or s3://<bucket>')
    .argument('[section]', SECTIONS.join('|'))
    .action(async (text: string, section?: string) => {
      const t = onlyBucket(text);
      const s = await openSession(ctx, t.dialect);
      const v = await s.bridge.bucketSettings.get({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
      });
      const sec = section === undefined ? undefined : sectionOf(section);
      ctx.out.print(settingsText(v, sec), sec ? v[sec] : v);
    });
  settings
    .command('set')
    .argument('<target>', 'cos://<bucket> or s3://<bucket>')
    .argument('<section>', SECTIONS.join('|'))
    .argument(
      '<json>',
      'the whole section as JSON (as `settings get --json` prints its value), or @file.json; null or [] removes it',
    )
    .action(async (text: string, section: string, json: string) => {
      const t = onlyBucket(text);
      const sec = sectionOf(section);
      let value: unknown;
      try {
        value = JSON.parse(json.startsWith('@') ? readFileSync(json.slice(1), 'utf8') : json);
      } catch (e) {
        throw new AppError('VALIDATION', `The ${sec} value is not valid JSON: ${(e as Error).message}`);
      }
      const s = await openSession(ctx, t.dialect);
      const v = await s.bridge.bucketSettings.set({
        accountId: s.accountId,
        bucket: t.bucket,
        region: s.region,
        section: sec,
        value,
      } as SetSectionRequest);
      ctx.out.print(`Saved ${sec} of ${uri(t.dialect, t.bucket)}.\n${settingsText(v, sec)}`, v[sec]);
    });
  return bucket;
}

/**
 * Empties a bucket and deletes it: `cosdesk rb --force` and `cosdesk bucket rm --force` both
 * run this, over the same job as the app's empty-and-delete (bucketSettings.empty): every
 * version, delete marker and unfinished multipart upload, then the bucket. Counts go to stderr
 * as they grow (one line rewritten on a terminal, a line per change otherwise, none with
 * --json); a refusal midway fails with what was deleted and what is left.
 */
export async function emptyAndDeleteBucket(ctx: CliContext, s: Session, t: Target): Promise<void> {
  const ref = { accountId: s.accountId, bucket: t.bucket, region: s.region };
  const started = await s.bridge.bucketSettings.empty({ ...ref, confirm: t.bucket, deleteBucket: true });
  const tty = process.stderr.isTTY === true;
  let last = '';
  const off = s.bridge.events.on('bucketSettings.emptyProgress', ({ job }) => {
    if (ctx.out.json || job.id !== started.id || job.state !== 'running') return;
    const c = job.counts;
    const line = `Emptying: ${c.objects} objects, ${c.versions} old versions, ${c.deleteMarkers} delete markers, ${c.uploads} unfinished uploads deleted${c.failed ? `, ${c.failed} refused` : ''}`;
    if (line === last) return;
    last = line;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  });
  const stop = () => void s.bridge.bucketSettings.cancelEmpty({ id: started.id });
  process.once('SIGINT', stop);
  let end;
  try {
    end = await s.main.bucketSettings.waitEmpty(started.id);
  } finally {
    process.off('SIGINT', stop);
    off();
  }
  if (tty && last) process.stderr.write('\n');
  const c = end.counts;
  const done = deletedText(c);
  if (end.state !== 'done') {
    throw new AppError(
      'STORAGE',
      `Deleted ${done || 'nothing'}; the bucket is kept: ${end.message ?? end.state}`,
      {
        counts: c,
        ...(end.left ? { left: end.left } : {}),
      },
    );
  }
  ctx.out.print(
    done.includes(',') || done.includes(' and ')
      ? `Deleted ${done}, then the bucket ${uri(t.dialect, t.bucket)}.`
      : `Deleted ${done || 'nothing (it was empty)'} and the bucket ${uri(t.dialect, t.bucket)}.`,
    { ok: true, bucket: t.bucket, counts: c, deleted: c.objects + c.versions + c.deleteMarkers },
  );
}

/** "2 objects, 1 old version and 1 delete marker": the counts that are not 0. */
function deletedText(c: EmptyCounts): string {
  const n = (k: number, one: string) => `${k.toLocaleString('en')} ${one}${k === 1 ? '' : 's'}`;
  const parts = [
    c.objects ? n(c.objects, 'object') : '',
    c.versions ? n(c.versions, 'old version') : '',
    c.deleteMarkers ? n(c.deleteMarkers, 'delete marker') : '',
    c.uploads ? n(c.uploads, 'unfinished upload') : '',
  ].filter(Boolean);
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function sectionOf(s: string): Section {
  if (!(SECTIONS as readonly string[]).includes(s))
    throw new AppError('VALIDATION', `"${s}" is not a section: use ${SECTIONS.join(', ')}.`);
  return s as Section;
}

function settingsText(v: BucketSettingsView, only?: Section): string {
  return (only ? [only] : SECTIONS)
    .map((sec) => {
      const st = v[sec];
      const body =
        st.state === 'ok'
          ? JSON.stringify(st.value, null, 2)
          : st.state === 'unsupported'
            ? st.message
            : `error: ${st.message}`;
      return `${sec}: ${body}`;
    })
    .join('\n');
}

function onlyBucket(text: string) {
  const t = bucketTarget(text);
  if (t.key !== '')
    throw new AppError(
      'VALIDATION',
      `"${text}" names an object; this command takes a bucket: ${t.dialect}://${t.bucket}`,
    );
  return t;
}

/** One line from the terminal (or the first line piped in). */
async function askLine(prompt: string): Promise<string> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdin.isTTY ? process.stderr : undefined,
  });
  if (process.stdin.isTTY) process.stderr.write(prompt);
  try {
    for await (const line of rl) return line.trim();
    return '';
  } finally {
    rl.close();
  }
}
