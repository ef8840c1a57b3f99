import { describe, expect, it } from 'vitest';
import { EventHub } from '../../src-main/ipc/events';

describe('EventHub', () => {
  it('coalesces a burst to at most one delivery per interval and keeps the last payload', async () => {
    const hub = new EventHub(100);
    const got: number[] = [];
    hub.subscribe((_n, p) => got.push((p as { accounts: unknown[] }).accounts.length));
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      hub.emit('accounts.changed', { accounts: Array.from({ length: i }, () => sample()) });
      await new Promise((r) => setTimeout(r, 5));
    }
    // The last payload arrives on the coalescing timer: wait for it (bounded, not timed).
    for (let i = 0; i < 200 && got.at(-1) !== 49; i++) await new Promise((r) => setTimeout(r, 25));
    const seconds = (Date.now() - t0) / 1000;
    expect(got.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    expect(got.length).toBeGreaterThan(1);
    expect(got.at(-1)).toBe(49);
    hub.close();
  });

  it('refuses a payload outside the event schema', () => {
    const hub = new EventHub();
    expect(() => hub.emit('accounts.changed', { accounts: [{ id: 'x' }] } as never)).toThrow();
  });
});

function sample() {
  return {
    kind: 's3' as const,
    id: 'acc-1',
    name: 'n',
    region: 'us-east-1',
    keyIdMasked: 'AK…',
    hasToken: false,
    secretStorage: 'keychain' as const,
    createdAt: '',
    updatedAt: '',
    endpoint: 'http://127.0.0.1:1',
    pathStyle: true,
  };
}
