import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMain } from '../support/main';

// Runs against the real Secret Service (gnome-keyring in a D-Bus session; npm test starts it).
function lookup(id: string): string | undefined {
  const r = spawnSync('secret-tool', ['lookup', 'service', 'cosdesk', 'account', id], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

function everyFileUnder(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((p) => statSync(p).isFile())
    .map((p) => readFileSync(p, 'utf8'))
    .join('\n');
}

const s3Fields = {
  kind: 's3' as const,
  name: 'RGW on loopback',
  endpoint: 'http://127.0.0.1:7480',
  region: 'us-east-1',
  accessKeyId: 'AKIDKEYCHAINTEST0001',
  pathStyle: true,
};

describe('accounts in the OS keychain', () => {
  it('keeps the secret in the keychain and only metadata in the data folder', async () => {
    const { main, bridge, dataDir } = await startMain();
    expect((await bridge.app.info({})).keychain.available).toBe(true);
    const secretKey = `sk-${crypto.randomUUID()}`;
    const sessionToken = `tok-${crypto.randomUUID()}`;
    const view = await bridge.accounts.add({
      fields: { ...s3Fields, tokenExpiresAt: '2030-01-01T00:00:00.000Z' },
      secret: await main.sealer.seal({ secretKey, sessionToken }),
    });

    const stored = JSON.parse(lookup(view.id) ?? 'null');
    expect(stored).toEqual({ secretKey, sessionToken });

    const files = everyFileUnder(dataDir);
    expect(files).toContain(view.id);
    expect(files).not.toContain(secretKey);
    expect(files).not.toContain(sessionToken);
    expect(statSync(join(dataDir, 'accounts.json')).mode & 0o077).toBe(0);

    expect(view).toMatchObject({ secretStorage: 'keychain', hasToken: true, keyIdMasked: 'AKID…0001' });
    expect(JSON.stringify(await bridge.accounts.list({}))).not.toContain(secretKey);
    expect(JSON.stringify(view)).not.toContain('AKIDKEYCHAINTEST0001');

    await bridge.accounts.remove({ id: view.id });
    expect(lookup(view.id)).toBeUndefined();
  });

  it('replaces the secret on edit and keeps it when the edit leaves it out', async () => {
    const { main, bridge } = await startMain();
    const seal = (secretKey: string) => main.sealer.seal({ secretKey });
    const view = await bridge.accounts.add({ fields: s3Fields, secret: await seal('first-secret') });
    await bridge.accounts.update({ id: view.id, fields: { ...s3Fields, name: 'renamed' } });
    expect(JSON.parse(lookup(view.id) ?? '{}').secretKey).toBe('first-secret');
    await bridge.accounts.update({ id: view.id, fields: s3Fields, secret: await seal('second-secret') });
    expect(JSON.parse(lookup(view.id) ?? '{}').secretKey).toBe('second-secret');
    expect((await main.accounts.resolve(view.id)).secret.secretKey).toBe('second-secret');
    await bridge.accounts.remove({ id: view.id });
  });

  it('lists accounts again after a restart, resolving secrets from the keychain', async () => {
    const first = await startMain();
    const view = await first.bridge.accounts.add({
      fields: s3Fields,
      secret: await first.main.sealer.seal({ secretKey: 'persisted-secret' }),
    });
    first.main.close();
    const second = await startMain({ dataDir: first.dataDir });
    expect((await second.bridge.accounts.list({})).map((a) => a.id)).toEqual([view.id]);
    expect((await second.main.accounts.resolve(view.id)).secret.secretKey).toBe('persisted-secret');
    await second.bridge.accounts.remove({ id: view.id });
  });

  it('keeps a session-only secret in memory: after a restart it is missing, never on disk', async () => {
    const first = await startMain();
    const view = await first.bridge.accounts.add({
      fields: s3Fields,
      secret: await first.main.sealer.seal({ secretKey: 'memory-only-secret' }),
      sessionOnly: true,
    });
    expect(view.secretStorage).toBe('session');
    expect(lookup(view.id)).toBeUndefined();
    expect(everyFileUnder(first.dataDir)).not.toContain('memory-only-secret');
    const second = await startMain({ dataDir: first.dataDir });
    const [again] = await second.bridge.accounts.list({});
    expect(again.secretStorage).toBe('missing');
    await expect(second.bridge.accounts.test({ id: view.id })).rejects.toMatchObject({
      code: 'SECRET_MISSING',
    });
  });

  it('announces changes to every view without secrets', async () => {
    const { main, bridge } = await startMain();
    const seen: string[] = [];
    bridge.events.on('accounts.changed', (p) => seen.push(JSON.stringify(p)));
    const view = await bridge.accounts.add({
      fields: s3Fields,
      secret: await main.sealer.seal({ secretKey: 'event-secret' }),
    });
    // Events are coalesced on a timer: wait for the one naming the account (bounded, not timed).
    for (let i = 0; i < 200 && !seen.some((x) => x.includes(view.id)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toContain(view.id);
    expect(seen.join('')).not.toContain('event-secret');
    await bridge.accounts.remove({ id: view.id });
  });
});
