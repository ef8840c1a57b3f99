import { describe, expect, it } from 'vitest';
import { accountFields } from '../../../src-shared/contract';
import type { AccountView } from '../../../src-shared/contract';
import { emptyForm, expiryApplies, formFromAccount, toFields, toSecret } from './account-form';

const s3View: AccountView = {
  kind: 's3',
  id: 'x1',
  name: 'Ceph',
  region: 'us-east-1',
  keyIdMasked: 'AK…9',
  hasToken: true,
  tokenExpiresAt: '2030-01-01T00:00:00.000Z',
  secretStorage: 'session',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  endpoint: 'http://127.0.0.1:7480',
  pathStyle: true,
};

describe('account form', () => {
  it('turns a COS form into fields the contract accepts, dropping empty optionals', () => {
    const form = {
      ...emptyForm(),
      name: ' Prod ',
      secretId: 'AKIDabc',
      secretKey: 's3cret',
      appId: '',
      endpointTemplate: 'http://{bucket}.cos.{region}.localhost:9000',
    };
    const fields = toFields(form, null);
    expect(fields).toEqual({
      kind: 'cos',
      name: 'Prod',
      secretId: 'AKIDabc',
      region: 'ap-guangzhou',
      endpointTemplate: 'http://{bucket}.cos.{region}.localhost:9000',
    });
    expect(accountFields.safeParse(fields).success).toBe(true);
    expect(toSecret(form)).toEqual({ secretKey: 's3cret' });
  });

  it('keeps the stored token expiry when editing without retyping the secret', () => {
    const form = { ...formFromAccount(s3View), accessKeyId: 'AKFULL' };
    expect(form.secretKey).toBe('');
    expect(toSecret(form)).toBeUndefined();
    expect(expiryApplies(form, s3View)).toBe(true);
    const fields = toFields(form, s3View);
    expect(fields).toMatchObject({ kind: 's3', tokenExpiresAt: '2030-01-01T00:00:00.000Z' });
    expect(accountFields.safeParse(fields).success).toBe(true);

    // A new secret without a token replaces the stored token: its expiry no longer applies.
    form.secretKey = 'new';
    expect(toFields(form, s3View)).not.toHaveProperty('tokenExpiresAt');
  });
});
