import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../storage/helpers';
import { putAll, storageStack, type Stack } from '../storage/stack';
import { anonymous, cosdesk, scheme } from './probes';

// `cosdesk public on|off` through the built CLI (npx electron-vite build), then real anonymous requests.
describe.each(DIALECTS)('public folder through the CLI (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;

  beforeAll(async () => {
    s = await storageStack(dialect);
    bucket = s.bucketName();
    await s.bridge.storage.createBucket({ accountId: s.id, bucket });
    await putAll(s, bucket, ['pub/a.txt', 'pub/deep/b.txt', 'pub/c.txt', 'private.txt', 'pubx.txt']);
    // Another statement that must survive the switch both ways.
    const other =
      dialect === 'cos'
        ? {
            version: '2.0',
            statement: [
              {
                sid: 'keep-me',
                effect: 'allow',
                principal: { qcs: ['qcs::cam::uin/100000000002:uin/100000000002'] },
                action: ['name/cos:GetBucket'],
                resource: [`qcs::cos:ap-guangzhou:uid/1250000000:${bucket}/*`],
              },
            ],
          }
        : {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'keep-me',
                Effect: 'Allow',
                Principal: { AWS: ['arn:aws:iam:::user/tester2'] },
                Action: ['s3:ListBucket'],
                Resource: [`arn:aws:s3:::${bucket}`],
              },
            ],
          };
    await s.bridge.permissions.putPolicy({ accountId: s.id, bucket, document: JSON.stringify(other) });
  }, 60_000);

  afterAll(async () => {
    await s.drop(bucket);
    await s.close();
  });

  it('public on exposes the folder only; public off takes it back; the other statement stays', async () => {
    expect(await anonymous(s, 'get', bucket, 'pub/a.txt')).toBe(403);
    const before = await s.bridge.permissions.getPolicy({ accountId: s.id, bucket });

    const on = await cosdesk(s, ['public', 'on', `${scheme(dialect)}://${bucket}/pub`, '--json']);
    expect(on.code, on.stderr).toBe(0);
    const doc = JSON.parse(on.stdout) as { public: boolean; exposed: { count: number; more: boolean } };
    expect(doc.public).toBe(true);
    expect(doc.exposed).toEqual({ count: 3, more: false });

    expect(await anonymous(s, 'get', bucket, 'pub/a.txt')).toBe(200);
    expect(await anonymous(s, 'get', bucket, 'pub/deep/b.txt')).toBe(200);
    expect(await anonymous(s, 'get', bucket, 'private.txt')).toBe(403);
    expect(await anonymous(s, 'get', bucket, 'pubx.txt')).toBe(403);
    expect(await anonymous(s, 'put', bucket, 'pub/new.txt')).toBe(403);

    const during = JSON.parse(
      (await s.bridge.permissions.getPolicy({ accountId: s.id, bucket })).document ?? '{}',
    );
    const statements = (during.statement ?? during.Statement) as { sid?: string; Sid?: string }[];
    expect(statements.map((x) => x.sid ?? x.Sid)).toEqual(['keep-me', 'cosdesk-public-read:pub/']);
    expect(
      (await s.bridge.permissions.folderPublic({ accountId: s.id, bucket, prefix: 'pub/' })).public,
    ).toBe(true);

    const again = await cosdesk(s, ['public', 'on', `${scheme(dialect)}://${bucket}/pub/`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/readable by anyone \(3 objects exposed\)/);

    const off = await cosdesk(s, ['public', 'off', `${scheme(dialect)}://${bucket}/pub/`]);
    expect(off.code, off.stderr).toBe(0);
    expect(await anonymous(s, 'get', bucket, 'pub/a.txt')).toBe(403);
    const after = await s.bridge.permissions.getPolicy({ accountId: s.id, bucket });
    expect(after.document).toBe(before.document);
    expect(
      (await s.bridge.permissions.folderPublic({ accountId: s.id, bucket, prefix: 'pub/' })).public,
    ).toBe(false);
  }, 120_000);

  it('counts a big folder up to the cap and says "more than"', async () => {
    await putAll(
      s,
      bucket,
      Array.from({ length: 25 }, (_, i) => `big/${i}.txt`),
    );
    expect(
      await s.bridge.permissions.countExposure({ accountId: s.id, bucket, prefix: 'big/', cap: 10 }),
    ).toEqual({
      count: 10,
      more: true,
    });
    expect(await s.bridge.permissions.countExposure({ accountId: s.id, bucket, prefix: 'big/' })).toEqual({
      count: 25,
      more: false,
    });
  }, 60_000);
});
