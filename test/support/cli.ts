import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { requireEnv } from './main';

/** The built CLI, as a user runs it (`npx cosdesk` → bin/cosdesk.js), with its data in `home`. */
export function runCli(home: string, args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, [resolve('bin/cosdesk.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, COSDESK_HOME: home, ...env },
  });
}

/** Save the test RGW (S3_ENDPOINT, AK, SK) as a path-style S3 account, its secret in the keychain. */
export function addRgwAccount(home: string, name = 'rgw'): void {
  const { S3_ENDPOINT, AK, SK } = requireEnv('S3_ENDPOINT', 'AK', 'SK');
  const add = runCli(
    home,
    [
      'accounts',
      'add',
      '--kind',
      's3',
      '--name',
      name,
      '--endpoint',
      S3_ENDPOINT,
      '--region',
      'us-east-1',
      '--path-style',
      '--secret-id',
      AK,
    ],
    { COSDESK_SECRET_KEY: SK },
  );
  if (add.status !== 0) throw new Error(`cosdesk accounts add failed: ${add.stderr}`);
}
