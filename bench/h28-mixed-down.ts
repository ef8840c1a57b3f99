// h28's probe: the (e) mixed folder down through a COS gateway of its own, one tool at a time,
// alternated, with the requests (by method, and connections) the gateway saw for each run, and
// the CPU of the tool (its rusage), of the gateway (this process) and of RGW (/proc/<pid>/stat).
//
//   set -a; . /tmp/rgw-dev/env; set +a
//   H28_COUNT=300 H28_ROUNDS=3 H28_TOOLS=base,new,sdk npx tsx bench/h28-mixed-down.ts
//
// base = /work/wt/base's CLI, new = this worktree's, sdk = cos-nodejs-sdk-v5 tuned (8, 8 MiB).
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCosGateway } from '../test/cos-gateway/server';

const MiB = 1 << 20;
const COUNT = Number(process.env.H28_COUNT ?? 300);
const MAX = 64 * MiB;
const ROUNDS = Number(process.env.H28_ROUNDS ?? 3);
const TOOLS = (process.env.H28_TOOLS ?? 'base,new,sdk').split(',');
const APPID = '1250000000';
const REGION = 'ap-guangzhou';
const AK = process.env.AK!;
const SK = process.env.SK!;
const NODE_ARGS = (process.env.H28_NODE_ARGS ?? '').split(' ').filter(Boolean);
const log = (m: string) => process.stderr.write(`${m}\n`);

function sizes(): number[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const u = (i + 0.5) / COUNT;
    return Math.min(MAX, Math.round(1024 * 2 ** (Math.log2(MAX / 1024) * u ** 5)));
  });
}

const counts = new Map<string, number>();
let conns = 0;
subscribe('http.server.request.start', (m) => {
  const req = (m as { request: { method: string; url: string; headers: Record<string, string> } }).request;
  const k = `${req.method}${req.headers.range ? '+range' : ''}${req.url.includes('?') && req.method === 'GET' && !/\/[^?]+\?/.test(req.url) ? '(list)' : ''}`;
  counts.set(k, (counts.get(k) ?? 0) + 1);
});
subscribe('net.server.socket', () => {
  conns++;
});

