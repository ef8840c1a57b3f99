import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { AccountView, AppInfo, Bridge, EventName, EventPayload } from '../../../src-shared/contract';
import { toBase64 } from '../../../src-shared/crypto/seal';
import { AppError } from '../../../src-shared/errors';
import { useAccountsStore } from './store';
import { useAppStore } from '../ui/app-store';
import { setBridgeForTests } from '../bridge/store';

function view(id: string, name: string): AccountView {
  return {
    kind: 'cos',
    id,
    name,
    region: 'ap-guangzhou',
    keyIdMasked: 'AKID…1234',
    hasToken: false,
    secretStorage: 'keychain',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

async function newSealKey(): Promise<string> {
  const pair = await globalThis.crypto.subtle.generateKey(
    {
      name: 'RSA-OAEP',
      hash: 'SHA-256',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
    },
    false,
    ['encrypt', 'decrypt'],
  );
  return toBase64(new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', pair.publicKey)));
}

/** A bridge whose calls are vi.fn()s and whose events the test emits by hand. */
function fakeBridge(initial: AccountView[]) {
  const listeners = new Map<EventName, (payload: unknown) => void>();
  const info: AppInfo = {
    version: '0.0.0',
    mode: 'test',
    keychain: { available: true },
    sealKey: '',
  };
  const fake = {
    app: { info: vi.fn(async () => info) },
    accounts: {
      list: vi.fn(async () => initial),
      get: vi.fn(),
      add: vi.fn(),
      update: vi.fn(),
      remove: vi.fn(async () => ({ removed: true })),
      test: vi.fn(),
      testDraft: vi.fn(),
    },
    events: {
      on: vi.fn((name: EventName, listener: (payload: unknown) => void) => {
        listeners.set(name, listener);
        return () => listeners.delete(name);
      }),
    },
  };
  const emit = <E extends EventName>(name: E, payload: EventPayload<E>): void =>
    listeners.get(name)?.(payload);
  return { fake, bridge: fake as unknown as Bridge, emit, info };
}

describe('useAccountsStore', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => setBridgeForTests(undefined));

  it('loads the list, selects the first account, and applies accounts.changed', async () => {
    const { bridge, emit } = fakeBridge([view('a', 'Alpha'), view('b', 'Beta')]);
    setBridgeForTests(bridge);
    const store = useAccountsStore();

    await store.load();
    expect(store.accounts.map((a) => a.name)).toEqual(['Alpha', 'Beta']);
    expect(store.selectedId).toBe('a');

    emit('accounts.changed', { accounts: [view('b', 'Beta'), view('c', 'Gamma')] });
    expect(store.accounts.map((a) => a.id)).toEqual(['b', 'c']);
    // The selected account went away: the selection moves to one that exists.
    expect(store.selectedId).toBe('b');

    store.stop();
    emit('accounts.changed', { accounts: [] });
    expect(store.accounts).toHaveLength(2);
  });

  it('keeps a failed call as lastError and rethrows it', async () => {
    const { fake, bridge } = fakeBridge([view('a', 'Alpha')]);
    fake.accounts.test.mockRejectedValueOnce(new AppError('SECRET_MISSING', 'no secret stored'));
    setBridgeForTests(bridge);
    const store = useAccountsStore();
    await store.load();

    await expect(store.test('a')).rejects.toMatchObject({ code: 'SECRET_MISSING' });
    expect(store.lastError?.code).toBe('SECRET_MISSING');
    expect(store.lastError?.message).toBe('no secret stored');
    expect(store.isTesting('a')).toBe(false);

    fake.accounts.test.mockResolvedValueOnce({ ok: true, message: 'ok', latencyMs: 5 });
    await store.test('a');
    expect(store.lastError).toBeNull();
    expect(store.testResults.a).toMatchObject({ ok: true, latencyMs: 5 });
  });

  it('a list that cannot be fetched leaves the store unloaded with the error', async () => {
    const { fake, bridge } = fakeBridge([]);
    fake.accounts.list.mockRejectedValueOnce(new AppError('NETWORK', 'server gone'));
    setBridgeForTests(bridge);
    const store = useAccountsStore();

    await expect(store.load()).rejects.toBeInstanceOf(AppError);
    expect(store.loaded).toBe(false);
    expect(store.lastError?.code).toBe('NETWORK');
  });

  it('seals the secret for add, and re-seals once with a fresh key after SEAL_INVALID', async () => {
    const { fake, bridge, info } = fakeBridge([]);
    info.sealKey = await newSealKey();
    setBridgeForTests(bridge);
    const store = useAccountsStore();
    const added = view('n', 'New');
    fake.accounts.add
      .mockRejectedValueOnce(new AppError('SEAL_INVALID', 'sealed for another session'))
      .mockResolvedValueOnce(added);

    const fields = {
      kind: 'cos' as const,
      name: 'New',
      secretId: 'AKIDEXAMPLE',
      region: 'ap-guangzhou',
    };
    const result = await store.add({ fields, secret: { secretKey: 'typed-secret' } });

    expect(result).toEqual(added);
    expect(fake.app.info).toHaveBeenCalledTimes(2);
    expect(fake.accounts.add).toHaveBeenCalledTimes(2);
    const sent = fake.accounts.add.mock.calls.map((c: unknown[]) => JSON.stringify(c[0]));
    for (const s of sent) expect(s).not.toContain('typed-secret');
    expect(store.accounts).toEqual([added]);
    expect(store.selectedId).toBe('n');
    expect(useAppStore().info?.sealKey).toBe(info.sealKey);
  });

  it('tests a draft with the stored secret of the account being edited', async () => {
    const { fake, bridge } = fakeBridge([view('a', 'Alpha')]);
    fake.accounts.testDraft.mockResolvedValueOnce({
      ok: false,
      code: 'AccessDenied',
      message: 'Access Denied',
      latencyMs: 12,
    });
    setBridgeForTests(bridge);
    const store = useAccountsStore();
    const fields = { kind: 'cos' as const, name: 'Alpha', secretId: 'AKIDX', region: 'ap-beijing' };

    const result = await store.testDraft({ fields, id: 'a' });

    expect(result.ok).toBe(false);
    expect(fake.accounts.testDraft).toHaveBeenCalledWith({ fields, id: 'a' });
    expect(fake.app.info).not.toHaveBeenCalled();
  });
});
