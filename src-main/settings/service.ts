import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MIB,
  settingsValues,
  type Services,
  type SettingsPatch,
  type SettingsValues,
  type SettingsView,
} from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { SecretSealer } from '../accounts/sealer';
import type { SecretStore } from '../accounts/secret-store';
import { writeFileAtomic } from '../fs-atomic';
import type { EventHub } from '../ipc/events';
import { ProxyNetwork, type SystemProxyResolver } from './network';

type Api = Services['settings'];

export const SETTINGS_FILE = 'settings.json';
/** The proxy password's entry in the keychain (account ids never contain a dot). */
export const PROXY_SECRET_ID = 'settings.proxy';

export const DEFAULT_SETTINGS: SettingsValues = {
  transfers: { concurrency: 8, partSizeMiB: 8, uploadBps: 0, downloadBps: 0 },
  downloadDir: '',
  conflictDefault: 'ask',
  language: '',
  theme: 'system',
  proxy: { mode: 'system', host: '' },
};

export interface SettingsDeps {
  dataDir: string;
  secrets: SecretStore;
  sealer: SecretSealer;
  hub?: EventHub;
  /** Where downloads go when the setting is empty. */
  defaultDownloadDir: string;
  /** The desktop app: a native folder dialog. */
  pickFolder?: () => Promise<string | undefined>;
  /** The desktop app: Electron's session.resolveProxy for the "system" proxy. */
  resolveSystemProxy?: SystemProxyResolver;
  /** Told after every change (and once at start): applies the transfer settings live. */
  onApply?(values: SettingsValues, changed: Set<keyof SettingsValues>): void;
}

/**
 * The settings page's values, in `settings.json` of the data folder (written atomically, read
 * field by field so one bad value does not lose the rest). The proxy password lives in the OS
 * keychain through the secret store; neither the file nor the page ever sees it.
 */
export class SettingsService implements Api {
  private values: SettingsValues = structuredClone(DEFAULT_SETTINGS);
  /** Which fields the file set (the rest follow the defaults and the environment). */
  private explicit = new Set<string>();
  private password: string | undefined;
  private hasPassword = false;
  /** The keychain read of the proxy password: on first need, not at start (see readPassword). */
  private passwordRead: Promise<void> | undefined;
  private passwordGeneration = 0;
  private writing: Promise<void> = Promise.resolve();
  readonly network: ProxyNetwork;

  private constructor(private readonly deps: SettingsDeps) {
    this.network = new ProxyNetwork({
      proxy: () => this.values.proxy,
      password: async () => {
        await this.readPassword();
        return this.password;
      },
      resolveSystem: deps.resolveSystemProxy,
    });
  }

  static async open(deps: SettingsDeps): Promise<SettingsService> {
    const s = new SettingsService(deps);
    await s.load();
    return s;
  }

  get path(): string {
    return join(this.deps.dataDir, SETTINGS_FILE);
  }

  /** The values now (a copy). */
  current(): SettingsValues {
    return structuredClone(this.values);
  }

  /** Whether the user set this transfer field (else the engine keeps its own default). */
  isSet(field: keyof SettingsValues['transfers']): boolean {
    return this.explicit.has(`transfers.${field}`);
  }

  /** The folder downloads go to: the setting, else the default. */
  downloadDir(): string {
    return this.values.downloadDir || this.deps.defaultDownloadDir;
  }

  async get(): Promise<SettingsView> {
    await this.readPassword();
    return this.view();
  }

  async set(patch: SettingsPatch): Promise<SettingsView> {
    await this.readPassword();
    const next = structuredClone(this.values);
    const changed = new Set<keyof SettingsValues>();
    if (patch.transfers) {
      next.transfers = { ...next.transfers, ...patch.transfers };
      for (const k of Object.keys(patch.transfers)) this.explicit.add(`transfers.${k}`);
      changed.add('transfers');
    }
    if (patch.downloadDir !== undefined) {
      const dir = patch.downloadDir.trim();
      if (dir && !isAbsolute(dir)) {
        throw new AppError(
          'VALIDATION',
          `"${dir}" is not a full path: give the download folder as an absolute path.`,
        );
      }
      next.downloadDir = dir;
      changed.add('downloadDir');
    }
    for (const k of ['conflictDefault', 'language', 'theme'] as const) {
      if (patch[k] !== undefined) {
        (next as Record<string, unknown>)[k] = patch[k];
        changed.add(k);
      }
    }
    let password: string | null | undefined;
    if (patch.proxy) {
      const { password: sealed, ...rest } = patch.proxy;
      next.proxy = { ...next.proxy, ...rest };
      if (rest.username === '') delete next.proxy.username;
      if (sealed === null) password = null;
      else if (sealed) password = (await this.deps.sealer.open(sealed)).secretKey;
      changed.add('proxy');
    }
    const checked = settingsValues.safeParse(next);
    if (!checked.success) {
      throw new AppError(
        'VALIDATION',
        `These settings cannot be saved: ${checked.error.issues[0]?.message}.`,
      );
    }
    if (
      (next.proxy.mode === 'http' || next.proxy.mode === 'socks5') &&
      (!next.proxy.host || !next.proxy.port)
    ) {
      throw new AppError(
        'VALIDATION',
        'A proxy needs a host and a port: fill in both, or choose "No proxy".',
      );
    }
    if (password === null) {
      await this.deps.secrets.remove(PROXY_SECRET_ID);
      this.password = undefined;
      this.hasPassword = false;
    } else if (password !== undefined) {
      await this.deps.secrets.put(PROXY_SECRET_ID, { secretKey: password }, 'keychain');
      this.password = password;
      this.hasPassword = true;
    }
    this.values = checked.data;
    await this.save();
    if (changed.has('proxy')) this.network.changed();
    this.deps.onApply?.(this.current(), changed);
    const view = this.view();
    this.deps.hub?.emit('settings.changed', { settings: view });
    return view;
  }

