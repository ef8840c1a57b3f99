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
  addS3Account(home, name, S3_ENDPOINT, AK, SK);
}

/** Saves a path-style S3 account with the built CLI, its secret in the keychain. */
export function addS3Account(home: string, name: string, endpoint: string, ak: string, sk: string): void {
  const r = runCli(
    home,
    [
      'accounts',
      'add',
      '--kind',
      's3',
      '--name',
      name,
      '--endpoint',
      endpoint,
      '--region',
      'us-east-1',
      '--path-style',
      '--secret-id',
      ak,
    ],
    { COSDESK_SECRET_KEY: sk },
  );
  if (r.status !== 0) throw new Error(`cosdesk accounts add ${name} failed: ${r.stderr}`);
}
