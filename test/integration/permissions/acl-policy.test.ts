import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import { sameUser } from '../../../src-shared/permissions/model';
import { samePolicy } from '../../../src-shared/permissions/policy';
import { DIALECTS, UIN2 } from '../storage/helpers';
import { failure, putAll, storageStack, type Stack } from '../storage/stack';
import { user2Id } from './matrix';
import { anonymous, asUser2, cosdesk, scheme } from './probes';

describe.each(DIALECTS)('ACLs and the policy editor (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;

  beforeAll(async () => {
    s = await storageStack(dialect);
    bucket = s.bucketName();
    await s.bridge.storage.createBucket({ accountId: s.id, bucket });
    await putAll(s, bucket, ['a.txt', 'b.txt', 'c.txt']);
  }, 60_000);

  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  it('bucket public-read by ACL lets anyone list; object public-read lets anyone GET', async () => {
    const ref = { accountId: s.id, bucket };
    expect(await anonymous(s, 'list', bucket, '')).toBe(403);
    await s.bridge.permissions.putAcl({ ...ref, canned: 'public-read' });
    expect((await s.bridge.permissions.getAcl(ref)).canned).toBe('public-read');
    expect(await anonymous(s, 'list', bucket, '')).toBe(200);

    expect(await anonymous(s, 'get', bucket, 'a.txt')).toBe(403);
    const r = await s.bridge.permissions.putAcl({ ...ref, keys: ['a.txt', 'b.txt'], canned: 'public-read' });
    expect(r.done.sort()).toEqual(['a.txt', 'b.txt']);
    expect(await anonymous(s, 'get', bucket, 'a.txt')).toBe(200);
    expect(await anonymous(s, 'get', bucket, 'b.txt')).toBe(200);
    expect(await anonymous(s, 'get', bucket, 'c.txt')).toBe(403);
    await s.bridge.permissions.putAcl({ ...ref, canned: 'private' });
    expect(await anonymous(s, 'list', bucket, '')).toBe(403);
  });

  it('the second user gets what its grants say, set through the CLI', async () => {
    const b = `${scheme(dialect)}://${bucket}`;
    const who = dialect === 'cos' ? UIN2 : 'tester2';
    expect(await asUser2(s, 'get', bucket, 'c.txt')).toBe(403);
    const set = await cosdesk(s, ['acl', 'set', `${b}/c.txt`, '--grant-read', who, '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(await asUser2(s, 'get', bucket, 'c.txt')).toBe(200);
    expect(await asUser2(s, 'put', bucket, 'two.txt')).toBe(403);
    expect(await asUser2(s, 'list', bucket, '')).toBe(403);

    const w = await cosdesk(s, ['acl', 'set', b, '--grant-write', who, '--grant-read', 'authenticated']);
    expect(w.code, w.stderr).toBe(0);
    expect(await asUser2(s, 'put', bucket, 'two.txt')).toBe(200);
    expect(await asUser2(s, 'list', bucket, '')).toBe(200);
    expect(await anonymous(s, 'list', bucket, '')).toBe(403);

    const got = await cosdesk(s, ['acl', 'get', b, '--json']);
    const acl = JSON.parse(got.stdout) as {
      grants: { grantee: { type: string; id?: string; group?: string }; permission: string }[];
    };
    expect(acl.grants).toContainEqual(
      expect.objectContaining({
        grantee: expect.objectContaining({ group: 'authenticated' }),
        permission: 'READ',
      }),
    );
    expect(
      acl.grants.some(
        (g) =>
          g.permission === 'WRITE' &&
          g.grantee.id !== undefined &&
          g.grantee.id.endsWith(dialect === 'cos' ? UIN2 : 'tester2'),
      ),
    ).toBe(true);

    const access = await cosdesk(s, ['access', `${b}/c.txt`, '--user', who, '--json']);
    expect(access.code, access.stderr).toBe(0);
    const report = JSON.parse(access.stdout) as {
      rows: {
        subject: { kind: string; id?: string };
        decisions: Record<string, { decision: string; rule: { source: string } }>;
      }[];
    };
    const row = report.rows.find(
      (x) => x.subject.id !== undefined && sameUser(x.subject.id, user2Id(dialect)),
    );
    expect(row?.decisions.read).toEqual(
      expect.objectContaining({ decision: 'allow', rule: expect.objectContaining({ source: 'object-acl' }) }),
    );
    expect(row?.decisions.write.decision).toBe('allow');
    await s.bridge.permissions.putAcl({ accountId: s.id, bucket, canned: 'private' });
  }, 60_000);

  it('validates a policy with friendly errors, keeps a history and restores a version', async () => {
    const ref = { accountId: s.id, bucket };
    expect((await s.bridge.permissions.getPolicy(ref)).document).toBeNull();
    const bad = await failure(
      s.bridge.permissions.putPolicy({ ...ref, document: '{"statement": [{"effect": "maybe"}]' }),
    );
    expect(bad.code).toBe('VALIDATION');
    expect(bad.message).toMatch(/not valid JSON/);
    const wrongDialect = await failure(
      s.bridge.permissions.putPolicy({
        ...ref,
        document: JSON.stringify({
          statement: [
            {
              effect: 'allow',
              principal: '*',
              action: [dialect === 'cos' ? 's3:GetObject' : 'name/cos:GetObject'],
              resource: ['*'],
            },
          ],
        }),
      }),
    );
    expect(wrongDialect.message).toMatch(/statement 1 › action: ".*" is not an action of this storage/);

    const cli = (await s.bridge.permissions.getPolicy(ref)).context;
    await s.bridge.permissions.setFolderPublic({ ...ref, prefix: 'one/', public: true });
    const v1 = (await s.bridge.permissions.getPolicy(ref)).document;
    await s.bridge.permissions.setFolderPublic({ ...ref, prefix: 'two/', public: true });
    const history = await s.bridge.permissions.policyHistory(ref);
    expect(history.map((h) => h.kind)).toEqual(['saved', 'saved']);
    // The server re-renders what it was given (COS capitalises keys, 436/8276): compare documents.
    expect(samePolicy(history[1].document, v1!)).toBe(true);
    await s.bridge.permissions.restorePolicy({ ...ref, id: history[1].id });
    expect(samePolicy((await s.bridge.permissions.getPolicy(ref)).document!, v1!)).toBe(true);
    expect(samePolicy((await s.bridge.permissions.policyHistory(ref))[0].document, v1!)).toBe(true);

    const got = await cosdesk(s, ['policy', 'get', `${scheme(dialect)}://${bucket}`, '--json']);
    expect(JSON.stringify(JSON.parse(got.stdout).policy)).toContain('cosdesk-public-read:one/');
    const del = await cosdesk(s, ['policy', 'delete', `${scheme(dialect)}://${bucket}`]);
    expect(del.code, del.stderr).toBe(0);
    expect((await s.bridge.permissions.getPolicy(ref)).document).toBeNull();
    expect(cli.bucket).toBe(bucket);
    await expect(s.bridge.permissions.restorePolicy({ ...ref, id: 'nope' })).rejects.toBeInstanceOf(AppError);
  }, 60_000);
});
