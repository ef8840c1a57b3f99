import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { AccessReportView, AclView } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import {
  BUCKET_CANNED,
  OBJECT_CANNED,
  cannedOf,
  granteeOfChoice,
  type GranteeChoice,
} from '../../src-shared/permissions/model';
import { ruleText } from '../../src-shared/permissions/evaluate';
import { ACTION_GROUPS, type ActionGroup } from '../../src-shared/permissions/actions';
import { emptyForm, fromForm, grantsAnyone, newlyPublic } from '../../src-shared/permissions/form';
import { policyWarnings } from '../../src-shared/permissions/lint';
import {
  parsePolicy,
  policyDocument,
  prettyPolicy,
  statementDoc,
  statementsKey,
  isObj,
} from '../../src-shared/permissions/policy';
import type { Grant, Permission } from '../../src-shared/permissions/model';
import type { CliContext } from './context';
import { table } from './output';
import { asFolder, bucketTarget, openSession, uri, type Session } from './resolve';
import type { Target } from './target';

const GRANT_FLAGS: [string, Permission][] = [
  ['grantRead', 'READ'],
  ['grantWrite', 'WRITE'],
  ['grantReadAcp', 'READ_ACP'],
  ['grantWriteAcp', 'WRITE_ACP'],
  ['grantFullControl', 'FULL_CONTROL'],
];

