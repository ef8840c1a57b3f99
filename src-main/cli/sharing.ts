import { Command, Option } from 'commander';
import type { LinkEntry, PresignResponse } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import { formatDuration, parseDuration } from '../../src-shared/sharing/inspect';
import type { CliContext } from './context';
import { localTime, table } from './output';
import { asFolder, bucketTarget, keyTarget, openSession } from './resolve';

function duration(text: string, what: string): number {
  const s = parseDuration(text);
  if (s === undefined) {
    throw new AppError('VALIDATION', `${what} "${text}" is not a duration: write 900, 15m, 2h or 1d.`);
  }
  return s;
}

function capLine(r: PresignResponse): string {
  if (!r.capped) return '';
  const why =
    r.capped.reason === 'token'
      ? 'the temporary key expires then'
      : 'S3 signatures are valid for at most 7 days';
  return `Validity shortened to ${formatDuration(r.seconds)} (asked ${formatDuration(r.requestedSeconds)}): ${why}.`;
}

/** `cosdesk presign <target>`: a pre-signed link (or the plain URL of a public object). */
export function presignCommand(ctx: CliContext): Command {
  return new Command('presign')
    .description('print a pre-signed link to an object (its plain URL when it is public-read)')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<key>')
    .requiredOption('--expires <duration>', 'validity: seconds, or 15m, 2h, 1d, 7d')
    .addOption(
      new Option('--method <method>', 'GET to download, PUT to upload')
        .choices(['GET', 'PUT'])
        .default('GET'),
    )
    .option('--content-type <type>', 'PUT: the Content-Type the uploader must send')
    .option('--download-name <name>', 'GET: save the download under this file name')
    .option(
      '--custom-domain <url>',
      'use this origin instead of the endpoint (e.g. https://files.example.com)',
    )
    .option('--no-public-check', 'always sign, without reading ACLs and the bucket policy')
    .action(
      async (
        text: string,
        o: {
          expires: string;
          method: 'GET' | 'PUT';
          contentType?: string;
          downloadName?: string;
          customDomain?: string;
          publicCheck: boolean;
        },
      ) => {
        const t = keyTarget(text);
        const s = await openSession(ctx, t.dialect);
        const r = await s.bridge.sharing.presign({
          accountId: s.accountId,
          bucket: t.bucket,
          region: s.region,
          keys: [t.key],
          method: o.method,
          expiresSeconds: duration(o.expires, '--expires'),
          contentType: o.contentType,
          downloadName: o.downloadName,
          customDomain: o.customDomain,
          checkPublic: o.publicCheck,
        });
        const link = r.links[0];
        if (!ctx.out.json) {
          const cap = capLine(r);
          if (cap) process.stderr.write(`cosdesk: ${cap}\n`);
          if (link.publicReason)
            process.stderr.write('cosdesk: the object is public-read: this is its plain URL.\n');
        }
        ctx.out.print(link.url, {
          url: link.url,
          public: link.publicReason !== undefined,
          publicReason: link.publicReason,
          method: r.method,
          expiresAt: link.publicReason ? undefined : r.expiresAt,
          seconds: r.seconds,
          requestedSeconds: r.requestedSeconds,
          capped: r.capped,
          keyIdMasked: r.keyIdMasked,
          temporaryKey: r.temporaryKey,
        });
      },
    );
}

/**
 * `cosdesk upload-link <folder> (--name <name> | --prefix)`: a link that uploads a NEW key: a
 * pre-signed PUT for `<folder><name>`, or a POST form for any name under the folder.
 */
export function uploadLinkCommand(ctx: CliContext): Command {
  return new Command('upload-link')
    .description('print a link that uploads a new file into a folder (PUT for one name, or a POST form)')
    .argument('<folder>', 'cos://<bucket>/<folder>/ or s3://<bucket>/<folder>/ (the bucket root too)')
    .option('--name <name>', "the new file's name in the folder: a pre-signed PUT link")
    .option('--prefix', 'any name under the folder: a POST form (URL, fields and a curl command)')
    .requiredOption('--expires <duration>', 'validity: seconds, or 15m, 2h, 1d, 7d')
    .option('--content-type <type>', 'the Content-Type the upload must carry (PUT) or sets (POST)')
    .action(
      async (text: string, o: { name?: string; prefix?: boolean; expires: string; contentType?: string }) => {
        if ((o.name === undefined) === (o.prefix !== true)) {
          throw new AppError(
            'VALIDATION',
            'Say what the link uploads: --name <name> for one new file, or --prefix for any name in the folder.',
          );
        }
        const t = bucketTarget(text);
        const s = await openSession(ctx, t.dialect);
        const r = await s.bridge.sharing.uploadLink({
          accountId: s.accountId,
          bucket: t.bucket,
          region: s.region,
          folder: asFolder(t.key),
          ...(o.name !== undefined ? { name: o.name } : {}),
          expiresSeconds: duration(o.expires, '--expires'),
          contentType: o.contentType,
        });
        if (!ctx.out.json) {
          if (r.capped) {
            const why =
              r.capped.reason === 'token'
                ? 'the temporary key expires then'
                : 'S3 signatures are valid for at most 7 days';
            process.stderr.write(
              `cosdesk: validity shortened to ${formatDuration(r.seconds)} (asked ${formatDuration(r.requestedSeconds)}): ${why}.\n`,
            );
          }
          if (r.exists)
            process.stderr.write(
              `cosdesk: warning: ${r.key} exists already: an upload through this link replaces it.\n`,
            );
        }
        const human =
          r.mode === 'put'
            ? `${r.url}\n\n# upload ./FILE (until ${r.expiresAt}):\n${r.curl}`
            : [
                `# POST form for any key under ${r.key || '(the bucket root)'}, until ${r.expiresAt}`,
                `URL: ${r.url}`,
                ...r.fields.map(([k, v]) => `${k}: ${v}`),
                'file: (the file, last)',
                '',
                '# upload ./FILE:',
                r.curl,
              ].join('\n');
        ctx.out.print(human, r);
      },
    );
}