function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
function sysBusy(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ wall: number; user: number; sys: number }> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const c = spawn('/usr/bin/time', ['-f', '%U %S', cmd, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d) => (err += String(d)));
    c.on('exit', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /([\d.]+) ([\d.]+)\s*$/.exec(err);
      if (code !== 0 || !m) return fail(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`));
      done({ wall, user: Number(m[1]), sys: Number(m[2]) });
    });
  });
}

async function main() {
  const rgwPid = Number(
    execFileSync('pgrep', ['-f', 'radosgw -c /tmp/rgw-dev/ceph.conf']).toString().split('\n')[0],
  );
  const gw = await startCosGateway({
    port: 0,
    s3Endpoint: process.env.S3_ENDPOINT!,
    users: [{ secretId: AK, secretKey: SK, uin: '100000000001' }],
  });
  const work = join(tmpdir(), 'h28-mixed');
  const bucket = `h28mix-${APPID}`;
  const conn = [
    '--endpoint',
    `http://{bucket}.cos.{region}.localhost:${gw.port}`,
    '--service-endpoint',
    `http://service.cos.localhost:${gw.port}`,
    '--region',
    REGION,
    '--app-id',
    APPID,
  ];
  const env = {
    ...process.env,
    COSDESK_SECRET_ID: AK,
    COSDESK_SECRET_KEY: SK,
    COS_SECRET_ID: AK,
    COS_SECRET_KEY: SK,
  };
  const cli = (which: string) =>
    which.startsWith('base') ? '/work/wt/base/bin/cosdesk.js' : resolve('bin/cosdesk.js');
  const src = join(work, 'mixed');
  let total = 0;
  for (const pre of (process.env.H28_CLEAN ?? '').split(',').filter(Boolean)) {
    const home = join(tmpdir(), 'h28-home-rm');
    await mkdir(home, { recursive: true });
    await run(process.execPath, [cli('new'), 'rm', '-r', `cos://${bucket}/${pre}`, ...conn], {
      ...env,
      COSDESK_HOME: home,
    }).catch((e) => log(String(e)));
    log(`removed ${pre}`);
  }
  if (process.env.H28_SKIP_UP !== '1') {
    await rm(work, { recursive: true, force: true });
    const list = sizes();
    for (let d = 0; d < 5; d++) await mkdir(join(src, `g${d}`), { recursive: true });
    for (let i = 0; i < list.length; i++) {
      await writeFile(join(src, `g${i % 5}`, `m${String(i).padStart(4, '0')}.bin`), randomBytes(list[i]));
      total += list[i];
    }
    log(
      `${COUNT} files, ${(total / MiB).toFixed(0)} MiB; big (>16 MiB): ${list.filter((s) => s > 16 * MiB).length}, >1 MiB: ${list.filter((s) => s > MiB).length}`,
    );
    const home = join(work, 'home-up');
    await mkdir(home, { recursive: true });
    await run(process.execPath, [cli('new'), 'mb', `cos://${bucket}`, ...conn], {
      ...env,
      COSDESK_HOME: home,
    }).catch((e) => log(String(e)));
    const up = await run(
      process.execPath,
      [cli('new'), 'cp', '-r', src, `cos://${bucket}/p${COUNT}/`, ...conn],
      { ...env, COSDESK_HOME: home },
    );
    log(`up ${up.wall.toFixed(2)} s`);
  }
  const sdkTuned = { chunkSize: 8 * MiB, parallel: 8 };
  if (process.env.H28_SDK_UP === '1') {
    const args = {
      port: gw.port,
      bucket,
      region: REGION,
      op: 'up-dir',
      local: src,
      prefix: `p${COUNT}sdk/mixed/`,
      key: '',
      tuned: sdkTuned,
    };
    const up = await run(process.execPath, [resolve('bench/cos-sdk-peer.mjs'), JSON.stringify(args)], env);
    log(`sdk up ${up.wall.toFixed(2)} s`);
  }
  const order = TOOLS;
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 ? [...order].reverse() : order) {
      const out = join(work, `out-${t}`);
      await rm(out, { recursive: true, force: true });
      await mkdir(out, { recursive: true });
      const home = join(work, `home-${t}`);
      await rm(home, { recursive: true, force: true });
      await mkdir(home, { recursive: true });
      counts.clear();
      conns = 0;
      const g0 = process.cpuUsage();
      const r0 = procCpu(rgwPid);
      const s0 = sysBusy();
      const l0 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const r = t.startsWith('sdk')
        ? await run(
            process.execPath,
            [
              resolve('bench/cos-sdk-peer.mjs'),
              JSON.stringify({
                port: gw.port,
                bucket,
                region: REGION,
                op: 'down-dir',
                local: out,
                prefix: `p${COUNT}${t.endsWith('@sdk') ? 'sdk' : ''}/mixed/`,
                key: '',
                tuned: { chunkSize: 8 * MiB, parallel: 8 },
              }),
            ],
            env,
          )
        : await run(
            process.execPath,
            [
              ...NODE_ARGS,
              cli(t),
              'cp',
              '-r',
              `cos://${bucket}/p${COUNT}/mixed/`,
              out,
              ...conn,
              ...(t.includes('c16') ? ['--concurrency', '16'] : []),
            ],
            { ...env, COSDESK_HOME: home, ...(t.endsWith('16') ? { UV_THREADPOOL_SIZE: '16' } : {}) },
          );
      const g = process.cpuUsage(g0);
      const rgw = procCpu(rgwPid) - r0;
      const sys = sysBusy() - s0;
      const files = await countFiles(out);
      log(
        `${round} ${t.padEnd(4)} wall ${r.wall.toFixed(2)} tool ${(r.user + r.sys).toFixed(2)} (u ${r.user.toFixed(2)} s ${r.sys.toFixed(2)}) gw ${((g.user + g.system) / 1e6).toFixed(2)} rgw ${rgw.toFixed(2)} sysall ${sys.toFixed(2)} load ${l0} files ${files.n} ${(files.bytes / MiB).toFixed(0)}MiB conns ${conns} req ${JSON.stringify(Object.fromEntries(counts))}`,
      );
    }
  }
  await gw.close();
}

async function countFiles(dir: string): Promise<{ n: number; bytes: number }> {
  let n = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    n++;
    bytes += (await stat(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))).size;
  }
  return { n, bytes };
}

main().catch((e) => {
  log(String(e?.stack ?? e));
  process.exit(1);
});
