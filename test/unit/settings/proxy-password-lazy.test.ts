import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SecretSealer } from '../../../src-main/accounts/sealer';
import { SecretStore, type Keychain } from '../../../src-main/accounts/secret-store';
import { PROXY_SECRET_ID, SETTINGS_FILE, SettingsService } from '../../../src-main/settings/service';

/** A keychain in memory that counts its reads. */
function countingKeychain(entries: Record<string, string> = {}): Keychain & { reads: number } {
  const kc = {
    reads: 0,
    status: async () => ({ available: true }),
    get: async (account: string) => {
      kc.reads++;
      return entries[account] ?? null;
    },
    set: async (account: string, value: string) => {
      entries[account] = value;
    },
    delete: async (account: string) => delete entries[account],
  };
  return kc;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function open(keychain: Keychain, file?: object): Promise<SettingsService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cosdesk-settings-'));
  dirs.push(dataDir);
  if (file) await writeFile(join(dataDir, SETTINGS_FILE), JSON.stringify(file));
  return SettingsService.open({
    dataDir,
    secrets: new SecretStore(keychain),
    sealer: {} as SecretSealer,
    defaultDownloadDir: dataDir,
  });
}

const withUser = { proxy: { mode: 'http', host: '127.0.0.1', port: 3128, username: 'u' } };
const stored = { [PROXY_SECRET_ID]: JSON.stringify({ secretKey: 'pw' }) };

describe('the proxy password is read from the keychain on first need, not at start', () => {
  it('opening the settings does not touch the keychain; the settings page reads it once', async () => {
    const kc = countingKeychain(stored);
    const s = await open(kc, withUser);
    expect(kc.reads).toBe(0);
    expect((await s.get()).proxy).toMatchObject({ username: 'u', hasPassword: true });
    expect((await s.get()).proxy.hasPassword).toBe(true);
    expect(kc.reads).toBe(1);
  });

  it('a proxied route with a user name gets the stored password', async () => {
    const kc = countingKeychain(stored);
    const s = await open(kc, withUser);
    const { endpoint } = await s.network.endpoint('http://storage.example:80');
    expect(endpoint).toMatchObject({ kind: 'http', username: 'u', password: 'pw' });
    expect(kc.reads).toBe(1);
  });

  it('with no proxy user (the default) nothing reads the keychain', async () => {
    const kc = countingKeychain(stored);
    const s = await open(kc, { proxy: { mode: 'none', host: '' } });
    await s.network.endpoint('http://storage.example:80');
    s.current();
    expect(kc.reads).toBe(0);
  });

  it('a keychain that fails reads as no password, as before', async () => {
    const kc = countingKeychain();
    kc.get = async () => {
      throw new Error('no Secret Service');
    };
    const s = await open(kc, withUser);
    expect((await s.get()).proxy.hasPassword).toBe(false);
    expect((await s.network.endpoint('http://storage.example:80')).endpoint?.password).toBeUndefined();
  });

  it('--proxy (overrideProxy) wins over the stored password, even with a read under way', async () => {
    const kc = countingKeychain(stored);
    const s = await open(kc, withUser);
    const page = s.get();
    s.overrideProxy('http://v:other@127.0.0.1:8080');
    await page;
    const { endpoint } = await s.network.endpoint('http://storage.example:80');
    expect(endpoint).toMatchObject({ username: 'v', password: 'other', port: 8080 });
    expect((await s.get()).proxy.hasPassword).toBe(true);
  });
});