  /**
   * This process only (the CLI's `--proxy`): a proxy URL such as `http://user:pw@host:3128`,
   * `socks5://host:1080` or `none`, used instead of the saved setting and never saved.
   */
  overrideProxy(url: string): void {
    const parsed = parseProxyUrl(url);
    this.values.proxy = parsed.proxy;
    this.password = parsed.password;
    this.hasPassword = parsed.password !== undefined;
    // The saved password is not this run's: a read still under way does not overwrite it.
    this.passwordGeneration++;
    this.passwordRead = Promise.resolve();
    this.network.changed();
  }

  async chooseDownloadDir(): Promise<{ path?: string }> {
    if (!this.deps.pickFolder) {
      throw new AppError(
        'VALIDATION',
        'There is no folder dialog in this mode: type the folder path instead.',
      );
    }
    return { path: await this.deps.pickFolder() };
  }

  private view(): SettingsView {
    return {
      ...this.current(),
      proxy: { ...this.values.proxy, hasPassword: this.hasPassword },
      defaultDownloadDir: this.deps.defaultDownloadDir,
      canPickFolder: this.deps.pickFolder !== undefined,
    };
  }

  private async load(): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      raw = undefined;
    }
    const file = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const shape = settingsValues.shape;
    for (const key of Object.keys(shape) as (keyof SettingsValues)[]) {
      if (key === 'transfers') {
        const t = (typeof file.transfers === 'object' && file.transfers ? file.transfers : {}) as Record<
          string,
          unknown
        >;
        for (const [f, schema] of Object.entries(shape.transfers.shape)) {
          const ok = schema.safeParse(t[f]);
          if (ok.success) {
            (this.values.transfers as Record<string, unknown>)[f] = ok.data;
            this.explicit.add(`transfers.${f}`);
          }
        }
        continue;
      }
      const ok = shape[key].safeParse(file[key]);
      if (ok.success) (this.values as Record<string, unknown>)[key] = ok.data;
    }
    this.deps.onApply?.(this.current(), new Set(Object.keys(shape) as (keyof SettingsValues)[]));
  }

  /**
   * The proxy password from the keychain, read once when something needs it (a proxied route
   * with a user name, the settings page, a change), not when the services start: a CLI command
   * with no proxy user never loads keytar or talks to the Secret Service. As before, a keychain
   * that cannot answer reads as "no password".
   */
  private readPassword(): Promise<void> {
    this.passwordRead ??= this.readPasswordNow();
    return this.passwordRead;
  }

  private async readPasswordNow(): Promise<void> {
    const generation = ++this.passwordGeneration;
    let password: string | undefined;
    try {
      password = (await this.deps.secrets.get(PROXY_SECRET_ID, 'keychain'))?.secretKey;
    } catch {
      password = undefined;
    }
    if (generation !== this.passwordGeneration) return; // overridden meanwhile (--proxy)
    this.password = password;
    this.hasPassword = password !== undefined;
  }

  private save(): Promise<void> {
    const file: Record<string, unknown> = { ...this.values };
    // Only the transfer fields someone set: the rest keep following the engine's defaults.
    file.transfers = Object.fromEntries(
      Object.entries(this.values.transfers).filter(([k]) => this.explicit.has(`transfers.${k}`)),
    );
    const text = `${JSON.stringify(file, null, 2)}\n`;
    const p = this.writing.then(() => writeFileAtomic(this.path, text));
    this.writing = p.catch(() => undefined);
    return p;
  }
}

/** `--proxy` values: `none`, `system`, `http://[user[:pw]@]host:port`, `socks5://…`. */
export function parseProxyUrl(raw: string): { proxy: SettingsValues['proxy']; password?: string } {
  const text = raw.trim();
  if (text === 'none' || text === 'system') return { proxy: { mode: text, host: '' } };
  let u: URL;
  try {
    u = new URL(/^[a-z0-9]+:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new AppError(
      'VALIDATION',
      `"${raw}" is not a proxy: give http://host:port, socks5://host:port or none.`,
    );
  }
  const mode =
    u.protocol === 'http:'
      ? 'http'
      : u.protocol === 'socks5:' || u.protocol === 'socks:'
        ? 'socks5'
        : undefined;
  const port = Number(u.port || (mode === 'socks5' ? 1080 : 80));
  if (!mode || !u.hostname) {
    throw new AppError(
      'VALIDATION',
      `"${raw}" is not a proxy: give http://host:port, socks5://host:port or none.`,
    );
  }
  return {
    proxy: {
      mode,
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    },
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** Transfer settings as the engine takes them. */
export function engineLimits(s: SettingsValues, isSet: (f: keyof SettingsValues['transfers']) => boolean) {
  return {
    limits: {
      uploadBps: s.transfers.uploadBps,
      downloadBps: s.transfers.downloadBps,
      concurrency: isSet('concurrency') ? s.transfers.concurrency : undefined,
    },
    partSize: isSet('partSizeMiB') ? s.transfers.partSizeMiB * MIB : undefined,
  };
}
