import { describe, expect, it } from 'vitest';
import { groupOfAction, groupsOf } from '../../../src-shared/permissions/actions';
import { whoCanAccess, listingPrefix } from '../../../src-shared/permissions/evaluate';
import {
  emptyForm,
  formGrantsAnyone,
  formProblems,
  fromForm,
  toForm,
  type StatementForm,
} from '../../../src-shared/permissions/form';
import { policyWarnings } from '../../../src-shared/permissions/lint';
import type { Acl } from '../../../src-shared/permissions/model';

// Issue 11 item 6: the friendly statement editor cannot write a statement that surprises.
const s3 = { bucket: 'photos' };
const cos = { bucket: 'photos-1250000000', region: 'ap-guangzhou', appId: '1250000000' };
const form = (over: Partial<StatementForm>): StatementForm => ({ ...emptyForm(), ...over });

describe('policy statement form', () => {
  it('a prefix means everything under it (S3 and COS)', () => {
    const f = form({ principals: 'tester2', groups: ['read'], resources: '2025/' });
    expect(fromForm('s3', s3, '', f)).toEqual([
      {
        effect: 'allow',
        principals: ['tester2'],
        actions: ['s3:GetObject'],
        resources: ['arn:aws:s3:::photos/2025/*'],
      },
    ]);
    const [c] = fromForm('cos', cos, '', { ...f, principals: '100000000002' });
    expect(c.resources).toEqual(['qcs::cos:ap-guangzhou:uid/1250000000:photos-1250000000/2025/*']);
    // `*` is every object; a full resource is kept as typed (one object exactly).
    const [all] = fromForm('s3', s3, '', { ...f, resources: '*\narn:aws:s3:::photos/readme.txt' });
    expect(all.resources).toEqual(['arn:aws:s3:::photos/*', 'arn:aws:s3:::photos/readme.txt']);
  });

  it('List goes on the bucket with a prefix condition, never on an object resource', () => {
    const f = form({ principals: 'tester2', groups: ['read', 'list'], resources: '2025/', sid: 'team' });
    const [obj, list] = fromForm('s3', s3, '', f);
    expect(obj).toMatchObject({
      sid: 'team',
      actions: ['s3:GetObject'],
      resources: ['arn:aws:s3:::photos/2025/*'],
    });
    expect(list).toEqual({
      sid: 'team-list',
      effect: 'allow',
      principals: ['tester2'],
      actions: ['s3:ListBucket'],
      resources: ['arn:aws:s3:::photos'],
      condition: { StringLike: { 's3:prefix': ['2025/*'] } },
    });
    const [, clist] = fromForm('cos', cos, '', { ...f, principals: '100000000002' });
    // COS: GetBucket on the bucket resource (`<bucket>/*`, 436/30580), cos:prefix URL-encoded (436/46206).
    expect(clist).toMatchObject({
      actions: ['name/cos:GetBucket'],
      resources: ['qcs::cos:ap-guangzhou:uid/1250000000:photos-1250000000/*'],
      condition: { string_like: { 'cos:prefix': ['2025%2F*'] } },
    });
    // Read back, the listing statement is "List 2025/" again, and writes the same.
    expect(toForm('s3', 'photos', list)).toMatchObject({
      groups: ['list'],
      resources: '2025/',
      condition: '',
    });
    expect(toForm('cos', cos.bucket, clist)).toMatchObject({ groups: ['list'], resources: '2025/' });
    const back = fromForm('s3', s3, '', toForm('s3', 'photos', list));
    expect(back).toEqual([list]);
    // The whole bucket lists without a condition.
    const [whole] = fromForm('s3', s3, '', form({ principals: 'u', groups: ['list'], resources: '*' }));
    expect(whole).toEqual({
      effect: 'allow',
      principals: ['u'],
      actions: ['s3:ListBucket'],
      resources: ['arn:aws:s3:::photos'],
    });
  });

  it('a new statement starts with nobody and nothing, and says what is missing', () => {
    const f = emptyForm();
    expect(f.principals).toBe('');
    expect(f.resources).toBe('');
    expect(formProblems(f).map((p) => p.field)).toEqual(['principals', 'actions', 'resources']);
    expect(formProblems(form({ principals: '*', groups: ['read'] })).map((p) => p.field)).toEqual([
      'resources',
    ]);
    expect(formProblems(form({ principals: '*', groups: ['read'], resources: '2025/' }))).toEqual([]);
    expect(fromForm('s3', s3, '', f)).toEqual([]);
  });

  it('marks a statement that lets anyone in', () => {
    expect(formGrantsAnyone(form({ principals: 'tester2, *' }))).toBe(true);
    expect(formGrantsAnyone(form({ principals: '*', effect: 'deny' }))).toBe(false);
    expect(formGrantsAnyone(form({ principals: 'tester2' }))).toBe(false);
  });

  it('COS actions map to their groups both ways', () => {
    expect(groupsOf('cos', ['name/cos:GetObject'])).toEqual(['read']);
    const f = toForm('cos', cos.bucket, {
      effect: 'allow',
      principals: ['qcs::cam::uin/100000000002:uin/100000000002'],
      actions: ['name/cos:GetObject'],
      resources: ['qcs::cos:ap-guangzhou:uid/1250000000:photos-1250000000/2025/*'],
    });
    expect(f.groups).toEqual(['read']);
    expect(f.otherActions).toEqual([]);
    // Unchanged, it writes what it read; a newly ticked group writes the whole group.
    expect(fromForm('cos', cos, '', f)[0].actions).toEqual(['name/cos:GetObject']);
    const w = fromForm('cos', cos, '', { ...f, groups: ['read', 'write'] })[0].actions;
    expect(w).toEqual(
      expect.arrayContaining(['name/cos:GetObject', 'name/cos:PutObject', 'name/cos:UploadPart']),
    );
    for (const [a, g] of [
      ['name/cos:HeadObject', 'read'],
      ['name/cos:DeleteMultipleObjects', 'write'],
      ['name/cos:CompleteMultipartUpload', 'write'],
      ['name/cos:HeadBucket', 'list'],
      ['name/cos:GetBucket', 'list'],
      ['name/cos:*', 'full'],
      ['s3:ListBucketVersions', undefined],
    ] as const)
      expect(groupOfAction('cos', a)).toBe(g);
    expect(groupsOf('cos', ['name/cos:GetObjectACL'])).toEqual([]);
    expect(groupsOf('s3', ['s3:GetObject', 's3:ListBucket'])).toEqual(['read', 'list']);
  });
});

