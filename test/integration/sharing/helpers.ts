import { spawn } from 'node:child_process';
import type { Stack } from '../storage/stack';

/** What curl got: the status and the body. curl maps `*.localhost` to loopback itself. */
export function curl(
  url: string,
  opts: { method?: string; body?: string; headers?: Record<string, string>; dumpHeaders?: boolean } = {},
): Promise<{ status: number; body: string; headers?: string }> {
  const args = ['-sS', '-o', '-', '-w', '\n%{http_code}', '-X', opts.method ?? 'GET'];
  if (opts.dumpHeaders) args.push('-i');
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (opts.body !== undefined) args.push('--data-binary', '@-');
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${err}`));
      const nl = out.lastIndexOf('\n');
      const status = Number(out.slice(nl + 1));
      const all = out.slice(0, nl);
      if (!opts.dumpHeaders) return resolve({ status, body: all });
      const cut = all.indexOf('\r\n\r\n');
      resolve({ status, headers: all.slice(0, cut), body: all.slice(cut + 4) });
    });
    // curl may be done (a GET reads no stdin) before this write lands: EPIPE is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.body ?? '');
  });
}

/** The URL with one character of query parameter `name` changed (a digit or letter flipped). */
export function tamper(url: string, name: string, at: 'first' | 'last' | number = 'last'): string {
  const u = new URL(url);
  const v = u.searchParams.get(name);
  if (v === null) throw new Error(`no ${name} in ${url}`);
  const i = at === 'first' ? 0 : at === 'last' ? v.length - 1 : at;
  const c = v[i];
  const swapped = /\d/.test(c) ? String((Number(c) + 1) % 10) : c === 'a' ? 'b' : 'a';
  const changed = v.slice(0, i) + swapped + v.slice(i + 1);
  // Rebuild by hand: URLSearchParams would re-encode every other parameter its own way.
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase());
  const query = u.search
    .slice(1)
    .split('&')
    .map((p) => (p.startsWith(`${name}=`) ? `${name}=${enc(changed)}` : p))
    .join('&');
  return `${u.origin}${u.pathname}?${query}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function makeBucket(s: Stack): Promise<string> {
  const bucket = s.bucketName();
  await s.bridge.storage.createBucket({ accountId: s.id, bucket });
  return bucket;
}
