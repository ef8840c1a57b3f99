// `npm test`: every check CI runs, on this machine. It starts what the tests need when it
// is not already there (a Ceph RGW on loopback, a D-Bus session with an unlocked GNOME
// Keyring), runs lint, typecheck, build and the vitest suites, and ends with one line
// "N passed, N failed" over all of them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
const vitestArgs = process.argv.slice(2);

// 1. A session bus with a Secret Service: re-run this script inside dbus-run-session.
if (!process.env.COSDESK_TEST_DBUS) {
  const need = ['dbus-run-session', 'gnome-keyring-daemon'].filter(
    (c) => spawnSync('which', [c]).status !== 0,
  );
  if (need.length)
    fatal(`missing ${need.join(', ')}: install Debian packages dbus gnome-keyring (bash .ci/run does).`);
  const r = spawnSync('dbus-run-session', ['--', process.execPath, 'scripts/test.mjs', ...vitestArgs], {
    stdio: 'inherit',
    env: { ...process.env, COSDESK_TEST_DBUS: '1' },
  });
  process.exit(r.status ?? 1);
}
// A fresh keyring folder each run: its login keyring is created with, and unlocked by, this password.
const keyring = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
  input: 'cosdesk-test-keyring',
  encoding: 'utf8',
  env: { ...process.env, XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-keyring-')) },
});
if (keyring.status !== 0) fatal(`gnome-keyring-daemon did not start: ${keyring.stderr}`);

// 2. The storage backend: a Ceph RGW on loopback, unless one is already given.
let startedRgw;
if (!process.env.S3_ENDPOINT) {
  const base = join(tmpdir(), `cosdesk-rgw-${process.pid}`);
  const r = spawnSync('bash', ['test/backend/rgw.sh', 'start'], {
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

const results = [];
const step = async (name, cmd, args) => {
  const t0 = Date.now();
  const code = await run(cmd, args);
  results.push({ name, ok: code === 0 });
  console.log(`\n== ${name}: ${code === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  return code === 0;
};

let passed = 0;
let failed = 0;
try {
  await step('lint (eslint + layer rules, prettier)', 'npm', ['run', '-s', 'lint']);
  await step('typecheck (tsc + vue-tsc)', 'npm', ['run', '-s', 'typecheck']);
  const built = await step('build (main, preload, renderer, CLI; preload check)', 'npm', [
    'run',
    '-s',
    'build',
  ]);
  mkdirSync('test-results', { recursive: true });
  const report = 'test-results/vitest.json';
  if (built) {
    await step('vitest (unit, integration, e2e)', 'npx', [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...vitestArgs,
    ]);
    if (existsSync(report)) {
      const j = JSON.parse(readFileSync(report, 'utf8'));
      passed += j.numPassedTests;
      // A file that fails to load counts as a failure even though none of its tests ran.
      failed +=
        j.numFailedTests +
        (j.success === false && j.numFailedTests === 0 ? Math.max(1, j.numFailedTestSuites) : 0);
    } else failed += 1;
  } else failed += 1;
} finally {
  if (startedRgw)
    spawnSync('bash', ['test/backend/rgw.sh', 'stop'], { env: { ...process.env, CEPH_BASE: startedRgw } });
}
for (const r of results.filter((r) => !r.name.startsWith('vitest'))) {
  if (r.ok) passed++;
  else failed++;
}
console.log(results.map((r) => `${r.ok ? 'ok    ' : 'FAILED'} ${r.name}`).join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function fatal(msg) {
  console.error(`npm test: ${msg}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
