import { describe, expect, it } from 'vitest';
import {
  choiceOfGrantee,
  cosHeaderId,
  granteeOfChoice,
  parseCosUser,
  principalOfChoice,
  sameUser,
} from '../../../src-shared/permissions/model';
import { principalCovers, samePolicy } from '../../../src-shared/permissions/policy';

const OWNER = 'qcs::cam::uin/100000000001:uin/100000000001';

describe('COS grantees and principals', () => {
  it('another root account is qcs::cam::uin/X:uin/X, not a sub-user of the owner', () => {
    expect(granteeOfChoice('cos', { kind: 'root', account: '100000000002' }, OWNER)).toEqual({
      ok: true,
      value: { type: 'user', id: 'qcs::cam::uin/100000000002:uin/100000000002' },
    });
  });

  it('a sub-account is qcs::cam::uin/<owner or another account>:uin/<sub>', () => {
    expect(granteeOfChoice('cos', { kind: 'sub', sub: '100000000011' }, OWNER)).toMatchObject({
      value: { id: 'qcs::cam::uin/100000000001:uin/100000000011' },
    });
    expect(
      granteeOfChoice('cos', { kind: 'sub', account: '100000000002', sub: '100000000022' }, OWNER),
    ).toMatchObject({ value: { id: 'qcs::cam::uin/100000000002:uin/100000000022' } });
    expect(granteeOfChoice('cos', { kind: 'sub', sub: 'abc' }, OWNER).ok).toBe(false);
    expect(granteeOfChoice('cos', { kind: 'root', account: 'tester2' }, OWNER).ok).toBe(false);
  });

  it('groups in both dialects; S3 ACLs have no sub-account', () => {
    expect(granteeOfChoice('s3', { kind: 'all' }, 'o')).toEqual({
      ok: true,
      value: { type: 'group', group: 'all' },
    });
    expect(granteeOfChoice('cos', { kind: 'authenticated' }, OWNER)).toEqual({
      ok: true,
      value: { type: 'group', group: 'authenticated' },
    });
    expect(granteeOfChoice('s3', { kind: 'root', account: 'tester2' }, 'o')).toMatchObject({
      value: { type: 'user', id: 'tester2' },
    });
    expect(granteeOfChoice('s3', { kind: 'sub', account: '1', sub: 'u' }, 'o').ok).toBe(false);
  });

  it('policy principals: CAM ids, anyone, ARNs; authenticated users is ACL-only', () => {
    expect(principalOfChoice('cos', { kind: 'root', account: '2' }, OWNER)).toEqual({
      ok: true,
      value: 'qcs::cam::uin/2:uin/2',
    });
    expect(principalOfChoice('cos', { kind: 'all' }, OWNER)).toEqual({ ok: true, value: '*' });
    expect(principalOfChoice('s3', { kind: 'root', account: 'tester2' }, 'o')).toEqual({
      ok: true,
      value: 'arn:aws:iam:::user/tester2',
    });
    expect(principalOfChoice('s3', { kind: 'sub', account: '123', sub: 'bob' }, 'o')).toEqual({
      ok: true,
      value: 'arn:aws:iam::123:user/bob',
    });
    expect(principalOfChoice('cos', { kind: 'authenticated' }, OWNER).ok).toBe(false);
  });

  it('ids compare by (root, uin) pair, in every form COS writes', () => {
    expect(sameUser('100000000002', 'qcs::cam::uin/100000000002:uin/100000000002')).toBe(true);
    expect(sameUser('1/11', 'qcs::cam::uin/1:uin/11')).toBe(true);
    expect(sameUser('qcs::cam::uin/1:uin/2', 'qcs::cam::uin/2:uin/2')).toBe(false);
    expect(principalCovers('cos', 'qcs::cam::uin/1:uin/2', 'qcs::cam::uin/2:uin/2')).toBe(false);
    expect(principalCovers('cos', 'qcs::cam::uin/2:uin/2', '2')).toBe(true);
    expect(parseCosUser('uin/7')).toEqual({ root: '7', uin: '7' });
    expect(cosHeaderId({ root: '1', uin: '11' })).toBe('1/11');
    expect(choiceOfGrantee('cos', { type: 'user', id: 'qcs::cam::uin/1:uin/11' })).toEqual({
      kind: 'sub',
      account: '1',
      sub: '11',
    });
  });

  it('policy documents compare semantically (COS re-renders with capitalised keys)', () => {
    const written = '{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"]}]}';
    const got = '{"Statement":[{"Effect":"allow","Action":["name/cos:GetObject"]}],"version":"2.0"}';
    expect(samePolicy(written, got)).toBe(true);
    expect(samePolicy(written, got.replace('GetObject', 'PutObject'))).toBe(false);
  });
});
