import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessReportView } from '../../../src-shared/contract';
import { sameUser } from '../../../src-shared/permissions/model';
import { DIALECTS, UIN2 } from '../storage/helpers';
import { putAll, storageStack, type Stack } from '../storage/stack';
import { listingPrefix } from '../../../src-shared/permissions/evaluate';
import { CASES, formPolicyOf, grantsOf, policyOf, user2Id } from './matrix';
import { anonymous, asUser2, type Probe } from './probes';

const PROBES: [Probe, 'read' | 'write' | 'list'][] = [
  ['get', 'read'],
  ['list', 'list'],
  ['put', 'write'],
];

/**
 * For each case: set the ACLs and the policy, ask "who can access", then make the real requests
 * (anonymous and the second user: GET, list, PUT) and compare. PUT last: it replaces the object.
 */
describe.each(DIALECTS)('who can access agrees with the server (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;
  let ownerId: string;
  const outcomes: string[] = [];

  beforeAll(async () => {
    s = await storageStack(dialect);
    bucket = s.bucketName();
    await s.bridge.storage.createBucket({ accountId: s.id, bucket });
    ownerId = (await s.bridge.permissions.getAcl({ accountId: s.id, bucket })).owner.id;
    await putAll(
      s,
      bucket,
      CASES.map((_, i) => `k${i}/docs/a.txt`),
    );
  }, 60_000);

  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  it.each(CASES.map((c, i) => [i, c.name] as const))(
    'case %i: %s',
    async (i) => {
      const c = CASES[i];
      const folder = `k${i}/`;
      const key = `${folder}docs/a.txt`;
      const ref = { accountId: s.id, bucket };
      if (c.bucketGrants)
        await s.bridge.permissions.putAcl({ ...ref, grants: grantsOf(dialect, ownerId, c.bucketGrants) });
      else await s.bridge.permissions.putAcl({ ...ref, canned: c.bucketCanned ?? 'private' });
      if (c.objectGrants)
        await s.bridge.permissions.putAcl({
          ...ref,
          keys: [key],
          grants: grantsOf(dialect, ownerId, c.objectGrants),
        });
      else if (c.objectCanned)
        await s.bridge.permissions.putAcl({ ...ref, keys: [key], canned: c.objectCanned });
      const foreign = c.policy?.some((p) => p.on === 'other-bucket') ?? false;
      if (c.policy && dialect === 'cos' && foreign) {
        // COS takes a bucket policy naming only its own bucket (PUT Bucket policy, 436/8282):
        // the strict gateway refuses it, and the bucket stays without a policy.
        const e = await s.bridge.permissions
          .putPolicy({ ...ref, document: policyOf(dialect, bucket, folder, c.policy) })
          .then(
            () => undefined,
            (err: unknown) => err as { message?: string },
          );
        expect(e?.message).toMatch(/MalformedPolicy|not in the bucket|invalid/i);
        await s.bridge.permissions.deletePolicy(ref);
      } else if (c.policy)
        await s.bridge.permissions.putPolicy({
          ...ref,
          document: policyOf(dialect, bucket, folder, c.policy),
        });
      else if (c.forms)
        await s.bridge.permissions.putPolicy({
          ...ref,
          document: formPolicyOf(dialect, bucket, folder, c.forms),
        });
      else await s.bridge.permissions.deletePolicy(ref);

      const report = await s.bridge.permissions.whoCanAccess({
        ...ref,
        key,
        users: [dialect === 'cos' ? UIN2 : 'tester2'],
      });
      const anyone = report.rows.find((r) => r.subject.kind === 'anyone');
      const user2 = report.rows.find(
        (r) => r.subject.kind === 'user' && sameUser(r.subject.id, user2Id(dialect)),
      );
      expect(anyone && user2).toBeTruthy();

      for (const [probe, op] of PROBES) {
        for (const [who, row] of [
          ['anyone', anyone],
          ['user2', user2],
        ] as const) {
          const d = (row as AccessReportView['rows'][number]).decisions[op];
          const status =
            who === 'anyone'
              ? await anonymous(s, probe, bucket, probe === 'list' ? listingPrefix(key) : key)
              : await asUser2(s, probe, bucket, probe === 'list' ? listingPrefix(key) : key);
          const real = status === 200 ? 'allow' : 'refused';
          // The COS gateway stores objects on RGW, where an object's ACL never inherits the
          // bucket's; real COS would follow the prediction. Recorded, not hidden.
          const gatewayNoInherit =
            dialect === 'cos' && d.rule.source === 'bucket-acl' && d.rule.inherited === true;
          const expected = d.decision === 'allow' && !gatewayNoInherit ? 'allow' : 'refused';
          outcomes.push(
            `${i} ${who} ${probe}: predicted ${d.decision}${gatewayNoInherit ? ' (inherited)' : ''}, got ${status}`,
          );
          if (c.forms) expect(report.conditional).toEqual([]);
          expect(`${who} ${probe} ${real} (${status})`).toBe(
            `${who} ${probe} ${expected} (${expected === 'allow' ? 200 : status})`,
          );
          if (real === 'refused') expect(status).toBe(403);
        }
      }
    },
    60_000,
  );

  it('covered at least 20 cases with both allows and refusals', () => {
    expect(new Set(outcomes.map((o) => o.split(' ')[0])).size).toBeGreaterThanOrEqual(20);
    expect(outcomes.some((o) => o.endsWith('got 200'))).toBe(true);
    expect(outcomes.some((o) => o.includes('predicted deny'))).toBe(true);
  });
});
