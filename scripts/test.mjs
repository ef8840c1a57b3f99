// Every check CI runs: lint, typecheck, build and the vitest suites, ending with one line
// "N passed, N failed" over all of them. `npm test` starts it through scripts/test-env.mjs,
// which provides the keyring and the Ceph RGW the suites need.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

process.chdir(new URL('..', import.meta.url).pathname);
const vitestArgs = process.argv.slice(2);
const results = [];

async function step(name, cmd, args) {
  const t0 = Date.now();
  const code = await run(cmd, args);
  results.push({ name, ok: code === 0 });
  console.log(`\n== ${name}: ${code === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  return code === 0;
}

let passed = 0;
let failed = 0;
await step('lint (eslint + layer rules, prettier)', 'npm', ['run', '-s', 'lint']);
await step('typecheck (tsc + vue-tsc)', 'npm', ['run', '-s', 'typecheck']);
const built = await step('build (main, preload, renderer, CLI; preload check)', 'npm', [
  'run',
  '-s',
  'build',
]);
const report = 'test-results/vitest.json';
mkdirSync('test-results', { recursive: true });
rmSync(report, { force: true });
if (built) {
  await run('npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...vitestArgs,
  ]);
}
if (built && existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed += j.numPassedTests;
  // A file that fails to load counts as a failure even though none of its tests ran.
  failed +=
    j.numFailedTests +
    (j.success === false && j.numFailedTests === 0 ? Math.max(1, j.numFailedTestSuites) : 0);
  results.push({
    name: `vitest: ${j.numPassedTests} passed, ${j.numFailedTests} failed`,
    ok: j.success,
    counted: true,
  });
} else {
  failed += 1;
  results.push({ name: 'vitest did not run or wrote no report', ok: false, counted: true });
}
for (const r of results) {
  if (r.counted) continue;
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
