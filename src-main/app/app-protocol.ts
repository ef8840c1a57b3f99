import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import mime from 'mime';
import { desktopCsp, withCspMeta } from '../security/csp';

// The desktop app's renderer comes from this privileged scheme instead of file://, so that
// index.html can carry a Content-Security-Policy built per page load from the accounts that
// exist (previews load straight from each account's endpoint). Kept free of electron: main.ts
// only registers the scheme and hands requests to serveAppRequest.

export const APP_SCHEME = 'app';
export const APP_HOST = 'cosdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page the window loads. */
export const APP_URL = `${APP_ORIGIN}/index.html`;

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** For index.html: the preview sources its CSP names (to tell when a reload is due). */
  previewSources?: string[];
}

function plain(status: number, text: string): AppResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: Buffer.from(text),
  };
}

/**
 * The file a request path names inside `root`, or why not: a path with a `..` or `.` segment
 * (raw or percent-encoded), a backslash or a NUL is refused outright; what resolves outside the
 * root (a symlink too) is refused as well.
 */
export async function resolveInside(
  root: string,
  rawPath: string,
): Promise<{ file: string } | { refused: true } | { missing: true }> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { refused: true };
  }
  if (/[\\\0]/.test(decoded)) return { refused: true };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { refused: true };
  const rel = decoded.replace(/^\/+/, '') || 'index.html';
  const base = resolve(root);
  const full = resolve(base, rel);
  const inside = (p: string, b: string) => {
    const r = relative(b, p);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r);
  };
  if (!inside(full, base)) return { refused: true };
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    return { missing: true };
  }
  const realBase = await realpath(base).catch(() => base);
  if (!inside(real, realBase)) return { refused: true };
  return { file: real };
}

function contentType(file: string): string {
  const type = mime.getType(file) ?? 'application/octet-stream';
  return /^text\/|javascript|json|svg/.test(type) ? `${type}; charset=utf-8` : type;
}

/**
 * Answer one request of the app scheme: files of the built renderer (`root`, out/renderer), and
 * index.html with the CSP of the accounts that exist now, in its meta tag and as a header.
 * Anything else (another host, a method other than GET/HEAD, a path outside the root) is refused.
 */
export async function serveAppRequest(
  root: string,
  url: string,
  method: string,
  previewSources: () => Promise<string[]>,
): Promise<AppResponse> {
  // The path as sent, before URL parsing folds `..` away: a request that tries is refused.
  const raw = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return plain(400, 'Bad request');
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || !raw) return plain(404, 'Not found');
  if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method not allowed');
  const where = await resolveInside(root, raw[1] || '/');
  if ('refused' in where) return plain(403, 'Forbidden: the path leaves the app folder');
  if ('missing' in where) return plain(404, 'Not found');
  let body: Buffer;
  try {
    body = await readFile(where.file);
  } catch {
    return plain(404, 'Not found');
  }
  const type = contentType(where.file);
  const headers: Record<string, string> = {
    'Content-Type': type,
    'X-Content-Type-Options': 'nosniff',
  };
  if (!type.startsWith('text/html')) return { status: 200, headers, body };
  const sources = await previewSources().catch(() => []);
  const csp = desktopCsp(sources);
  return {
    status: 200,
    headers: { ...headers, 'Content-Security-Policy': csp, 'Cache-Control': 'no-store' },
    body: Buffer.from(withCspMeta(body.toString('utf8'), csp)),
    previewSources: sources,
  };
}

/**
 * A CSP cannot be widened in a loaded page: after an account change the page needs a reload
 * only when an endpoint appears that the policy it was served with does not name.
 */
export function needsReload(served: readonly string[] | undefined, now: readonly string[]): boolean {
  if (!served) return false;
  return now.some((s) => !served.includes(s));
}