/** `cosdesk sts mint`: temporary keys for handing out, printed once and kept nowhere. */
export function stsCommand(ctx: CliContext): Command {
  const sts = new Command('sts').description('temporary keys (STS)');
  sts
    .command('mint')
    .description('mint temporary keys limited to a bucket and prefix, to hand to someone else')
    .option('--bucket <name>', 'limit the keys to this bucket (required on S3 unless unscoped)')
    .option('--prefix <prefix>', 'limit the keys to keys under this prefix', '')
    .option('--read-only', 'download only (default: read and write)')
    .option('--duration <duration>', 'how long the keys live: seconds, or 30m, 2h', '1800')
    .option('--role-arn <arn>', 'S3: the role to assume (default: COSDESK_ROLE_ARN)')
    .option(
      '--sts-endpoint <url>',
      'COS: the STS endpoint (default: COSDESK_STS_ENDPOINT or sts.tencentcloudapi.com)',
    )
    .option('--dialect <cos|s3>', 'which kind of account, when no target says it')
    .action(
      async (o: {
        bucket?: string;
        prefix: string;
        readOnly?: boolean;
        duration: string;
        roleArn?: string;
        stsEndpoint?: string;
        dialect?: 'cos' | 's3';
      }) => {
        if (o.bucket) bucketTarget(`s3://${o.bucket}`);
        const s = await openSession(ctx, o.dialect);
        const k = await s.bridge.sharing.mint({
          accountId: s.accountId,
          bucket: o.bucket,
          region: s.region,
          prefix: o.prefix,
          readOnly: o.readOnly === true,
          durationSeconds: duration(o.duration, '--duration'),
          roleArn: o.roleArn,
          stsEndpoint: o.stsEndpoint,
        });
        const scope = k.scope.bucket ? `${k.scope.bucket}/${k.scope.prefix}*` : 'every bucket';
        ctx.out.print(
          [
            `# ${k.via}: ${k.scope.readOnly ? 'read-only' : 'read-write'} on ${scope}, until ${k.expiresAt} (${localTime(k.expiresAt)} local)`,
            `COSDESK_SECRET_ID=${k.tmpSecretId}`,
            `COSDESK_SECRET_KEY=${k.tmpSecretKey}`,
            `COSDESK_TOKEN=${k.token}`,
          ].join('\n'),
          k,
        );
      },
    );
  return sts;
}

function entryRow(e: LinkEntry): string[] {
  const left = e.expiresAt ? Math.floor((Date.parse(e.expiresAt) - Date.now()) / 1000) : undefined;
  return [
    localTime(e.createdAt),
    e.method,
    `${e.bucket}/${e.key}`,
    e.expiresAt ? localTime(e.expiresAt) : 'public',
    left === undefined ? '' : left > 0 ? formatDuration(left) : 'expired',
    e.keyIdMasked,
  ];
}

/** `cosdesk links list|clear`: the local log of issued links. */
export function linksCommand(ctx: CliContext): Command {
  const links = new Command('links').description('the log of links issued by this computer');
  links
    .command('list')
    .description('every link issued, newest first (no secret is ever kept)')
    .action(async () => {
      const { bridge } = await ctx.main();
      const { entries } = await bridge.sharing.listLinks({});
      const head = ['CREATED', 'METHOD', 'OBJECT', 'EXPIRES', 'LEFT', 'KEY'];
      ctx.out.print(
        entries.length ? table([head, ...entries.map(entryRow)]) : 'No links issued yet.',
        entries,
      );
    });
  links
    .command('clear')
    .description('forget the log (links already handed out keep working until they expire)')
    .action(async () => {
      const { bridge } = await ctx.main();
      const { removed } = await bridge.sharing.clearLinks({});
      ctx.out.print(
        `Removed ${removed} entr${removed === 1 ? 'y' : 'ies'} from the link log. A link cannot be revoked: rotate the key, or let a temporary key expire.`,
        { removed },
      );
    });
  return links;
}

export function sharingCommands(ctx: CliContext): Command[] {
  return [presignCommand(ctx), uploadLinkCommand(ctx), stsCommand(ctx), linksCommand(ctx)];
}