describe('who can access: prefix conditions', () => {
  const owner = 'owner';
  const bucketAcl: Acl = {
    owner: { id: owner },
    grants: [{ grantee: { type: 'user', id: owner }, permission: 'FULL_CONTROL' }],
  };
  const statements = fromForm(
    's3',
    s3,
    owner,
    form({ principals: 'tester2', groups: ['read', 'list'], resources: '2025/' }),
  );
  const ask = (key: string) => {
    const r = whoCanAccess({
      dialect: 's3',
      bucket: 'photos',
      key,
      bucketAcl,
      statements,
      users: ['tester2'],
    });
    const row = r.rows.find((x) => x.subject.kind === 'user' && x.subject.id === 'tester2');
    return { row: row?.decisions, conditional: r.conditional };
  };

  it('decides listing by the prefix listed, and never counts it for objects', () => {
    expect(listingPrefix('2025/a.jpg')).toBe('2025/');
    expect(listingPrefix('a.jpg')).toBe('');
    const inside = ask('2025/');
    expect(inside.conditional).toEqual([]);
    expect(inside.row?.list.decision).toBe('allow');
    expect(ask('2025/a.jpg').row?.read.decision).toBe('allow');
    expect(ask('').row?.list.decision).toBe('none');
    expect(ask('2024/a.jpg').row?.read.decision).toBe('none');
    expect(ask('2024/').row?.list.decision).toBe('none');
  });

  it('COS compares the URL-encoded prefix', () => {
    const cosStatements = fromForm(
      'cos',
      cos,
      owner,
      form({ principals: '100000000002', groups: ['list'], resources: '2025/' }),
    );
    const run = (st: typeof cosStatements, key: string) =>
      whoCanAccess({
        dialect: 'cos',
        bucket: cos.bucket,
        key,
        bucketAcl,
        statements: st,
        users: ['100000000002'],
      }).rows.find((x) => x.subject.kind === 'user' && x.subject.id.endsWith('uin/100000000002'))?.decisions
        .list.decision;
    expect(run(cosStatements, '2025/')).toBe('allow');
    expect(run(cosStatements, '')).toBe('none');
    // Written unencoded, COS never matches it.
    const raw = [{ ...cosStatements[0], condition: { string_like: { 'cos:prefix': '2025/*' } } }];
    expect(run(raw, '2025/')).toBe('none');
  });
});

describe('policy warnings (JSON editor, policy set)', () => {
  it('says when a resource is only the folder marker, or listing sits on objects', () => {
    const w = policyWarnings('s3', 'photos', [
      {
        effect: 'allow',
        principals: ['tester2'],
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: ['arn:aws:s3:::photos/2025/'],
      },
    ]);
    expect(w.map((x) => x.en)).toEqual([
      expect.stringContaining('names only the folder marker object 2025/'),
      expect.stringContaining('checked against the bucket (arn:aws:s3:::photos)'),
    ]);
    // What the editor writes raises none.
    const safe = fromForm(
      's3',
      s3,
      '',
      form({ principals: 'u', groups: ['read', 'list'], resources: '2025/' }),
    );
    expect(policyWarnings('s3', 'photos', safe)).toEqual([]);
    const cosSafe = fromForm(
      'cos',
      cos,
      '',
      form({ principals: '1', groups: ['read', 'list'], resources: '2025/' }),
    );
    expect(policyWarnings('cos', cos.bucket, cosSafe)).toEqual([]);
  });
});
