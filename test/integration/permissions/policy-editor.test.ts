import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyForm, fromForm, type StatementForm } from '../../../src-shared/permissions/form';
import { policyDocument, resourceOf } from '../../../src-shared/permissions/policy';
import { DIALECTS, UIN2 } from '../storage/helpers';
import { putAll, storageStack, type Stack } from '../storage/stack';
import { asUser2, cosdesk, scheme } from './probes';

/**
 * Issue 11 item 6 with real requests: what the policy editor writes for "user2 may read and list
 * 2025/" lets the second user GET and list under 2025/ and nothing else, through RGW (S3) and
 * the strict COS gateway (COS).
 */
describe.each(DIALECTS)('policy editor statements really work (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;
  let ref: { accountId: string; bucket: string };
  const user2 = () => (dialect === 'cos' ? UIN2 : 'tester2');

  beforeAll(async () => {
    s = await storageStack(dialect);
    bucket = s.bucketName();
    ref = { accountId: s.id, bucket };
    await s.bridge.storage.createBucket(ref);
    await putAll(s, bucket, ['2025/a.jpg', '2025/deep/b.jpg', '2024/c.jpg', 'top.txt']);
  }, 60_000);

  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  async function save(f: Partial<StatementForm>): Promise<string> {
    const view = await s.bridge.permissions.getPolicy(ref);
    const statements = fromForm(dialect, view.context, '', { ...emptyForm(), ...f });
    const document = JSON.stringify(policyDocument(dialect, statements));
    await s.bridge.permissions.putPolicy({ ...ref, document });
    return document;
  }

  it('the prefix 2025/ means everything under it: user2 GETs 2025/a.jpg, nothing outside', async () => {
    expect(await asUser2(s, 'get', bucket, '2025/a.jpg')).toBe(403);
    const doc = await save({ principals: user2(), groups: ['read'], resources: '2025/' });
    expect(doc).toContain(dialect === 'cos' ? `${bucket}/2025/*` : `arn:aws:s3:::${bucket}/2025/*`);
    expect(await asUser2(s, 'get', bucket, '2025/a.jpg')).toBe(200);
    expect(await asUser2(s, 'get', bucket, '2025/deep/b.jpg')).toBe(200);
    expect(await asUser2(s, 'get', bucket, '2024/c.jpg')).toBe(403);
    expect(await asUser2(s, 'get', bucket, 'top.txt')).toBe(403);
    expect(await asUser2(s, 'put', bucket, '2025/new.jpg')).toBe(403);
    // Read alone does not list.
    expect(await asUser2(s, 'list', bucket, '2025/')).toBe(403);
  }, 60_000);

  it('List goes on the bucket with a prefix condition: user2 lists 2025/, not the root', async () => {
    const doc = await save({ principals: user2(), groups: ['read', 'list'], resources: '2025/' });
    expect(doc).toContain(dialect === 'cos' ? '"cos:prefix"' : '"s3:prefix"');
    expect(await asUser2(s, 'list', bucket, '2025/')).toBe(200);
    expect(await asUser2(s, 'list', bucket, '2025/deep/')).toBe(200);
    expect(await asUser2(s, 'list', bucket, '')).toBe(403);
    expect(await asUser2(s, 'list', bucket, '2024/')).toBe(403);
    expect(await asUser2(s, 'get', bucket, '2025/a.jpg')).toBe(200);
    // The who-can-access answer agrees with what the server just did.
    const inside = await s.bridge.permissions.whoCanAccess({ ...ref, key: '2025/', users: [user2()] });
    const root = await s.bridge.permissions.whoCanAccess({ ...ref, key: '', users: [user2()] });
    const row = (r: typeof inside) => r.rows.find((x) => x.subject.kind === 'user' && !x.subject.owner);
    expect(inside.conditional).toEqual([]);
    expect(row(inside)?.decisions.list.decision).toBe('allow');
    expect(row(root)?.decisions.list.decision).toBe('none');
  }, 60_000);

  if (dialect === 'cos')
    it('the strict gateway: a cos:prefix written unencoded never matches (as on COS)', async () => {
      const view = await s.bridge.permissions.getPolicy(ref);
      const [, list] = fromForm('cos', view.context, '', {
        ...emptyForm(),
        principals: UIN2,
        groups: ['read', 'list'],
        resources: '2025/',
      });
      const raw = { ...list, condition: { string_like: { 'cos:prefix': '2025/*' } } };
      await s.bridge.permissions.putPolicy({
        ...ref,
        document: JSON.stringify(policyDocument('cos', [raw])),
      });
      expect(await asUser2(s, 'list', bucket, '2025/')).toBe(403);
    }, 60_000);

  it('the old shape (resource 2025/ without *) grants nothing, and policy set warns about it', async () => {
    const view = await s.bridge.permissions.getPolicy(ref);
    const doc = policyDocument(dialect, [
      {
        effect: 'allow',
        principals: [dialect === 'cos' ? `qcs::cam::uin/${UIN2}:uin/${UIN2}` : 'tester2'],
        actions: [dialect === 'cos' ? 'name/cos:GetObject' : 's3:GetObject'],
        resources: [resourceOf(dialect, view.context, '2025/')],
      },
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'cosdesk-policy-')), 'p.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = await cosdesk(s, ['policy', 'set', `${scheme(dialect)}://${bucket}`, '--file', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: statement 1: .* names only the folder marker object 2025\//);
    expect(await asUser2(s, 'get', bucket, '2025/a.jpg')).toBe(403);
  }, 60_000);

  it('the CLI adds the same safe statements; anyone needs --allow-anyone', async () => {
    await s.bridge.permissions.deletePolicy(ref);
    const target = `${scheme(dialect)}://${bucket}/2025/`;
    const r = await cosdesk(s, ['policy', 'add', target, '--principal', user2(), '--actions', 'read,list']);
    expect(r.code, r.stderr).toBe(0);
    expect(await asUser2(s, 'get', bucket, '2025/a.jpg')).toBe(200);
    expect(await asUser2(s, 'list', bucket, '2025/')).toBe(200);
    expect(await asUser2(s, 'list', bucket, '')).toBe(403);
    expect(await asUser2(s, 'get', bucket, 'top.txt')).toBe(403);
    const anyone = await cosdesk(s, ['policy', 'add', target, '--principal', '*', '--actions', 'read']);
    expect(anyone.code).not.toBe(0);
    expect(anyone.stderr).toMatch(/anyone/i);
    expect(anyone.stderr).toMatch(/--allow-anyone/);
    const p = await s.bridge.permissions.getPolicy(ref);
    expect(p.document).not.toMatch(/anyone|"\*"/);
  }, 90_000);
});
