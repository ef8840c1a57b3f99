import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MintedKeysRevealed } from '../../../src-shared/contract';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { AppError } from '../../../src-shared/errors';
import { DIALECTS } from '../storage/helpers';
import { storageStack, type Stack } from '../storage/stack';
import { curl, makeBucket } from './helpers';

/** The stack's account shape for other keys, with a token and its expiry. */
function temporaryAccount(s: Stack, k: MintedKeysRevealed): ResolvedAccount {
  const base = s.account(k.tmpSecretId, k.tmpSecretKey);
  return {
    ...base,
    tokenExpiresAt: k.expiresAt,
    secret: { secretKey: k.tmpSecretKey, sessionToken: k.token },
  };
}

async function status(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof AppError) return (e.details?.status as number | undefined) ?? -1;
    throw e;
  }
}

// Issue 6: links made with temporary keys work and never outlive the token; minted keys do what
// their scope allows and get 403 outside it. COS mints through GetFederationToken (TC3) at the
// gateway; S3 through RGW STS AssumeRole with a session policy.
describe.each(DIALECTS)('temporary keys (%s)', (dialect) => {
  let s: Stack;
  let bucket: string;
  let other: string;
  const mintExtra = () =>
    dialect === 'cos' ? { stsEndpoint: s.gateway!.url } : { roleArn: process.env.ROLE_ARN as string };

  beforeAll(async () => {
    if (!process.env.ROLE_ARN) throw new Error('ROLE_ARN not set: source the RGW env file');
    s = await storageStack(dialect);
    bucket = await makeBucket(s);
    other = await makeBucket(s);
    for (const key of ['shared/a.txt', 'private/b.txt']) {
      await s.storage.putObject({ accountId: s.id, bucket, key }, `body of ${key}`);
    }
    await s.storage.putObject({ accountId: s.id, bucket: other, key: 'shared/a.txt' }, 'other');
  });
  afterAll(async () => {
    await s.drop(bucket);
    await s.drop(other);
    await s.close();
  });

  it('read-only keys for a prefix read there, and get 403 elsewhere and for writes', async () => {
    const k = await s.bridge.sharing.mint({
      accountId: s.id,
      bucket,
      prefix: 'shared/',
      readOnly: true,
      durationSeconds: 900,
      ...mintExtra(),
    });
    expect(k.tmpSecretId).not.toBe(s.env.ak);
    expect(k.token.length).toBeGreaterThan(10);
    expect(Date.parse(k.expiresAt) - Date.now()).toBeGreaterThan(800_000);
    expect(Date.parse(k.expiresAt) - Date.now()).toBeLessThanOrEqual(901_000);
    const tmp = s.main.accounts.registerEphemeral(temporaryAccount(s, k));
    const at = (b: string, key: string) => ({ accountId: tmp, bucket: b, key });
    expect(new TextDecoder().decode(await s.storage.getObjectBytes(at(bucket, 'shared/a.txt')))).toBe(
      'body of shared/a.txt',
    );
    expect(await status(s.storage.getObjectBytes(at(bucket, 'private/b.txt')))).toBe(403);
    expect(await status(s.storage.getObjectBytes(at(other, 'shared/a.txt')))).toBe(403);
    expect(await status(s.storage.putObject(at(bucket, 'shared/new.txt'), 'no'))).toBe(403);
  });

  it('read-write keys write under the prefix only', async () => {
    const k = await s.bridge.sharing.mint({
      accountId: s.id,
      bucket,
      prefix: 'shared/',
      readOnly: false,
      durationSeconds: 900,
      ...mintExtra(),
    });
    const tmp = s.main.accounts.registerEphemeral(temporaryAccount(s, k));
    expect(await status(s.storage.putObject({ accountId: tmp, bucket, key: 'shared/up.txt' }, 'yes'))).toBe(
      'ok',
    );
    expect(await status(s.storage.putObject({ accountId: tmp, bucket, key: 'private/up.txt' }, 'no'))).toBe(
      403,
    );
    expect(
      await status(s.storage.putObject({ accountId: tmp, bucket: other, key: 'shared/up.txt' }, 'no')),
    ).toBe(403);
  });

  it('links made with a temporary key work, are capped at its expiry and not logged with the token', async () => {
    const k = await s.bridge.sharing.mint({
      accountId: s.id,
      bucket,
      prefix: '',
      readOnly: false,
      durationSeconds: 900,
      ...mintExtra(),
    });
    const tmp = s.main.accounts.registerEphemeral(temporaryAccount(s, k));
    const limits = await s.bridge.sharing.limits({ accountId: tmp });
    expect(limits.reason).toBe('token');
    expect(limits.maxSeconds).toBeLessThanOrEqual(900);
    expect(limits.maxSeconds).toBeGreaterThan(800);

    const r = await s.bridge.sharing.presign({
      accountId: tmp,
      bucket,
      keys: ['shared/a.txt'],
      expiresSeconds: 7 * 86_400,
    });
    expect(r.temporaryKey).toBe(true);
    expect(r.capped?.reason).toBe('token');
    expect(r.seconds).toBeLessThanOrEqual(limits.maxSeconds!);
    expect(Date.parse(r.expiresAt)).toBeLessThanOrEqual(Date.parse(k.expiresAt));
    expect(await curl(r.links[0].url)).toEqual({ status: 200, body: 'body of shared/a.txt' });

    const put = await s.bridge.sharing.presign({
      accountId: tmp,
      bucket,
      keys: ['shared/by-link.txt'],
      method: 'PUT',
      expiresSeconds: 60,
    });
    expect((await curl(put.links[0].url, { method: 'PUT', body: 'via link' })).status).toBe(200);

    const logged = (await s.bridge.sharing.listLinks({})).entries.filter((e) => e.accountId === tmp);
    expect(logged).toHaveLength(2);
    for (const e of logged) {
      expect(e.url).toBeUndefined();
      expect(e.reissueNeeded).toBe(true);
    }
    const file = await import('node:fs/promises').then((fs) => fs.readFile(s.main.sharing.log.path, 'utf8'));
    expect(file).not.toContain(k.token);
    expect(file).not.toContain(k.tmpSecretKey);
  });

  it('an expired temporary key is refused with ExpiredToken before anything is signed', async () => {
    const tmp = s.main.accounts.registerEphemeral({
      ...s.account('AKIDexpired0000', 'x'),
      tokenExpiresAt: new Date(Date.now() - 1000).toISOString(),
      secret: { secretKey: 'x', sessionToken: 'tok' },
    });
    const e = await s.bridge.sharing
      .presign({ accountId: tmp, bucket, keys: ['shared/a.txt'], expiresSeconds: 60 })
      .then(
        () => undefined,
        (err: unknown) => err as AppError,
      );
    expect(e).toBeInstanceOf(AppError);
    expect(e!.details?.storageCode).toBe('ExpiredToken');
  });
});
