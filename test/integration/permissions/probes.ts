import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StorageClient } from '../../../src-main/storage/client';
import { StorageError } from '../../../src-main/storage/errors';
import { COS_REGION, type DialectName } from '../storage/helpers';
import type { Stack } from '../storage/stack';

export type Probe = 'get' | 'put' | 'list';

/**
 * What an anonymous user really gets: a plain HTTP request without credentials. COS names the
 * bucket in the Host header (virtual-hosted), which a `.localhost` name cannot resolve, so the
 * request goes to 127.0.0.1 with the Host set by hand.
 */
export async function anonymous(s: Stack, op: Probe, bucket: string, key: string): Promise<number> {
  const method = op === 'put' ? 'PUT' : 'GET';
  const enc = key.split('/').map(encodeURIComponent).join('/');
  let url: URL;
  let host: string;
  if (s.gateway) {
    url = new URL(
      `http://127.0.0.1:${s.gateway.port}/${op === 'list' ? `?prefix=${encodeURIComponent(key)}` : enc}`,
    );
    host = `${bucket}.cos.${COS_REGION}.localhost:${s.gateway.port}`;
  } else {
    const base = new URL(s.env.endpoint);
    url = new URL(`${base.origin}/${bucket}/${op === 'list' ? `?prefix=${encodeURIComponent(key)}` : enc}`);
    host = base.host;
  }
  return new Promise((res, rej) => {
    const body = op === 'put' ? 'anon' : undefined;
    const r = request(
      url,
      { method, headers: { host, ...(body ? { 'content-length': String(body.length) } : {}) } },
      (resp) => {
        resp.resume();
        resp.on('end', () => res(resp.statusCode ?? 0));
      },
    );
    r.on('error', rej);
    r.end(body);
  });
}

/** What the second test user (tester2 / uin 100000000002) really gets: a signed request. */
export async function asUser2(s: Stack, op: Probe, bucket: string, key: string): Promise<number> {
  const client = new StorageClient(s.account(s.env.ak2, s.env.sk2), { maxAttempts: 1 });
  try {
    const res = await client.request(
      op === 'list'
        ? { method: 'GET', bucket, query: { prefix: key } }
        : op === 'put'
          ? { method: 'PUT', bucket, key, body: 'two' }
          : { method: 'GET', bucket, key },
    );
    await res.body.dump();
    return res.status;
  } catch (e) {
    if (e instanceof StorageError && e.status !== undefined) return e.status;
    throw e;
  } finally {
    await client.close();
  }
}

const BIN = resolve('bin/cosdesk.js');

/**
 * The built CLI with an ad-hoc account for `s` (owner keys), as a user would run it. Asynchronous:
 * the COS gateway runs in this process and must keep answering while the CLI waits.
 */
export function cosdesk(
  s: Stack,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const conn =
    s.dialect === 'cos'
      ? [
          '--endpoint',
          `http://{bucket}.cos.{region}.localhost:${s.gateway?.port}`,
          '--service-endpoint',
          `http://service.cos.localhost:${s.gateway?.port}`,
          '--app-id',
          '1250000000',
        ]
      : ['--endpoint', s.env.endpoint, '--path-style'];
  const child = spawn(process.execPath, [BIN, ...args, ...conn], {
    timeout: 60_000,
    env: {
      ...process.env,
      COSDESK_HOME: mkdtempSync(join(tmpdir(), 'cosdesk-perm-cli-')),
      COSDESK_ACCOUNT: undefined,
      COSDESK_SECRET_ID: s.env.ak,
      COSDESK_SECRET_KEY: s.env.sk,
      COSDESK_TOKEN: undefined,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

export function scheme(d: DialectName): string {
  return d === 'cos' ? 'cos' : 's3';
}