/** acl, policy, public, access. */
export function permissionCommands(ctx: CliContext): Command[] {
  const acl = new Command('acl').description('show or change the ACL of a bucket or an object');
  acl
    .command('get')
    .argument('<target>', 'cos://<bucket>[/<key>] or s3://<bucket>[/<key>]')
    .action(async (text: string) => {
      const t = bucketTarget(text);
      const s = await openSession(ctx, t.dialect);
      const a = await s.bridge.permissions.getAcl({ ...ref(s, t), ...(t.key ? { key: t.key } : {}) });
      ctx.out.print(aclText(a), a);
    });
  acl
    .command('set')
    .argument('<target>', 'cos://<bucket>[/<key>] or s3://<bucket>[/<key>]')
    .option('--canned <acl>', `bucket: ${BUCKET_CANNED.join('|')}; object: ${OBJECT_CANNED.join('|')}`)
    .option(
      '--grant-read <ids>',
      'comma-separated: another root account (COS uin X, S3 canonical user id), a COS sub-account O/S (sub uin S of root account O), "anyone" or "authenticated"',
    )
    .option('--grant-write <ids>', 'as --grant-read (buckets only)')
    .option('--grant-read-acp <ids>', 'as --grant-read')
    .option('--grant-write-acp <ids>', 'as --grant-read')
    .option('--grant-full-control <ids>', 'as --grant-read')
    .action(async (text: string, o: Record<string, string | undefined>) => {
      const t = bucketTarget(text);
      const canned = o.canned;
      const allowed: readonly string[] = t.key ? OBJECT_CANNED : BUCKET_CANNED;
      if (canned !== undefined && !allowed.includes(canned)) {
        throw new AppError(
          'VALIDATION',
          `--canned is one of ${allowed.join(', ')} for ${t.key ? 'an object' : 'a bucket'}.`,
        );
      }
      const wanted = GRANT_FLAGS.filter(([flag]) => o[flag] !== undefined);
      if (canned === undefined && wanted.length === 0) {
        throw new AppError(
          'VALIDATION',
          'Say what to set: --canned <acl> and/or --grant-<permission> <ids>.',
        );
      }
      const s = await openSession(ctx, t.dialect);
      const target = { ...ref(s, t), ...(t.key ? { key: t.key } : {}) };
      let grants: Grant[] | undefined;
      if (wanted.length) {
        const current = await s.bridge.permissions.getAcl(target);
        // Grants replace the ACL: keep the owner's full control and what the canned ACL would add.
        grants = [{ grantee: { type: 'user', id: current.owner.id }, permission: 'FULL_CONTROL' }];
        if (canned === 'public-read' || canned === 'public-read-write')
          grants.push({ grantee: { type: 'group', group: 'all' }, permission: 'READ' });
        if (canned === 'public-read-write')
          grants.push({ grantee: { type: 'group', group: 'all' }, permission: 'WRITE' });
        if (canned === 'authenticated-read')
          grants.push({ grantee: { type: 'group', group: 'authenticated' }, permission: 'READ' });
        for (const [flag, permission] of wanted) {
          for (const id of (o[flag] ?? '')
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)) {
            grants.push({ grantee: granteeOf(s, current.owner.id, id), permission });
          }
        }
      }
      const r = await s.bridge.permissions.putAcl({
        ...ref(s, t),
        ...(t.key ? { keys: [t.key] } : {}),
        ...(grants ? { grants } : { canned }),
      });
      if (r.errors.length) throw new AppError('STORAGE', r.errors[0].message);
      const after = await s.bridge.permissions.getAcl(target);
      ctx.out.print(`ACL of ${uri(t.dialect, t.bucket, t.key)} set.\n${aclText(after)}`, {
        ok: true,
        acl: after,
      });
    });

  const policy = new Command('policy').description('show, replace or delete a bucket policy');
  policy
    .command('get')
    .argument('<bucket>', 'cos://<bucket> or s3://<bucket>')
    .action(async (text: string) => {
      const t = bucketTarget(text);
      const s = await openSession(ctx, t.dialect);
      const p = await s.bridge.permissions.getPolicy(ref(s, t));
      ctx.out.print(p.document ?? `The bucket ${uri(t.dialect, t.bucket)} has no policy.`, {
        policy: p.document === null ? null : (JSON.parse(p.document) as unknown),
      });
    });
  policy
    .command('set')
    .argument('<bucket>', 'cos://<bucket> or s3://<bucket>')
    .requiredOption('--file <file>', 'the policy JSON ("-" reads standard input)')
    .action(async (text: string, o: { file: string }) => {
      const t = bucketTarget(text);
      const doc = readFileSync(o.file === '-' ? 0 : o.file, 'utf8');
      const s = await openSession(ctx, t.dialect);
      const parsed = parsePolicy(doc, t.dialect);
      if (parsed.ok) {
        // Said, not refused: a file is an explicit document; these are what it may not mean.
        const before = await s.bridge.permissions.getPolicy(ref(s, t));
        for (const w of policyWarnings(t.dialect, t.bucket, parsed.statements))
          process.stderr.write(`cosdesk: warning: ${w.at}: ${w.en}\n`);
        for (const st of newlyPublic(before.document, doc))
          process.stderr.write(
            `cosdesk: warning: this lets anyone on the internet, without signing in, ${st.actions.join(', ')} on ${st.resources.join(', ')}.\n`,
          );
      }
      const p = await s.bridge.permissions.putPolicy({ ...ref(s, t), document: doc });
      ctx.out.print(`Policy of ${uri(t.dialect, t.bucket)} replaced.`, {
        ok: true,
        policy: JSON.parse(p.document ?? 'null') as unknown,
      });
    });
  policy
    .command('add')
    .description(
      'add a statement the safe way: a prefix means everything under it, List is limited to the prefix by a condition',
    )
    .argument(
      '<target>',
      'cos://<bucket>/<prefix> or s3://<bucket>/<prefix> (the bucket alone: every object)',
    )
    .requiredOption(
      '--principal <ids>',
      'comma-separated: COS X (root account) or O/S (sub-account S of O), S3 user ids or ARNs; "*" or "anyone" for anyone',
    )
    .requiredOption('--actions <groups>', `comma-separated: ${ACTION_GROUPS.join(', ')}`)
    .option('--deny', 'deny instead of allow')
    .option('--sid <sid>', 'a name for the statement')
    .option('--allow-anyone', 'confirm that anyone on the internet, without signing in, gets this access')
    .action(
      async (
        text: string,
        o: { principal: string; actions: string; deny?: boolean; sid?: string; allowAnyone?: boolean },
      ) => {
        const t = bucketTarget(text);
        const groups = o.actions
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean);
        const bad = groups.filter((g) => !(ACTION_GROUPS as readonly string[]).includes(g));
        if (bad.length || groups.length === 0)
          throw new AppError(
            'VALIDATION',
            `--actions is a comma-separated list of ${ACTION_GROUPS.join(', ')}${bad.length ? `; "${bad.join(', ')}" is not one` : ''}.`,
          );
        const principals = o.principal
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => (x.toLowerCase() === 'anyone' ? '*' : x))
          .join(', ');
        if (!principals) throw new AppError('VALIDATION', 'Say who the statement is for: --principal <ids>.');
        const s = await openSession(ctx, t.dialect);
        const view = await s.bridge.permissions.getPolicy(ref(s, t));
        const added = fromForm(t.dialect, view.context, '', {
          ...emptyForm(),
          sid: o.sid ?? '',
          effect: o.deny ? 'deny' : 'allow',
          principals,
          groups: groups as ActionGroup[],
          resources: t.key === '' ? '*' : t.key,
        });
        if (added.some(grantsAnyone) && !o.allowAnyone)
          throw new AppError(
            'VALIDATION',
            `This statement lets anyone on the internet, without signing in, ${groups.join(' and ')} ${uri(t.dialect, t.bucket, t.key)}. If that is what you want, run it again with --allow-anyone.`,
          );
        const current = view.document === null ? null : parsePolicy(view.document);
        if (current && !current.ok)
          throw new AppError(
            'VALIDATION',
            `The bucket policy cannot be read (${current.problems[0]?.en ?? 'unknown format'}): fix it with "policy set" first.`,
          );
        let doc: Record<string, unknown>;
        if (current?.ok && isObj(current.raw)) {
          doc = { ...current.raw };
          const key = statementsKey(doc);
          const list = doc[key];
          const before: unknown[] = Array.isArray(list) ? list : list === undefined ? [] : [list];
          doc[key] = [...before, ...added.map((st) => statementDoc(t.dialect, st))];
        } else doc = policyDocument(t.dialect, added);
        const p = await s.bridge.permissions.putPolicy({ ...ref(s, t), document: JSON.stringify(doc) });
        const shown = added.map((st) => statementDoc(t.dialect, st));
        ctx.out.print(`Added to the policy of ${uri(t.dialect, t.bucket)}:\n${prettyPolicy(shown)}`, {
          ok: true,
          added: shown,
          policy: JSON.parse(p.document ?? 'null') as unknown,
        });
      },
    );
  policy
    .command('delete')
    .argument('<bucket>', 'cos://<bucket> or s3://<bucket>')
    .action(async (text: string) => {
      const t = bucketTarget(text);
      const s = await openSession(ctx, t.dialect);
      await s.bridge.permissions.deletePolicy(ref(s, t));
      ctx.out.print(`Policy of ${uri(t.dialect, t.bucket)} deleted.`, { ok: true });
    });

  const pub = new Command('public')
    .description('make a folder readable by anyone (on), or not (off), with one managed policy statement')
    .argument('<state>', 'on or off')
    .argument('<folder>', 'cos://<bucket>/<folder>/ or s3://<bucket>/<folder>/')
    .action(async (state: string, text: string) => {
      if (state !== 'on' && state !== 'off')
        throw new AppError('VALIDATION', 'Write "public on <folder>" or "public off <folder>".');
      const t = bucketTarget(text);
      if (!t.key)
        throw new AppError(
          'VALIDATION',
          `"${text}" names a bucket: give a folder, e.g. ${t.dialect}://${t.bucket}/photos/`,
        );
      const prefix = asFolder(t.key);
      const s = await openSession(ctx, t.dialect);
      const exposure =
        state === 'on' ? await s.bridge.permissions.countExposure({ ...ref(s, t), prefix }) : undefined;
      await s.bridge.permissions.setFolderPublic({ ...ref(s, t), prefix, public: state === 'on' });
      const where = uri(t.dialect, t.bucket, prefix);
      const count = exposure
        ? `${exposure.more ? 'more than ' : ''}${exposure.count} object${exposure.count === 1 ? '' : 's'}`
        : '';
      ctx.out.print(
        state === 'on'
          ? `${where} is now readable by anyone (${count} exposed).`
          : `${where} is no longer public.`,
        { ok: true, public: state === 'on', prefix, ...(exposure ? { exposed: exposure } : {}) },
      );
    });

  const access = new Command('access')
    .description('who can read, write and list an object or a folder, and which rule decides')
    .argument('<target>', 'cos://<bucket>/<key> or s3://<bucket>/<folder>/')
    .option(
      '--user <ids>',
      'also answer for these users, comma-separated: COS X (root account) or O/S (sub-account S of O); S3 user ids',
    )
    .action(async (text: string, o: { user?: string }) => {
      const t = bucketTarget(text);
      const s = await openSession(ctx, t.dialect);
      const users = o.user
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const r = await s.bridge.permissions.whoCanAccess({
        ...ref(s, t),
        key: t.key,
        ...(users ? { users } : {}),
      });
      ctx.out.print(accessText(r), r);
    });

  return [acl, policy, pub, access];
}

