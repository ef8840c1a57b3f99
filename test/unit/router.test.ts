import { describe, expect, it } from 'vitest';
import { ALL_METHODS, contract } from '../../src-shared/contract';
import { startMain } from '../support/main';

// Payloads no contract method accepts. Every method must answer them with VALIDATION.
const GARBAGE: unknown[] = [
  null,
  42,
  'accounts',
  true,
  [],
  [{}],
  { unexpected: true },
  { id: { $ne: null } },
  { id: 'x'.repeat(10_000) },
  { fields: 'cos', secret: 'plain-text-secret' },
  JSON.parse('{"__proto__": {"id": "acc-1"}}'),
];

describe('router', () => {
  it('lists every contract method', () => {
    const fromContract = Object.entries(contract).flatMap(([s, calls]) =>
      Object.keys(calls).map((m) => `${s}.${m}`),
    );
    expect([...ALL_METHODS].sort()).toEqual(fromContract.sort());
  });

  it.each(ALL_METHODS)('%s rejects invalid payloads with a validation error', async (method) => {
    const { main } = await startMain();
    for (const payload of GARBAGE) {
      const env = await main.router.call(method, payload);
      // Methods taking {} must still refuse extra keys and non-objects.
      expect(env.ok, `${method} accepted ${JSON.stringify(payload)}`).toBe(false);
      if (!env.ok) {
        expect(env.error.code).toBe('VALIDATION');
        expect(env.error.message).toContain(method);
      }
    }
  });

  it('rejects a plain-text secret where a sealed one is required', async () => {
    const { main } = await startMain();
    const env = await main.router.call('accounts.add', {
      fields: {
        kind: 's3',
        name: 'x',
        endpoint: 'http://127.0.0.1:1',
        region: 'us-east-1',
        accessKeyId: 'AK',
        pathStyle: true,
      },
      secret: { secretKey: 'plain' },
    });
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.code).toBe('VALIDATION');
  });

  it('rejects a secret sealed for another process', async () => {
    const a = await startMain();
    const b = await startMain();
    const sealed = await a.main.sealer.seal({ secretKey: 'k' });
    const env = await b.main.router.call('accounts.add', {
      fields: {
        kind: 's3',
        name: 'x',
        endpoint: 'http://127.0.0.1:1',
        region: 'us-east-1',
        accessKeyId: 'AK',
        pathStyle: true,
      },
      secret: sealed,
    });
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.code).toBe('SEAL_INVALID');
  });

  it.each([
    '',
    'accounts',
    'accounts.',
    '.list',
    'accounts.constructor',
    'accounts.__proto__',
    'toString.call',
    'nope.list',
  ])('answers unknown method %j with UNKNOWN_METHOD', async (method) => {
    const { main } = await startMain();
    const env = await main.router.call(method, {});
    expect(env).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('validates responses: a view never carries fields outside its schema', async () => {
    const { main } = await startMain();
    const env = await main.router.call('app.info', undefined);
    expect(env.ok).toBe(true);
    if (env.ok)
      expect(Object.keys(env.value as object).sort()).toEqual(['keychain', 'mode', 'sealKey', 'version']);
  });
});
