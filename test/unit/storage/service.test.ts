import { describe, expect, it } from 'vitest';
import type { ResolvedAccount } from '../../../src-main/accounts/types';
import { StorageService } from '../../../src-main/storage/service';

const account: ResolvedAccount = {
  kind: 's3',
  name: 't',
  endpoint: 'http://127.0.0.1:1',
  region: 'us-east-1',
  accessKeyId: 'AK',
  pathStyle: true,
  secret: { secretKey: 'x' },
};

function counting(fail = false) {
  const calls: string[] = [];
  const svc = new StorageService({
    resolveAccount: async (id) => {
      calls.push(id);
      if (fail) throw new Error('no such account');
      return account;
    },
  });
  return { svc, calls };
}

// An invalid bucket name fails after the client is resolved but before any request leaves.
const invalid = (svc: StorageService, accountId: string) =>
  svc.createBucket({ accountId, bucket: 'NO' }).catch((e: unknown) => e);

describe('StorageService client cache', () => {
  it('resolves an account once and again after invalidate', async () => {
    const { svc, calls } = counting();
    await invalid(svc, 'a');
    await invalid(svc, 'a');
    await invalid(svc, 'b');
    expect(calls).toEqual(['a', 'b']);
    await svc.invalidate('a');
    await invalid(svc, 'a');
    await invalid(svc, 'b');
    expect(calls).toEqual(['a', 'b', 'a']);
    await svc.invalidate();
    await invalid(svc, 'b');
    expect(calls).toEqual(['a', 'b', 'a', 'b']);
    await svc.close();
  });

  it('does not cache a failed resolve', async () => {
    const { svc, calls } = counting(true);
    await expect(svc.listBuckets({ accountId: 'a' })).rejects.toThrow('no such account');
    await expect(svc.listBuckets({ accountId: 'a' })).rejects.toThrow('no such account');
    expect(calls).toEqual(['a', 'a']);
  });

  it('explains an invalid name as a validation error', async () => {
    const { svc } = counting();
    expect(await invalid(svc, 'a')).toMatchObject({ code: 'VALIDATION', message: /3 to 63 characters/ });
    await svc.close();
  });
});
