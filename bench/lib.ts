// Pieces of the benchmark runner (bench/run.ts): timing a child process with its peak memory,
// statistics over rounds, and plain signed S3 requests for seeding, cleaning and the curl ceiling.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../src-main/sharing/node-sha256';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface Run {
  seconds: number;
  /** Peak resident memory of the process, bytes (Linux VmHWM); 0 when it could not be read. */
  peak: number;
}

/**
 * Runs a command to its end, sampling its peak RSS from /proc (VmHWM) until it exits. Rejects
 * with the tail of stderr on a non-zero exit: a failed run is never a fast run.
 */
export function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { stdout?: (chunk: Buffer) => void; cwd?: string } = {},
): Promise<Run> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      env,
      cwd: opts.cwd,
      stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let err = '';
    let peak = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // Gone already: the last sample stands.
      }
    };
    const timer = setInterval(sample, 50);
    if (opts.stdout) child.stdout?.on('data', opts.stdout);
    child.stderr?.on('data', (c) => {
      err = (err + String(c)).slice(-4000);
    });
    child.on('error', (e) => {
      clearInterval(timer);
      fail(e);
    });
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 0) done({ seconds, peak });
      else
        fail(new Error(`${cmd} ${args.slice(0, 4).join(' ')} exited ${code ?? signal}: ${err.slice(-1200)}`));
    });
  });
}

/** Runs a command and returns its stdout (for version strings); empty when it fails. */
export function output(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr?.on('data', (c) => (out += c));
    child.on('error', () => done(''));
    child.on('exit', () => done(out.trim()));
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Spread of the rounds around their median, as ± percent of the median (half the range). */
export function spreadPct(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = median(xs);
  return m > 0 ? ((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100 : 0;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface S3Target {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
}

/** RFC 3986 encoding of each path segment, as SigV4 and RGW expect. */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/**
 * A path-style S3 request signed with SigV4 (the AWS SDK's own signer), as a pre-signed URL
 * valid for `seconds`: what a peer with only `curl` would be handed.
 */
export async function presignS3(
  t: S3Target,
  method: string,
  bucket: string,
  key: string,
  query: Record<string, string> = {},
  seconds = 3600,
): Promise<string> {
  const url = new URL(t.endpoint);
  const path = `/${bucket}${key ? `/${encodeKey(key)}` : ''}`;
  const signer = new SignatureV4({
    credentials: { accessKeyId: t.accessKey, secretAccessKey: t.secretKey },
    region: t.region ?? 'us-east-1',
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const req = new HttpRequest({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  // The body is whatever curl sends: its hash is declared unsigned, and the header not sent.
  const payloadOnly = new Set(['x-amz-content-sha256']);
  const signed = await signer.presign(req, {
    expiresIn: seconds,
    unsignableHeaders: payloadOnly,
    unhoistableHeaders: payloadOnly,
  });
  const qs = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (v === null ? [] : (Array.isArray(v) ? v : [v]).map((one) => [k, one])))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`)
    .join('&');
  return `${url.origin}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * `cosdesk accounts add` of an S3 account into COSDESK_HOME `home` (the keys through the
 * environment, as a script would), for the UI benches. Needs the keyring (scripts/test-env.mjs).
 */
export function addS3Account(
  home: string,
  a: { name: string; endpoint: string; accessKey: string; secretKey: string; region?: string },
): void {
  const args = [
    'accounts',
    'add',
    '--kind',
    's3',
    '--name',
    a.name,
    '--endpoint',
    a.endpoint,
    '--path-style',
  ];
  if (a.region) args.push('--region', a.region);
  const add = spawnSync(process.execPath, ['bin/cosdesk.js', ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      COSDESK_HOME: home,
      COSDESK_SECRET_ID: a.accessKey,
      COSDESK_SECRET_KEY: a.secretKey,
    },
  });
  if (add.status !== 0) throw new Error(`accounts add failed: ${add.stderr}`);
}
