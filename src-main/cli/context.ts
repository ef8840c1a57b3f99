import type { Bridge } from '../../src-shared/contract';
import { createInProcessBridge } from '../ipc/in-process';
import { createLogger } from '../log';
import { defaultDataDir } from '../paths';
import { createMain, type Main } from '../services';
import type { ConnectionFlags } from './adhoc';
import type { Out } from './output';

export interface GlobalFlags extends ConnectionFlags {
  account?: string;
  json?: boolean;
  dataDir?: string;
  /** `--no-wait`: refuse, rather than wait, when another CLI transfer runs the queue. */
  wait?: boolean;
  /** `--proxy <url|none|system>`: this run only, instead of the settings page's proxy. */
  proxy?: string;
}

export interface CliContext {
  out: Out;
  globals(): GlobalFlags;
  /** Start the main-side services only for commands that need them. */
  main(): Promise<{ main: Main; bridge: Bridge }>;
}

export function createCliContext(out: Out, globals: () => GlobalFlags): CliContext {
  let started: Promise<{ main: Main; bridge: Bridge }> | undefined;
  return {
    out,
    globals,
    main() {
      started ??= createMain({
        mode: 'cli',
        dataDir: globals().dataDir ?? defaultDataDir(),
        log: createLogger('cli'),
        // One process at a time runs a data folder's transfer queue. A command that needs it
        // while another CLI transfer runs waits for it, saying so (`--no-wait`: refuses); a
        // running app or web mode is refused at once, with who and what to do.
        transferLock: {
          wait: globals().wait !== false,
          onWait: (message) => process.stderr.write(`cosdesk: ${message}\n`),
        },
      }).then((main) => {
        const proxy = globals().proxy ?? process.env.COSDESK_PROXY;
        if (proxy) main.settings.overrideProxy(proxy);
        return { main, bridge: createInProcessBridge(main.router, main.hub) };
      });
      return started;
    },
  };
}
