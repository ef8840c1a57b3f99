import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where cosdesk keeps its non-secret files when Electron is not there to say. It matches
 * Electron's userData for an app named "cosdesk", so the CLI, web mode and desktop app
 * share one account list. COSDESK_HOME overrides it (tests, portable use).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.COSDESK_HOME) return env.COSDESK_HOME;
  switch (process.platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'cosdesk');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'cosdesk');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'cosdesk');
  }
}