function ref(s: Session, t: Target) {
  return s.region === undefined
    ? { accountId: s.accountId, bucket: t.bucket }
    : { accountId: s.accountId, bucket: t.bucket, region: s.region };
}

/**
 * A grantee as typed on the command line. COS: `X` is the root account X (CAM id
 * `qcs::cam::uin/X:uin/X`), `O/S` the sub-account S of root account O, a full CAM id is kept;
 * S3: a canonical user id. `anyone` and `authenticated` are the two groups.
 */
export function granteeOf(s: Pick<Session, 'kind'>, ownerId: string, id: string): Grant['grantee'] {
  const lower = id.toLowerCase();
  let choice: GranteeChoice;
  if (lower === 'anyone' || lower === 'all' || lower === 'allusers') choice = { kind: 'all' };
  else if (lower === 'authenticated' || lower === 'authenticatedusers') choice = { kind: 'authenticated' };
  else if (s.kind === 'cos') {
    const cam = /^qcs::cam::uin\/(\d+):uin\/(\d+)$/.exec(id);
    const pair = cam ?? /^(\d+)\/(\d+)$/.exec(id);
    if (pair && pair[1] !== pair[2]) choice = { kind: 'sub', account: pair[1], sub: pair[2] };
    else choice = { kind: 'root', account: pair ? pair[1] : id };
  } else choice = { kind: 'root', account: id };
  const r = granteeOfChoice(s.kind, choice, ownerId);
  if (!r.ok) throw new AppError('VALIDATION', r.en, { messageZh: r.zh });
  return r.value;
}

