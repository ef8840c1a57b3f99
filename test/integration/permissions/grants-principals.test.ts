/**
 * Grants and policy principals for another root account and for a sub-account, set through
 * the CLI, the policy editor's form and the bridge, against the strict COS gateway: each must
 * really let the second RGW user (AK2) in, and only the right forms are accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyForm, fromForm } from '../../../src-shared/permissions/form';
import { policyDocument } from '../../../src-shared/permissions/policy';
import { startCosGateway, type CosGateway } from '../../cos-gateway/server';
import { UIN1, UIN2, cosAccount } from '../storage/helpers';
import { putAll, storageStack, type Stack } from '../storage/stack';
import { asUser2, cosdesk } from './probes';

/** In the second gateway tester2 is the sub-account 100000000022 of the root account 100000000002. */
const OTHER_ROOT = UIN2;
const SUB = '100000000022';

async function withGateway(base: Stack, gw: CosGateway): Promise<Stack> {
  const account = (ak: string, sk: string) => cosAccount(gw.port, ak, sk);
  const id = base.main.accounts.registerEphemeral(account(base.env.ak, base.env.sk));
  const id2 = base.main.accounts.registerEphemeral(account(base.env.ak2, base.env.sk2));
  return { ...base, gateway: gw, account, id, id2 };
}

describe('COS grants and principals through the strict gateway', () => {
  let base: Stack;
  let sub: Stack;
  let gwSub: CosGateway;
  let bucket: string;

  beforeAll(async () => {
    base = await storageStack('cos');
    gwSub = await startCosGateway({
      port: 0,
      s3Endpoint: base.env.endpoint,
      users: [
        { secretId: base.env.ak, secretKey: base.env.sk, uin: UIN1 },
        { secretId: base.env.ak2, secretKey: base.env.sk2, uin: SUB, rootUin: OTHER_ROOT },
      ],
    });
    sub = await withGateway(base, gwSub);
    bucket = base.bucketName();
    await base.bridge.storage.createBucket({ accountId: base.id, bucket });
    await putAll(base, bucket, ['root/a.txt', 'root/b.txt', 'sub/a.txt', 'sub/b.txt', 'p/a.txt', 'q/a.txt']);
  }, 60_000);

  afterAll(async () => {
    await base?.drop(bucket);
    await base?.close();
    await gwSub?.close();
  });

  it('CLI --grant-read <uin> grants the root account (qcs::cam::uin/X:uin/X), which really reads', async () => {
    expect(await asUser2(base, 'get', bucket, 'root/a.txt')).toBe(403);
    const r = await cosdesk(base, ['acl', 'set', `cos://${bucket}/root/a.txt`, '--grant-read', UIN2]);
    expect(r.code, r.stderr).toBe(0);
    expect(await asUser2(base, 'get', bucket, 'root/a.txt')).toBe(200);
    const acl = await base.bridge.permissions.getAcl({ accountId: base.id, bucket, key: 'root/a.txt' });
    expect(acl.grants).toContainEqual(
      expect.objectContaining({
        grantee: expect.objectContaining({ id: `qcs::cam::uin/${UIN2}:uin/${UIN2}` }),
        permission: 'READ',
      }),
    );
    const who = await base.bridge.permissions.whoCanAccess({
      accountId: base.id,
      bucket,
      key: 'root/a.txt',
      users: [UIN2],
    });
    const row = who.rows.find((x) => x.subject.kind === 'user' && x.subject.id.endsWith(`uin/${UIN2}`));
    expect(row?.decisions.read.decision).toBe('allow');
  }, 60_000);

  it('the policy editor: principal "<uin>" is the root account and really gets in', async () => {
    const ref = { accountId: base.id, bucket };
    const view = await base.bridge.permissions.getPolicy(ref);
    const owner = (await base.bridge.permissions.getAcl(ref)).owner.id;
    const [st] = fromForm('cos', view.context, owner, {
      ...emptyForm(),
      principals: UIN2,
      groups: ['read'],
      resources: 'p/*',
    });
    expect(st.principals).toEqual([`qcs::cam::uin/${UIN2}:uin/${UIN2}`]);
    await base.bridge.permissions.putPolicy({
      ...ref,
      document: JSON.stringify(policyDocument('cos', [st])),
    });
    expect(await asUser2(base, 'get', bucket, 'p/a.txt')).toBe(200);
    expect(await asUser2(base, 'get', bucket, 'q/a.txt')).toBe(403);
    await base.bridge.permissions.deletePolicy(ref);
  }, 60_000);

  it('CLI --grant-read <root>/<sub> grants a sub-account of another account; a bare sub uin is refused', async () => {
    expect(await asUser2(sub, 'get', bucket, 'sub/a.txt')).toBe(403);
    const bare = await cosdesk(sub, ['acl', 'set', `cos://${bucket}/sub/a.txt`, '--grant-read', SUB]);
    expect(bare.code).not.toBe(0);
    // The gateway names nobody qcs::cam::uin/<owner>:uin/<sub>: 400 InvalidArgument.
    expect(bare.stderr).toMatch(/rejected a parameter/i);
    expect(await asUser2(sub, 'get', bucket, 'sub/a.txt')).toBe(403);
    const r = await cosdesk(sub, [
      'acl',
      'set',
      `cos://${bucket}/sub/a.txt`,
      '--grant-read',
      `${OTHER_ROOT}/${SUB}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await asUser2(sub, 'get', bucket, 'sub/a.txt')).toBe(200);
    expect(await asUser2(sub, 'get', bucket, 'sub/b.txt')).toBe(403);
    const acl = await sub.bridge.permissions.getAcl({ accountId: sub.id, bucket, key: 'sub/a.txt' });
    expect(acl.grants.map((g) => (g.grantee.type === 'user' ? g.grantee.id : g.grantee.group))).toContain(
      `qcs::cam::uin/${OTHER_ROOT}:uin/${SUB}`,
    );
  }, 60_000);

  it('the policy editor: principal "<root>/<sub>" is that sub-account and really gets in', async () => {
    const ref = { accountId: sub.id, bucket };
    const view = await sub.bridge.permissions.getPolicy(ref);
    const [st] = fromForm('cos', view.context, `qcs::cam::uin/${UIN1}:uin/${UIN1}`, {
      ...emptyForm(),
      principals: `${OTHER_ROOT}/${SUB}`,
      groups: ['read'],
      resources: 'q/*',
    });
    expect(st.principals).toEqual([`qcs::cam::uin/${OTHER_ROOT}:uin/${SUB}`]);
    await sub.bridge.permissions.putPolicy({ ...ref, document: JSON.stringify(policyDocument('cos', [st])) });
    expect(await asUser2(sub, 'get', bucket, 'q/a.txt')).toBe(200);
    await sub.bridge.permissions.deletePolicy(ref);
  }, 60_000);

  it('copy and move through the strict gateway (Copy directive, canonical copy source)', async () => {
    const r = await base.bridge.storage.copyObject({
      accountId: base.id,
      bucket,
      key: 'p/a.txt',
      toKey: 'copied/a b+é.txt',
    });
    expect(r.errors).toEqual([]);
    const m = await base.bridge.storage.moveObject({
      accountId: base.id,
      bucket,
      key: 'copied/a b+é.txt',
      toKey: 'moved/x.txt',
    });
    expect(m.errors).toEqual([]);
    const page = await base.bridge.storage.listObjects({ accountId: base.id, bucket, prefix: 'moved/' });
    expect(page.objects.map((o) => o.key)).toEqual(['moved/x.txt']);
  }, 60_000);
});
