import {
  actionsOf,
  OPERATION_ACTION,
  resourceOf,
  statementDoc,
  type PolicyStatement,
} from '../../../src-shared/permissions';
import { emptyForm, fromForm, type StatementForm } from '../../../src-shared/permissions/form';
import type { Grant, PermDialect, Permission } from '../../../src-shared/permissions/model';
import { APPID, COS_REGION, UIN2 } from '../storage/helpers';

export type Who = 'user2' | 'all' | 'auth';
export interface StatementSpec {
  effect: 'allow' | 'deny';
  who: 'anyone' | 'user2';
  /** Friendly groups, 'any' = every action, or 'get*' = a wildcard on Get. */
  ops: ('read' | 'write' | 'list' | 'any' | 'get*')[];
  /** Relative to the case's own folder: 'object', 'folder' (docs/*), 'case' (everything of the case), 'bucket', 'elsewhere', 'wild' (`*\/a.txt`), 'other-bucket'. */
  on: 'object' | 'folder' | 'case' | 'bucket' | 'elsewhere' | 'wild' | 'other-bucket' | 'bucket-and-all';
}
export interface Case {
  name: string;
  bucketCanned?: string;
  bucketGrants?: [Who, Permission][];
  objectCanned?: string;
  objectGrants?: [Who, Permission][];
  policy?: StatementSpec[];
  /**
   * Statements written by the friendly editor (prefix → everything under it, listing by a prefix
   * condition); `{case}` in resources is the case's folder, `user2` in principals the second user.
   */
  forms?: Partial<StatementForm>[];
}

export const CASES: Case[] = [
  { name: 'all private' },
  { name: 'bucket ACL public-read', bucketCanned: 'public-read' },
  { name: 'bucket ACL public-read-write', bucketCanned: 'public-read-write' },
  { name: 'bucket ACL authenticated-read', bucketCanned: 'authenticated-read' },
  { name: 'object ACL public-read', objectCanned: 'public-read' },
  { name: 'object ACL authenticated-read', objectCanned: 'authenticated-read' },
  { name: 'object ACL grants READ to user2', objectGrants: [['user2', 'READ']] },
  { name: 'bucket ACL grants WRITE to user2', bucketGrants: [['user2', 'WRITE']] },
  { name: 'bucket ACL grants READ to user2', bucketGrants: [['user2', 'READ']] },
  { name: 'bucket ACL grants FULL_CONTROL to user2', bucketGrants: [['user2', 'FULL_CONTROL']] },
  {
    name: 'policy: anyone reads the case folder',
    policy: [{ effect: 'allow', who: 'anyone', ops: ['read'], on: 'case' }],
  },
  {
    name: 'policy: anyone reads elsewhere only',
    policy: [{ effect: 'allow', who: 'anyone', ops: ['read'], on: 'elsewhere' }],
  },
  {
    name: 'policy: user2 writes the folder',
    policy: [{ effect: 'allow', who: 'user2', ops: ['write'], on: 'folder' }],
  },
  {
    name: 'policy: anyone lists the bucket',
    policy: [{ effect: 'allow', who: 'anyone', ops: ['list'], on: 'bucket' }],
  },
  {
    name: 'policy: allow all objects, deny the folder',
    policy: [
      { effect: 'allow', who: 'anyone', ops: ['read'], on: 'bucket-and-all' },
      { effect: 'deny', who: 'anyone', ops: ['read'], on: 'folder' },
    ],
  },
  {
    name: 'object ACL public-read, policy denies the object',
    objectCanned: 'public-read',
    policy: [{ effect: 'deny', who: 'anyone', ops: ['read'], on: 'object' }],
  },
  {
    name: 'bucket public-read-write, policy denies user2 writing',
    bucketCanned: 'public-read-write',
    policy: [{ effect: 'deny', who: 'user2', ops: ['write'], on: 'case' }],
  },
  {
    name: 'policy: anyone may do anything in the case folder',
    policy: [{ effect: 'allow', who: 'anyone', ops: ['any'], on: 'case' }],
  },
  {
    name: 'policy: wildcard resource */a.txt',
    policy: [{ effect: 'allow', who: 'anyone', ops: ['read'], on: 'wild' }],
  },
  {
    name: 'policy: wildcard action Get*',
    policy: [{ effect: 'allow', who: 'anyone', ops: ['get*'], on: 'case' }],
  },
  {
    name: 'bucket public-read, policy denies listing',
    bucketCanned: 'public-read',
    policy: [{ effect: 'deny', who: 'anyone', ops: ['list'], on: 'bucket' }],
  },
  {
    name: 'policy: user2 reads, object ACL public-read',
    objectCanned: 'public-read',
    policy: [{ effect: 'allow', who: 'user2', ops: ['read'], on: 'case' }],
  },
  {
    name: 'policy: another bucket only',
    policy: [{ effect: 'allow', who: 'anyone', ops: ['read', 'list'], on: 'other-bucket' }],
  },
  {
    name: 'policy: user2 lists and writes, anyone denied writing the object',
    policy: [
      { effect: 'allow', who: 'user2', ops: ['list', 'write'], on: 'bucket-and-all' },
      { effect: 'deny', who: 'anyone', ops: ['write'], on: 'object' },
    ],
  },
  {
    name: 'editor: user2 reads and lists the docs/ prefix',
    forms: [{ principals: 'user2', groups: ['read', 'list'], resources: '{case}docs/' }],
  },
  {
    name: 'editor: user2 lists the case prefix only',
    forms: [{ principals: 'user2', groups: ['list'], resources: '{case}' }],
  },
  {
    name: 'editor: anyone reads and lists another prefix',
    forms: [{ principals: '*', groups: ['read', 'list'], resources: '{case}elsewhere/' }],
  },
  {
    name: 'editor: bucket public-read, anyone denied listing the case prefix',
    bucketCanned: 'public-read',
    forms: [{ effect: 'deny', principals: '*', groups: ['list'], resources: '{case}' }],
  },
];

