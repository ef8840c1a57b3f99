import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The radosgw serving `endpoint`, found by its config file (rgw.sh starts it as
 * `radosgw -c <conf> -n client.rgw.a`), so a test can stop and start exactly that daemon.
 */
export function findRadosgw(endpoint: string): { pid: number; conf: string } {
  const port = new URL(endpoint).port;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('radosgw')) continue;
    const conf = argv[argv.indexOf('-c') + 1];
    if (conf && readFileSync(conf, 'utf8').includes(`127.0.0.1:${port}`)) return { pid: Number(d), conf };
  }
  throw new Error(`no radosgw serving ${endpoint} found`);
}

/** Kills that one radosgw, waits `downMs`, starts it again with the same config and waits until it answers. */
export async function restartRadosgw(endpoint: string, downMs = 2000): Promise<void> {
  const { pid, conf } = findRadosgw(endpoint);
  process.kill(pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, downMs));
  execFileSync('radosgw', ['-c', conf, '-n', 'client.rgw.a']);
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(endpoint).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('radosgw did not come back');
}
