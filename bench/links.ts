// Pre-signed links for a selection of 10,000 objects, in each dialect, through the same path the
// link dialog takes (bridge → router validation → sharing service → signer → link log on disk).
// Signing is local work: no server is contacted (the public-read check is off for the run).
//
//   npx tsx bench/links.ts            BENCH_LINKS=50000 BENCH_RUNS=5 npx tsx bench/links.ts
import type { ResolvedAccount } from '../src-main/accounts/types';
import { startMain } from '../test/support/main';

const N = Number(process.env.BENCH_LINKS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BUDGET_MS = 1000;

const accounts: Record<'cos' | 's3', ResolvedAccount> = {
  cos: {
    kind: 'cos',
    name: 'bench-cos',
    secretId: 'AKIDbenchbenchbenchbenchbenchbench00',
    appId: '1250000000',
    region: 'ap-guangzhou',
    secret: { secretKey: 'benchsecretbenchsecretbenchsecret0' },
  },
  s3: {
    kind: 's3',
    name: 'bench-s3',
    endpoint: 'https://s3.example.com',
    region: 'us-east-1',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    pathStyle: false,
    secret: { secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  },
};

const keys = Array.from(
  { length: N },
  (_, i) => `photos/2024/trip/IMG_${String(i).padStart(5, '0')} (édit).jpg`,
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { main, bridge } = await startMain();
let failed = false;
for (const dialect of ['cos', 's3'] as const) {
  const accountId = main.accounts.registerEphemeral(accounts[dialect]);
  const bucket = dialect === 'cos' ? 'bench-1250000000' : 'bench';
  for (const log of [true, false]) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await bridge.sharing.clearLinks({});
      const t0 = performance.now();
      const r = await bridge.sharing.presign({
        accountId,
        bucket,
        keys,
        expiresSeconds: 3600,
        checkPublic: false,
        log,
      });
      times.push(performance.now() - t0);
      if (r.links.length !== N) throw new Error(`expected ${N} links, got ${r.links.length}`);
    }
    const ms = median(times);
    const within = ms < BUDGET_MS;
    failed ||= !within && log;
    console.log(
      `${dialect.padEnd(3)} ${log ? 'with link log   ' : 'signing only    '} ${N} links: median ${ms.toFixed(0)} ms ` +
        `(best ${Math.min(...times).toFixed(0)} ms) = ${Math.round((N / ms) * 1000).toLocaleString('en')} links/s` +
        `${log ? (within ? '  [under 1 s]' : '  [OVER 1 s]') : ''}`,
    );
  }
}
await main.close();
process.exit(failed ? 1 : 0);
