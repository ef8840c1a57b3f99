import { describe, expect, it } from 'vitest';
import { glob } from '../../../src-shared/permissions/actions';
import { lineDiff } from '../../../src-shared/permissions/diff';
import { whoCanAccess, type AccessInput } from '../../../src-shared/permissions/evaluate';
import { fromForm, toForm } from '../../../src-shared/permissions/form';
import { cannedOf, type Acl } from '../../../src-shared/permissions/model';
import { parsePolicy, policyDocument, type PolicyStatement } from '../../../src-shared/permissions/policy';
import { hasPublicRead, withPublicRead } from '../../../src-shared/permissions/public-read';
import { userPolicy } from '../../../src-shared/permissions/user-policy';

const owner = 'tester';
const privateAcl: Acl = {
  owner: { id: owner },
  grants: [{ grantee: { type: 'user', id: owner }, permission: 'FULL_CONTROL' }],
};
const base: AccessInput = {
  dialect: 's3',
  bucket: 'b',
  key: 'docs/a.txt',
  bucketAcl: privateAcl,
  objectAcl: privateAcl,
  statements: [],
};
const st = (s: Partial<PolicyStatement>): PolicyStatement => ({
  effect: 'allow',
  principals: ['*'],
  actions: ['s3:GetObject'],
  resources: ['arn:aws:s3:::b/*'],
  ...s,
});
const row = (r: ReturnType<typeof whoCanAccess>, kind: string, id?: string) =>
  r.rows.find(
    (x) =>
      x.subject.kind === kind && (id === undefined || (x.subject.kind === 'user' && x.subject.id === id)),
  );

describe('whoCanAccess', () => {
  it('owner has everything, nobody else anything, on a private bucket', () => {
    const r = whoCanAccess(base);
    expect(row(r, 'user', owner)?.decisions.read).toEqual({ decision: 'allow', rule: { source: 'owner' } });
    expect(row(r, 'anyone')?.decisions.read.decision).toBe('none');
  });

  it('an explicit deny beats an allow and the owner, and names the statement', () => {
    const r = whoCanAccess({
      ...base,
      statements: [st({}), st({ sid: 'no', effect: 'deny', resources: ['arn:aws:s3:::b/docs/*'] })],
    });
    expect(row(r, 'anyone')?.decisions.read).toEqual({
      decision: 'deny',
      rule: { source: 'policy', effect: 'deny', index: 1, sid: 'no' },
    });
    expect(row(r, 'user', owner)?.decisions.read.decision).toBe('deny');
  });

  it('S3 objects do not inherit the bucket ACL; COS default objects do', () => {
    const bucketAcl: Acl = {
      ...privateAcl,
      grants: [...privateAcl.grants, { grantee: { type: 'group', group: 'all' }, permission: 'READ' }],
    };
    expect(row(whoCanAccess({ ...base, bucketAcl }), 'anyone')?.decisions.read.decision).toBe('none');
    expect(row(whoCanAccess({ ...base, bucketAcl }), 'anyone')?.decisions.list.decision).toBe('allow');
    const cos = whoCanAccess({ ...base, dialect: 'cos', bucketAcl, objectAclInheritsBucket: true });
    expect(row(cos, 'anyone')?.decisions.read.rule).toMatchObject({ source: 'bucket-acl', inherited: true });
  });

  it('authenticated-users grants reach named users but not anonymous ones; conditions are not applied', () => {
    const objectAcl: Acl = {
      ...privateAcl,
      grants: [{ grantee: { type: 'group', group: 'authenticated' }, permission: 'READ' }],
    };
    const r = whoCanAccess({
      ...base,
      objectAcl,
      users: ['tester2'],
      statements: [st({ condition: { IpAddress: {} } })],
    });
    expect(row(r, 'user', 'tester2')?.decisions.read.decision).toBe('allow');
    expect(row(r, 'anyone')?.decisions.read.decision).toBe('none');
    expect(r.conditional).toEqual([{ index: 0 }]);
  });

  it('a folder answer holds for any object under it', () => {
    const r = whoCanAccess({
      ...base,
      key: 'docs/',
      objectAcl: undefined,
      statements: [st({ resources: ['arn:aws:s3:::b/docs/*'] })],
    });
    expect(row(r, 'anyone')?.decisions.read.decision).toBe('allow');
    const one = whoCanAccess({
      ...base,
      key: 'docs/',
      objectAcl: undefined,
      statements: [st({ resources: ['arn:aws:s3:::b/docs/a.txt'] })],
    });
    expect(row(one, 'anyone')?.decisions.read.decision).toBe('none');
  });
});

