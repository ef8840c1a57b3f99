// Dev probe (h19): what the first listing page of a big folder costs on RGW, by page size: the
// app's storage client (signing, HTTP, XML) against RGW, first pages of 100, 200 and 1000 keys
// alternated, wall per request and radosgw's CPU (utime+stime of /proc/<pid>/stat) per request.
// Seeds BUCKET (default h19-big) with N keys under big/ when missing.
//
//   set -a; . /tmp/rgw-dev/env; set +a; N=100000 REPS=30 npx tsx bench/h19-first-page.ts
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { listObjects } from '../src-main/storage/ops/list';
import { bigKeys, createSeeder, rgwAccount } from '../test/support/seed';

const N = Number(process.env.N ?? 100_000);
const REPS = Number(process.env.REPS ?? 30);
const BUCKET = process.env.BUCKET ?? 'h19-big';
const SIZES = (process.env.SIZES ?? '100,200,1000').split(',').map(Number);

function rgwPid(): number | null {
  try {
    return Number(execFileSync('pgrep', ['-o', 'radosgw'], { encoding: 'utf8' }).trim()) || null;
  } catch {
    return null;
  }
}
/** utime+stime in ms (clock ticks of 10 ms). */
function cpuMs(pid: number | null): number {
  if (!pid) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const env = process.env;
  const seeder = createSeeder(rgwAccount(env.S3_ENDPOINT as string, env.AK as string, env.SK as string));
  const keys = bigKeys(N);
  if (!(await seeder.exists(BUCKET, keys.at(-1) as string))) {
    await seeder.createBucket(BUCKET).catch(() => undefined);
    const t = performance.now();
    await seeder.putMany(BUCKET, keys, { concurrency: 64 });
    console.log(`seeded ${BUCKET} with ${N} keys in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const client = seeder.client;
  const loc = { bucket: BUCKET, region: 'us-east-1' };
  const pid = rgwPid();
  const wall = new Map<number, number[]>(SIZES.map((s) => [s, []]));
  const rgw = new Map<number, number>(SIZES.map((s) => [s, 0]));
  const cli = new Map<number, number>(SIZES.map((s) => [s, 0]));
  // Warm the connection and RGW's caches once per size.
  for (const s of SIZES) await listObjects(client, loc, { prefix: 'big/', delimiter: '/', maxKeys: s });
  for (let r = 0; r < REPS; r++)
    for (const s of r % 2 ? [...SIZES].reverse() : SIZES) {
      const c0 = cpuMs(pid);
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      const page = await listObjects(client, loc, { prefix: 'big/', delimiter: '/', maxKeys: s });
      wall.get(s)?.push(performance.now() - t0);
      const u = process.cpuUsage(u0);
      cli.set(s, (cli.get(s) ?? 0) + (u.user + u.system) / 1000);
      rgw.set(s, (rgw.get(s) ?? 0) + cpuMs(pid) - c0);
      if (page.objects.length !== s) throw new Error(`page of ${page.objects.length}, asked ${s}`);
    }
  for (const s of SIZES)
    console.log(
      JSON.stringify({
        bucket: BUCKET,
        keys: N,
        maxKeys: s,
        reps: REPS,
        wallMedianMs: +med(wall.get(s) ?? []).toFixed(1),
        wallMinMs: +Math.min(...(wall.get(s) ?? [])).toFixed(1),
        rgwCpuMsPerReq: +((rgw.get(s) ?? 0) / REPS).toFixed(1),
        clientCpuMsPerReq: +((cli.get(s) ?? 0) / REPS).toFixed(1),
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      }),
    );
  await seeder.close();
  process.exit(0);
}
void main();
