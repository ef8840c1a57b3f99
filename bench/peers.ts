import { spawn } from 'node:child_process';

/** A peer tool's command line for one job, with the environment it needs. */
export interface PeerRun {
  tool: string;
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface Backend {
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

// Debian's awscli (v2) lives in /usr/bin; a pyenv shim earlier in PATH may point elsewhere.
const AWS = '/usr/bin/aws';

export function rcloneEnv(b: Backend): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
    RCLONE_CONFIG_BENCH_ENDPOINT: b.endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: b.accessKey,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: b.secretKey,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
  };
  // These machines set AWS_CA_BUNDLE, which rclone fails on (LoadCustomCABundleError).
  delete env.AWS_CA_BUNDLE;
  return env;
}

export function awsEnv(b: Backend): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: b.accessKey,
    AWS_SECRET_ACCESS_KEY: b.secretKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
  };
}

export function rcloneLs(b: Backend, bucket: string, prefix: string): PeerRun {
  return { tool: 'rclone ls', cmd: 'rclone', args: ['ls', `bench:${bucket}/${prefix}`], env: rcloneEnv(b) };
}

export function awsLs(b: Backend, bucket: string, prefix: string): PeerRun {
  return {
    tool: 'aws s3 ls',
    cmd: AWS,
    args: ['s3', 'ls', `s3://${bucket}/${prefix}`, '--endpoint-url', b.endpoint],
    env: awsEnv(b),
  };
}

/** Run a command, count its output lines, time it. Fails loudly on a non-zero exit. */
export function timeCommand(run: PeerRun): Promise<{ seconds: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(run.cmd, run.args, { env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      for (const b of c) if (b === 10) lines++;
    });
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 0) resolve({ seconds, lines });
      else reject(new Error(`${run.tool} exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