function aclText(a: AclView): string {
  const rows = a.grants.map((g) => [
    g.grantee.type === 'group'
      ? g.grantee.group === 'all'
        ? 'anyone'
        : 'authenticated users'
      : g.grantee.id,
    g.permission,
  ]);
  return [
    `Owner: ${a.owner.id}${a.owner.displayName ? ` (${a.owner.displayName})` : ''}`,
    `Canned: ${a.canned ?? cannedOf(a) ?? 'custom'}`,
    table([['GRANTEE', 'PERMISSION'], ...rows]),
  ].join('\n');
}

function accessText(r: AccessReportView): string {
  const who = (row: AccessReportView['rows'][number]) =>
    row.subject.kind === 'user'
      ? `${row.subject.id}${row.subject.owner ? ' (owner)' : ''}`
      : row.subject.kind === 'anyone'
        ? 'anyone'
        : 'authenticated users';
  const cell = (d: AccessReportView['rows'][number]['decisions']['read']) =>
    `${d.decision}: ${ruleText(d.rule).en}`;
  const lines = [
    table([
      ['WHO', 'READ', 'WRITE', 'LIST'],
      ...r.rows.map((row) => [
        who(row),
        cell(row.decisions.read),
        cell(row.decisions.write),
        cell(row.decisions.list),
      ]),
    ]),
  ];
  for (const c of r.conditional)
    lines.push(
      `Note: policy statement ${c.sid ? `"${c.sid}"` : `#${c.index + 1}`} has a condition and was not applied.`,
    );
  if (r.perObjectAcls) lines.push('Note: single objects in the folder may have their own ACL grants.');
  return lines.join('\n');
}