describe('policy documents', () => {
  it('reads both dialects and explains what is wrong', () => {
    expect(parsePolicy('{').ok).toBe(false);
    const p = parsePolicy(JSON.stringify({ statement: [{ effect: 'perhaps', action: 'x', resource: 'y' }] }));
    expect(p.ok ? [] : p.problems.map((x) => x.at)).toEqual(['statement 1 › effect']);
    const wrong = parsePolicy(
      JSON.stringify({
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }],
      }),
      'cos',
    );
    expect(wrong.ok ? '' : wrong.problems[0].en).toMatch(/name\/cos:GetObject/);
    const cos = parsePolicy(
      JSON.stringify({
        version: '2.0',
        statement: [
          {
            effect: 'allow',
            principal: { qcs: ['qcs::cam::anyone:anyone'] },
            action: ['name/cos:GetObject'],
            resource: ['qcs::cos:ap-guangzhou:uid/1:b-1/*'],
          },
        ],
      }),
      'cos',
    );
    expect(cos.ok && cos.statements[0].principals).toEqual(['*']);
  });

  it('switches the folder statement without touching the others', () => {
    const other = policyDocument('s3', [st({ sid: 'keep', principals: ['tester2'] })]);
    const on = withPublicRead('s3', other, { bucket: 'b' }, 'f/', true);
    expect(hasPublicRead(on, 'b', 'f/')).toBe(true);
    expect(withPublicRead('s3', on, { bucket: 'b' }, 'f/', false)).toEqual(other);
    expect(
      withPublicRead(
        's3',
        withPublicRead('s3', null, { bucket: 'b' }, 'f/', true),
        { bucket: 'b' },
        'f/',
        false,
      ),
    ).toBeNull();
    // Without a sid the managed statement is known by its shape.
    const bare = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/f/*'] },
      ],
    };
    expect(hasPublicRead(bare, 'b', 'f/')).toBe(true);
    expect(hasPublicRead(bare, 'b', 'g/')).toBe(false);
  });

  it('round-trips the friendly form', () => {
    const s = st({
      sid: 'x',
      actions: ['s3:GetObject', 's3:GetObjectAcl'],
      resources: ['arn:aws:s3:::b/docs/*', 'arn:aws:s3:::b/docs/a.txt'],
    });
    const f = toForm('s3', 'b', s);
    expect(f.groups).toEqual(['read']);
    expect(f.otherActions).toEqual(['s3:GetObjectAcl']);
    // A prefix reads back without its wildcard; an exact object stays a full resource.
    expect(f.resources).toBe('docs/\narn:aws:s3:::b/docs/a.txt');
    expect(fromForm('s3', { bucket: 'b' }, owner, f)).toEqual([s]);
    const [cos] = fromForm('cos', { bucket: 'b-125', region: 'ap-guangzhou' }, 'qcs::cam::uin/1:uin/1', {
      ...f,
      principals: '2, 1/11',
    });
    // `2` is the root account 2, never a sub-user of the owner; `1/11` the sub-account 11 of 1.
    expect(cos.principals).toEqual(['qcs::cam::uin/2:uin/2', 'qcs::cam::uin/1:uin/11']);
    expect(toForm('cos', 'b-125', cos).principals).toBe('2, 1/11');
    expect(cos.resources[0]).toBe('qcs::cos:ap-guangzhou:uid/125:b-125/docs/*');
  });

  it('writes user policies for CAM and IAM', () => {
    const iam = userPolicy('s3', { bucket: 'b' }, ['read', 'list'], 'team/');
    expect(iam).toMatchObject({
      Statement: [
        { Resource: ['arn:aws:s3:::b/team/*'] },
        { Condition: { StringLike: { 's3:prefix': ['team/*'] } } },
      ],
    });
    expect(userPolicy('cos', { bucket: 'b-1', region: 'ap-guangzhou' }, ['list'], 'team/')).toMatchObject({
      statement: [{ condition: { string_like: { 'cos:prefix': ['team%2F*'] } } }],
    });
    const cam = userPolicy('cos', { bucket: 'b-1', region: 'ap-guangzhou' }, ['write']);
    expect(cam).toMatchObject({
      version: '2.0',
      statement: [{ resource: ['qcs::cos:ap-guangzhou:uid/1:b-1/*'] }],
    });
  });
});

describe('helpers', () => {
  it('glob, diff, canned', () => {
    expect(glob('b/*/a.txt', 'b/x/y/a.txt')).toBe(true);
    expect(glob('b/?.txt', 'b/ab.txt')).toBe(false);
    expect(lineDiff('a\nb\nc', 'a\nc\nd')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' },
    ]);
    expect(cannedOf(privateAcl)).toBe('private');
    expect(
      cannedOf({
        ...privateAcl,
        grants: [...privateAcl.grants, { grantee: { type: 'group', group: 'all' }, permission: 'READ' }],
      }),
    ).toBe('public-read');
  });
});
