import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInProcessBridge } from '../../src-main/ipc/in-process';
import { silentLogger } from '../../src-main/log';
import { createMain, type MainOptions } from '../../src-main/services';

/** Main-side services over a fresh data folder, with the in-process transport. */
export async function startMain(opts: Partial<MainOptions> = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cosdesk-test-'));
  const main = await createMain({ mode: 'test', log: silentLogger, ...opts, dataDir });
  return { main, dataDir, bridge: createInProcessBridge(main.router, main.hub) };
}

export function requireEnv(...names: string[]): Record<string, string> {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) {
    throw new Error(
      `${missing.join(', ')} not set: start the test backend (npm test does it; or bash test/backend/rgw.sh and source its env file).`,
    );
  }
  return Object.fromEntries(names.map((n) => [n, process.env[n] as string]));
}
