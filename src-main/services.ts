import type { AppInfo, ConnectionTestResult, Services } from '../src-shared/contract';
import { AccountRegistry } from './accounts/registry';
import { SecretSealer } from './accounts/sealer';
import { KeytarKeychain, SecretStore, type Keychain } from './accounts/secret-store';
import { AccountsService } from './accounts/service';
import type { ResolvedAccount } from './accounts/types';
import { isQueueBusy, type LockKind } from './data-lock';
import { AppService } from './app-service';
import { EventHub } from './ipc/events';
import { createRouter, type Router } from './ipc/router';
import { createLogger, type Logger } from './log';
import type { StorageClientOptions } from './storage/client';
import { storageOptionsFromEnv } from './storage/options';
import { StorageService } from './storage/service';
import { TransfersService, type Transfers } from './transfers/service';
import { TransfersHost } from './transfers/host/host';
import { FilesService, type DesktopShell } from './transfers/files-service';
import { PermissionsService } from './permissions/service';
import { SharingService } from './sharing/service';
import { TokenWatch } from './sharing/token-watch';
import { BucketSettingsService } from './bucket-settings/service';
import { PlacesService } from './places/service';
import { OperationsService } from './operations/service';
import { VersionsService } from './versions/service';
import { engineLimits, SettingsService } from './settings/service';
import { DesktopService, type DesktopHooks } from './settings/desktop-service';
import type { SystemProxyResolver } from './settings/network';
import { downloadDir } from './app-service';
import { setProcessNetwork } from './storage/http';

export interface MainOptions {
  mode: AppInfo['mode'];
  dataDir: string;
  keychain?: Keychain;
  log?: Logger;
  testConnection?: (account: ResolvedAccount) => Promise<ConnectionTestResult>;
  /** Timeouts and retries of storage requests; default from COSDESK_TIMEOUT_MS / COSDESK_MAX_ATTEMPTS. */
  storageOptions?: StorageClientOptions;
  /** Electron only: a native folder dialog; undefined when the user cancels. */
  pickFolder?: () => Promise<string | undefined>;
  /**
   * Electron only: native upload dialogs and the file manager (`files.*` calls), and native
   * context menus (`desktop.popupMenu`).
   */
  desktop?: DesktopShell & DesktopHooks;
  /** Where downloads go when there is no dialog (web mode); default ~/Downloads/cosdesk. */
  downloadDir?: string;
  /**
   * The CLI: when another CLI command runs the transfer queue of this data folder, wait for
   * it (default) or refuse; onWait hears the line to show while waiting.
   */
  transferLock?: { wait?: boolean; onWait?(message: string): void };
  /**
   * The app: another process (web mode, a CLI transfer) holds the transfer queue at start;
   * the app runs without it and tries again on the next transfer call. Gets the message.
   */
  onQueueBusy?(message: string): void;
  /** Electron: session.resolveProxy, for the "system" proxy setting. */
  resolveSystemProxy?: SystemProxyResolver;
  /**
   * Where the transfer engine runs: in a worker thread, off the thread that serves IPC (the
   * app and web mode), or on this thread (the CLI, which serves no IPC and reads the engine
   * directly, and tests). Default from COSDESK_TRANSFERS_THREAD (worker|main), else by mode.
   */
  transfersThread?: 'worker' | 'main';
}

export interface Main {
  services: Services;
  router: Router;
  hub: EventHub;
  accounts: AccountsService;
  sealer: SecretSealer;
  storage: StorageService;
  transfers: Transfers;
  /** The engine's service on this thread (the CLI reads the engine directly); throws in worker mode. */
  transfersHere(): TransfersService;
  sharing: SharingService;
  bucketSettings: BucketSettingsService;
  operations: OperationsService;
  settings: SettingsService;
  /** Stop event delivery and close storage connections. */
  close(): Promise<void>;
}

