import { S3_MAX_PRESIGN_SECONDS, type ValidityCap, type ValidityLimits } from '../../src-shared/contract';
import type { ResolvedAccount } from '../accounts/types';
import { StorageError } from '../storage/errors';

type Credential = Pick<ResolvedAccount, 'kind' | 'tokenExpiresAt' | 'id'> & { hasToken: boolean };

/** A temporary key past its expiry: the clear error the page turns into "enter fresh keys". */
export function tokenExpiredError(accountId: string | undefined, expiresAt: string): StorageError {
  const e = new StorageError('STORAGE', {
    storageCode: 'ExpiredToken',
    serverMessage: `expired at ${expiresAt}`,
  });
  if (accountId) Object.assign(e.details, { accountId, tokenExpiresAt: expiresAt });
  return e;
}

/** The longest validity the credential can honour from `nowMs`: a token's life, the dialect's limit. */
export function validityLimits(c: Credential, nowMs: number): ValidityLimits {
  const caps: ValidityCap[] = [];
  if (c.tokenExpiresAt) {
    const left = Math.floor((Date.parse(c.tokenExpiresAt) - nowMs) / 1000);
    if (left <= 0) throw tokenExpiredError(c.id, c.tokenExpiresAt);
    caps.push({ reason: 'token', maxSeconds: left });
  }
  if (c.kind === 's3') caps.push({ reason: 's3-max', maxSeconds: S3_MAX_PRESIGN_SECONDS });
  const tightest = caps.sort((a, b) => a.maxSeconds - b.maxSeconds)[0];
  return {
    maxSeconds: tightest?.maxSeconds,
    reason: tightest?.reason,
    tokenExpiresAt: c.tokenExpiresAt,
    tokenExpiryUnknown: c.hasToken && !c.tokenExpiresAt,
  };
}

/** The validity to sign with, and why it is shorter than asked when it is. */
export function capValidity(
  c: Credential,
  requestedSeconds: number,
  nowMs: number,
): { seconds: number; capped?: ValidityCap } {
  const l = validityLimits(c, nowMs);
  if (l.maxSeconds !== undefined && l.reason && requestedSeconds > l.maxSeconds) {
    return { seconds: l.maxSeconds, capped: { reason: l.reason, maxSeconds: l.maxSeconds } };
  }
  return { seconds: requestedSeconds };
}
