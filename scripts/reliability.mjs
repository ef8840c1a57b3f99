// The whole reliability run: builds the CLI, runs the vitest project `reliability` (every seeded
// kill -9 run and fault run in both dialects, the fault proxy's own test, the 10,000-file round
// trips) and writes test/RELIABILITY.md from what the runs recorded. `npm run test:reliability`
// starts it through scripts/test-env.mjs (keyring, RGW). RELIABILITY_SEED=<n> picks another seed.
//
// Exit code: 0 when every test passed, no byte was lost and no exit code lied.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

process.chdir(new URL('..', import.meta.url).pathname);
mkdirSync('test-results', { recursive: true });
const out = 'test-results/reliability.jsonl';
const report = 'test-results/reliability-vitest.json';
rmSync(out, { force: true });
rmSync(report, { force: true });
const seed = process.env.RELIABILITY_SEED ?? '20261201';
const t0 = Date.now();

const built = (await run('npm', ['run', '-s', 'build'], process.env)) === 0;
if (built) {
  await run(
    'npx',
    [
      'vitest',
      'run',
      '--project',
      'reliability',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...process.argv.slice(2),
    ],
    {
      ...process.env,
      COSDESK_RELIABILITY: '1',
      RELIABILITY_FULL: '1',
      RELIABILITY_OUT: out,
      RELIABILITY_SEED: seed,
    },
  );
}

const runs = existsSync(out)
  ? readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const vitest = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined;
const failedTests = vitest
  ? vitest.testResults.flatMap((f) =>
      f.assertionResults.filter((a) => a.status === 'failed').map((a) => a.fullName ?? a.title),
    )
  : ['vitest did not run or wrote no report'];

const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
const faults = {};
for (const r of runs) for (const [k, n] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + n;
const bytesVerified = sum(runs, (r) => r.bytesVerified);
const bytesLost = sum(runs, (r) => r.bytesLost);
const wrongExits = sum(runs, (r) => (r.wrongExit ? 1 : 0));
const kills = sum(runs, (r) => r.kills);
const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const group = (suite, dialect) => runs.filter((r) => r.suite === suite && r.dialect === dialect);

const lines = [
  '# Reliability run',
  '',
  'Written by `npm run test:reliability` (scripts/reliability.mjs) from its own output; do not edit.',
  '',
  `- date: ${new Date().toISOString()}`,
  `- seed: ${seed} (each run's own seed is listed below)`,
  `- duration: ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  `- vitest: ${vitest ? `${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed` : 'did not run'}`,
  `- runs: ${runs.length} (kill -9 runs: ${runs.filter((r) => r.suite === 'kill').length}, processes killed: ${kills}; fault runs: ${runs.filter((r) => r.suite === 'fault').length})`,
  `- bytes verified: ${bytesVerified} (${mib(bytesVerified)})`,
  `- **bytes lost: ${bytesLost}** (must be 0)`,
  `- **wrong exit codes: ${wrongExits}** (must be 0)`,
  '',
  '## Faults injected, per kind',
  '',
  '| kind | count |',
  '|---|---|',
  ...Object.entries(faults)
    .sort()
    .map(([k, n]) => `| ${k} | ${n} |`),
  '',
  '## Per suite and dialect',
  '',
  '| suite | dialect | runs | bytes verified | bytes lost | wrong exit codes | runs with problems |',
  '|---|---|---|---|---|---|---|',
  ...['kill', 'fault', 'many'].flatMap((suite) =>
    ['s3', 'cos'].map((d) => {
      const g = group(suite, d);
      return `| ${suite} | ${d} | ${g.length} | ${sum(g, (r) => r.bytesVerified)} | ${sum(g, (r) => r.bytesLost)} | ${sum(g, (r) => (r.wrongExit ? 1 : 0))} | ${g.filter((r) => r.problems.length).length} |`;
    }),
  ),
  '',
  '## Runs',
  '',
  '| suite | dialect | run | seed | kills | faults | exit codes | bytes verified | bytes lost | wrong exit | problems |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...runs.map(
    (r) =>
      `| ${r.suite} | ${r.dialect} | ${r.name.replace(/\|/g, '/')} | ${r.seed} | ${r.kills} | ${
        Object.entries(r.faults)
          .map(([k, n]) => `${k} ×${n}`)
          .join(', ') || '-'
      } | ${r.exitCodes.join(' → ')} | ${r.bytesVerified} | ${r.bytesLost} | ${r.wrongExit ? 'yes' : 'no'} | ${r.problems.length} |`,
  ),
  '',
  '## Problems found',
  '',
  ...(runs.some((r) => r.problems.length)
    ? runs
        .filter((r) => r.problems.length)
        .flatMap((r) => [
          `- ${r.suite} ${r.dialect} "${r.name}" (seed ${r.seed}):`,
          ...r.problems.slice(0, 8).map((p) => `  - ${p.replace(/\n/g, ' ')}`),
          ...(r.problems.length > 8 ? [`  - … and ${r.problems.length - 8} more`] : []),
        ])
    : ['None.']),
  '',
  '## Failed tests',
  '',
  ...(failedTests.length ? failedTests.map((t) => `- ${t}`) : ['None.']),
  '',
];
writeFileSync('test/RELIABILITY.md', lines.join('\n'));
console.log(
  `reliability: ${runs.length} runs, ${mib(bytesVerified)} verified, ${bytesLost} bytes lost, ${wrongExits} wrong exit codes, ${failedTests.length} failed tests; see test/RELIABILITY.md`,
);
process.exit(built && failedTests.length === 0 && bytesLost === 0 && wrongExits === 0 ? 0 : 1);

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
