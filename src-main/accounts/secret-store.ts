import { createRequire } from 'node:module';
import { secretPlain, type SecretPlain } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';

export const KEYCHAIN_SERVICE = 'cosdesk';

export interface KeychainStatus {
  available: boolean;
  reason?: string;
}

/** The OS keychain (Secret Service, macOS Keychain, Windows Credential Vault) via keytar. */
export interface Keychain {
  status(): Promise<KeychainStatus>;
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

export class KeytarKeychain implements Keychain {
  private loaded = false;
  private keytarModule: Keytar | undefined;
  private loadError: string | undefined;
  private probed: Promise<KeychainStatus> | undefined;

  constructor(private readonly service = KEYCHAIN_SERVICE) {}

  /**
   * keytar (a native module, and libsecret behind it) is loaded on first use, not when the
   * services start: a CLI command whose account comes from COSDESK_SECRET_* never touches it.
   */
  private get keytar(): Keytar | undefined {
    if (!this.loaded) {
      this.loaded = true;
      try {
        this.keytarModule = createRequire(import.meta.url)('keytar') as Keytar;
      } catch (err) {
        this.loadError = `the keytar module could not load (${firstLine(err)})`;
      }
    }
    return this.keytarModule;
  }

  status(): Promise<KeychainStatus> {
    this.probed ??= this.probe();
    return this.probed;
  }

  async get(account: string): Promise<string | null> {
    return this.guard(() => this.kt().getPassword(this.service, account));
  }

  async set(account: string, value: string): Promise<void> {
    await this.guard(() => this.kt().setPassword(this.service, account, value));
  }

  async delete(account: string): Promise<boolean> {
    return this.guard(() => this.kt().deletePassword(this.service, account));
  }

  private async probe(): Promise<KeychainStatus> {
    if (!this.keytar) return { available: false, reason: this.loadError };
    try {
      // A read of one entry, not findCredentials: that one can crash the process (keytar
      // 7.9 on libsecret) when the keyring wants to show an unlock prompt and cannot.
      await this.keytar.getPassword(this.service, '__cosdesk_probe__');
      return { available: true };
    } catch (err) {
      return { available: false, reason: firstLine(err) };
    }
  }

  private kt(): Keytar {
    if (!this.keytar) throw keychainUnavailable(this.loadError);
    return this.keytar;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw keychainUnavailable(firstLine(err));
    }
  }
}

export function keychainUnavailable(reason: string | undefined): AppError {
  return new AppError(
    'KEYCHAIN_UNAVAILABLE',
    `The OS keychain is not available${reason ? `: ${reason}` : ''}. ` +
      'cosdesk never writes a secret to a plain file. Start or unlock your keychain ' +
      '(on Linux a Secret Service such as GNOME Keyring or KWallet), or keep the secret for this session only.',
    { reason: reason ?? 'unknown' },
  );
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].slice(0, 300);
}

/**
 * Secrets by account id: in the keychain, or in memory for this session only when the
 * user chose that. Values are JSON of `{ secretKey, sessionToken? }`.
 */
export class SecretStore {
  private readonly session = new Map<string, SecretPlain>();

  constructor(readonly keychain: Keychain) {}

  async put(id: string, secret: SecretPlain, where: 'keychain' | 'session'): Promise<void> {
    if (where === 'session') {
      this.session.set(id, secret);
      await this.keychain.delete(id).catch(() => false);
      return;
    }
    await this.keychain.set(id, JSON.stringify(secret));
    this.session.delete(id);
  }

  async get(id: string, where: 'keychain' | 'session'): Promise<SecretPlain | undefined> {
    if (where === 'session') return this.session.get(id);
    const raw = await this.keychain.get(id);
    if (raw === null) return undefined;
    const parsed = secretPlain.safeParse(safeJson(raw));
    return parsed.success ? parsed.data : undefined;
  }

  hasSession(id: string): boolean {
    return this.session.has(id);
  }

  async remove(id: string): Promise<void> {
    this.session.delete(id);
    await this.keychain.delete(id).catch(() => false);
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