/** The composition root shared by the Electron app, web mode, the CLI and tests. */
export async function createMain(opts: MainOptions): Promise<Main> {
  const log = opts.log ?? createLogger(opts.mode);
  const hub = new EventHub();
  const sealer = await SecretSealer.create();
  const keychain = opts.keychain ?? new KeytarKeychain();
  const late: { transfers?: Transfers } = {};
  const settings = await SettingsService.open({
    dataDir: opts.dataDir,
    secrets: new SecretStore(keychain),
    sealer,
    hub,
    defaultDownloadDir: downloadDir(opts.downloadDir),
    pickFolder: opts.pickFolder,
    resolveSystemProxy: opts.resolveSystemProxy,
    onApply: (v) => late.transfers?.configure(engineLimits(v, (f) => settings.isSet(f))),
  });
  // Every request of main goes the way the proxy setting says, changed or not since start.
  const clientOptions = { network: settings.network, ...(opts.storageOptions ?? storageOptionsFromEnv()) };
  setProcessNetwork(settings.network);
  const storage: StorageService = new StorageService({
    resolveAccount: (id) => accounts.resolve(id),
    clientOptions,
  });
  const accounts: AccountsService = new AccountsService({
    registry: new AccountRegistry(opts.dataDir),
    secrets: new SecretStore(keychain),
    sealer,
    hub,
    // A changed account (new secret, endpoint) must not keep signing with its old client.
    onChange: async () => {
      transfers.invalidate();
      await storage.invalidate();
      await versions.invalidate();
      void tokenWatch.refresh().catch(() => undefined);
    },
    test: opts.testConnection,
  });
  const permissions = new PermissionsService({
    resolveAccount: (id) => accounts.resolve(id),
    dataDir: opts.dataDir,
    clientOptions,
  });
  const transferOpts = {
    dataDir: opts.dataDir,
    resolveAccount: (id: string) => accounts.resolve(id),
    hub,
    log,
    lock: { kind: lockKind(opts.mode), onWait: (m: string) => log.info(m), ...opts.transferLock },
    autoStart: opts.mode === 'electron' || opts.mode === 'web',
  };
  const inWorker = transfersThread(opts);
  const transfers: Transfers = inWorker
    ? new TransfersHost({
        ...transferOpts,
        clientOptions: opts.storageOptions ?? storageOptionsFromEnv(),
        network: settings.network,
      })
    : new TransfersService({ ...transferOpts, clientOptions });
  late.transfers = transfers;
  transfers.configure(engineLimits(settings.current(), (f) => settings.isSet(f)));
  const sharing = new SharingService({
    resolveAccount: (id) => accounts.resolve(id),
    dataDir: opts.dataDir,
    hub,
    clientOptions,
  });
  const bucketSettings = new BucketSettingsService({
    resolveAccount: (id) => accounts.resolve(id),
    hub,
    clientOptions,
  });
  const operations = new OperationsService({
    storage,
    hub,
    tuning: copyTuningFromEnv(),
    dataDir: opts.dataDir,
  });
  const versions: VersionsService = new VersionsService({
    resolveAccount: (id) => accounts.resolve(id),
    clientOptions,
  });
  const tokenWatch = new TokenWatch(hub, () => accounts.list());
  await tokenWatch.refresh().catch(() => undefined);
  // The desktop app and web mode take the data folder's transfer queue and carry on with what
  // the last run left; the CLI asks first. Web mode refused exits (its caller says who holds
  // it); the app runs on without transfers and says why.
  if (opts.mode === 'web') await transfers.start();
  if (opts.mode === 'electron') {
    await transfers.start().catch((err: unknown) => {
      if (!isQueueBusy(err)) throw err;
      const msg = (err as Error).message;
      log.warn(`transfers not started: ${msg}`);
      opts.onQueueBusy?.(msg);
    });
  }
  const services: Services = {
    app: new AppService(opts.mode, keychain, sealer, {
      pickFolder: opts.pickFolder,
      // A --download-dir flag, else the settings page's folder, else the default.
      get downloadDir() {
        return opts.downloadDir ?? (settings.current().downloadDir || undefined);
      },
    }),
    transfers: persistLimits(transfers, settings),
    accounts,
    storage,
    permissions,
    sharing,
    bucketSettings,
    places: new PlacesService(opts.dataDir),
    operations,
    files: new FilesService({
      resolveAccount: (id) => accounts.resolve(id),
      transfers,
      pickUpload: opts.desktop?.pickUpload,
      showItemInFolder: opts.desktop?.showItemInFolder,
    }),
    versions,
    settings,
    desktop: new DesktopService(opts.desktop),
  };
  return {
    services,
    router: createRouter(services, log),
    hub,
    accounts,
    storage,
    transfers,
    transfersHere() {
      if (transfers instanceof TransfersService) return transfers;
      throw new Error('the transfer engine runs in a worker thread here (transfersThread: worker)');
    },
    sharing,
    bucketSettings,
    operations,
    sealer,
    settings,
    async close() {
      tokenWatch.stop();
      await bucketSettings.close();
      await operations.close();
      setProcessNetwork(undefined);
      hub.close();
      await storage.close();
      await versions.close();
      await transfers.close();
    },
  };
}

/** Tests shrink the multipart-copy threshold and part sizes (COSDESK_COPY_PART_BYTES). */
function copyTuningFromEnv(): { multipartThreshold?: number; partSize?: number; streamPartSize?: number } {
  const part = Number(process.env['COSDESK_COPY_PART_BYTES']);
  if (!Number.isFinite(part) || part <= 0) return {};
  return { multipartThreshold: part, partSize: part, streamPartSize: part };
}

function transfersThread(opts: MainOptions): boolean {
  const env = process.env['COSDESK_TRANSFERS_THREAD'];
  const want = opts.transfersThread ?? (env === 'worker' || env === 'main' ? env : undefined);
  if (want) return want === 'worker';
  return opts.mode === 'electron' || opts.mode === 'web';
}

function lockKind(mode: MainOptions['mode']): LockKind {
  return mode === 'electron' ? 'app' : mode === 'web' ? 'web' : 'cli';
}

/** The transfer panel's speed limit is the settings page's: setting it there persists it too. */
function persistLimits(transfers: Transfers, settings: SettingsService): Transfers {
  return new Proxy(transfers, {
    get(target, prop) {
      if (prop === 'setLimits') {
        return async (req: Parameters<Transfers['setLimits']>[0]) => {
          await settings.set({
            transfers: {
              uploadBps: req.uploadBps,
              downloadBps: req.downloadBps,
              ...(req.concurrency ? { concurrency: req.concurrency } : {}),
            },
          });
          return target.setLimits(req);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
