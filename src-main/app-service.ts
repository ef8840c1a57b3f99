import type { AppInfo, Services } from '../src-shared/contract';
import type { SecretSealer } from './accounts/sealer';
import type { Keychain } from './accounts/secret-store';
import { version } from '../package.json';

export class AppService implements Pick<Services['app'], 'info'> {
  constructor(
    private readonly mode: AppInfo['mode'],
    private readonly keychain: Keychain,
    private readonly sealer: SecretSealer,
  ) {}

  async info(): Promise<AppInfo> {
    return {
      version,
      mode: this.mode,
      keychain: await this.keychain.status(),
      sealKey: await this.sealer.publicKey(),
    };
  }
}
