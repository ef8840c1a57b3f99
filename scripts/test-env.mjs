// Runs a command with what cosdesk's tests and benchmarks need, starting what is missing:
// a D-Bus session with a fresh, unlocked GNOME Keyring (the real Secret Service keytar
// talks to), and a Ceph RGW on loopback (test/backend/rgw.sh) unless S3_ENDPOINT is set or
// COSDESK_TEST_RGW=none (`npm run bench` starts an RGW of its own, sized for its runs).
//
//   node scripts/test-env.mjs <command> [args…]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [cmd, ...args] = process.argv.slice(2);
if (!cmd) fatal('usage: node scripts/test-env.mjs <command> [args…]');

// 1. A session bus: re-run this script inside dbus-run-session.
if (!process.env.COSDESK_TEST_DBUS) {
  const need = ['dbus-run-session', 'gnome-keyring-daemon'].filter(
    (c) => spawnSync('which', [c]).status !== 0,
  );
  if (need.length)
    fatal(`missing ${need.join(', ')}: install Debian packages dbus gnome-keyring (bash .ci/run does).`);
  const r = spawnSync('dbus-run-session', ['--', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, COSDESK_TEST_DBUS: '1' },
  });
  process.exit(r.status ?? 1);
}

// 2. A fresh keyring folder each run: its login keyring is created with, and unlocked by, this password.
const keyring = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
  input: 'cosdesk-test-keyring',
  encoding: 'utf8',
  env: { ...process.env, XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-keyring-')) },
});
if (keyring.status !== 0) fatal(`gnome-keyring-daemon did not start: ${keyring.stderr}`);

// 3. The storage backend.
let startedRgw;
if (!process.env.S3_ENDPOINT && process.env.COSDESK_TEST_RGW !== 'none') {
  const base = join(tmpdir(), `cosdesk-rgw-${process.pid}`);
  const r = spawnSync('bash', [join(root, 'test/backend/rgw.sh'), 'start'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CEPH_BASE: base },
  });
  if (r.status !== 0) fatal('could not start the Ceph RGW test backend (test/backend/rgw.sh)');
  for (const line of readFileSync(join(base, 'env'), 'utf8').split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line);
    if (m) process.env[m[1]] = m[2];
  }
  startedRgw = base;
}

const stopRgw = () => {
  if (startedRgw)
    spawnSync('bash', [join(root, 'test/backend/rgw.sh'), 'stop'], {
      env: { ...process.env, CEPH_BASE: startedRgw },
    });
  startedRgw = undefined;
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (stopRgw(), process.exit(130)));
const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
stopRgw();
process.exit(r.status ?? 1);

function fatal(msg) {
  console.error(`test-env: ${msg}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