export function user2Id(dialect: PermDialect): string {
  return dialect === 'cos' ? `qcs::cam::uin/${UIN2}:uin/${UIN2}` : 'tester2';
}

export function grantsOf(dialect: PermDialect, ownerId: string, specs: [Who, Permission][]): Grant[] {
  return [
    { grantee: { type: 'user', id: ownerId }, permission: 'FULL_CONTROL' },
    ...specs.map(([who, permission]): Grant => ({
      grantee:
        who === 'user2'
          ? { type: 'user', id: user2Id(dialect) }
          : { type: 'group', group: who === 'all' ? 'all' : 'authenticated' },
      permission,
    })),
  ];
}

/** The policy document of a case whose statements come from the friendly editor's forms. */
export function formPolicyOf(
  dialect: PermDialect,
  bucket: string,
  folder: string,
  forms: Partial<StatementForm>[],
): string {
  const ctx = { bucket, region: COS_REGION, appId: APPID };
  const statements = forms.flatMap((f, i) =>
    fromForm(dialect, ctx, '', {
      ...emptyForm(),
      ...f,
      sid: `case-${i}`,
      principals: (f.principals ?? '').replace('user2', dialect === 'cos' ? UIN2 : 'tester2'),
      resources: (f.resources ?? '').replace('{case}', folder),
    }),
  );
  const docs = statements.map((s) => statementDoc(dialect, s));
  return JSON.stringify(
    dialect === 'cos' ? { version: '2.0', statement: docs } : { Version: '2012-10-17', Statement: docs },
  );
}

/** The policy document of a case in the dialect's own form. */
export function policyOf(
  dialect: PermDialect,
  bucket: string,
  folder: string,
  specs: StatementSpec[],
): string {
  const ctx = { bucket, region: COS_REGION, appId: APPID };
  const res = (on: StatementSpec['on']): string[] => {
    switch (on) {
      case 'object':
        return [resourceOf(dialect, ctx, `${folder}docs/a.txt`)];
      case 'folder':
        return [resourceOf(dialect, ctx, `${folder}docs/*`)];
      case 'case':
        return [resourceOf(dialect, ctx, `${folder}*`)];
      case 'elsewhere':
        return [resourceOf(dialect, ctx, `${folder}elsewhere/*`)];
      case 'wild':
        return [resourceOf(dialect, ctx, `${folder}*/a.txt`)];
      case 'bucket':
        return [dialect === 'cos' ? resourceOf(dialect, ctx, '*') : resourceOf(dialect, ctx, '')];
      case 'bucket-and-all':
        return dialect === 'cos'
          ? [resourceOf(dialect, ctx, '*')]
          : [resourceOf(dialect, ctx, ''), resourceOf(dialect, ctx, '*')];
      case 'other-bucket': {
        const other = { ...ctx, bucket: dialect === 'cos' ? `elsewhere-${APPID}` : 'elsewhere' };
        return [resourceOf(dialect, other, ''), resourceOf(dialect, other, '*')];
      }
    }
  };
  const actions = (ops: StatementSpec['ops']): string[] =>
    ops.flatMap((o) =>
      o === 'any'
        ? actionsOf(dialect, 'full')
        : o === 'get*'
          ? [dialect === 'cos' ? 'name/cos:Get*' : 's3:Get*']
          : o === 'write'
            ? [OPERATION_ACTION[dialect].write]
            : actionsOf(dialect, o),
    );
  const statements: PolicyStatement[] = specs.map((sp, i) => ({
    sid: `case-${i}`,
    effect: sp.effect,
    principals: [
      sp.who === 'anyone' ? '*' : dialect === 'cos' ? `qcs::cam::uin/${UIN2}:uin/${UIN2}` : 'tester2',
    ],
    actions: actions(sp.ops),
    resources: res(sp.on),
  }));
  const docs = statements.map((s) => statementDoc(dialect, s));
  return JSON.stringify(
    dialect === 'cos' ? { version: '2.0', statement: docs } : { Version: '2012-10-17', Statement: docs },
  );
}
