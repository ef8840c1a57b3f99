import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AppInfo, Services } from '../src-shared/contract';

type AppApi = Services['app'];
import type { SecretSealer } from './accounts/sealer';
import type { Keychain } from './accounts/secret-store';
import { version } from '../package.json';

export interface FolderOptions {
  pickFolder?: () => Promise<string | undefined>;
  downloadDir?: string;
}

export class AppService implements AppApi {
  constructor(
    private readonly mode: AppInfo['mode'],
    private readonly keychain: Keychain,
    private readonly sealer: SecretSealer,
    private readonly folders: FolderOptions = {},
  ) {}

  async info(): Promise<AppInfo> {
    return {
      version,
      mode: this.mode,
      keychain: await this.keychain.status(),
      sealKey: await this.sealer.publicKey(),
    };
  }

  async chooseDownloadFolder(): Promise<{ path?: string; fixed: boolean }> {
    if (this.folders.pickFolder) return { path: await this.folders.pickFolder(), fixed: false };
    return { path: downloadDir(this.folders.downloadDir), fixed: true };
  }
}

/** `--download-dir`, else COSDESK_DOWNLOAD_DIR, else ~/Downloads/cosdesk. */
export function downloadDir(flag?: string): string {
  const dir = flag ?? process.env.COSDESK_DOWNLOAD_DIR;
  return dir ? resolve(dir) : join(homedir(), 'Downloads', 'cosdesk');
}
