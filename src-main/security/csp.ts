import type { AccountView } from '../../src-shared/contract';

/**
 * The page's Content-Security-Policy, the same builder for web mode and the desktop app.
 * Previews load images, media and PDFs straight from the bucket through signed links, so
 * img-src / media-src / frame-src name the accounts' storage endpoints, and nothing else:
 * never `*`. `connect` adds sources the page may open connections to besides 'self'.
 */
export function buildCsp(previewSources: readonly string[], connect: readonly string[] = []): string {
  const src = previewSources.join(' ');
  return (
    `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; ` +
    `img-src 'self' data: ${src}`.trimEnd() +
    `; media-src ${src || "'none'"}; frame-src ${src || "'none'"}; ` +
    `font-src 'self' data:; ` +
    `connect-src ${["'self'", ...connect].join(' ')}; ` +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
  );
}

/** Web mode's policy: the page also opens its websocket to this loopback server. */
export function pageCsp(port: number, previewSources: readonly string[]): string {
  return buildCsp(previewSources, [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
}

/** The desktop app's policy: calls go over Electron IPC, so the page connects to nothing but itself. */
export function desktopCsp(previewSources: readonly string[]): string {
  return buildCsp(previewSources);
}

/**
 * `electron-vite dev`: the dev server's page. The desktop app's policy, plus the dev server's
 * own websocket (hot reload). The dev server does not know the accounts, so previews may load
 * from COS's public endpoints (what index.html's static tag names) or the sources given.
 */
export function devServerCsp(port: number, previewSources: readonly string[] = DEV_PREVIEW_SOURCES): string {
  return buildCsp(previewSources, [`ws://localhost:${port}`, `ws://127.0.0.1:${port}`]);
}

/** COS's public endpoints, as wildcards (previewSources of an account at the default endpoint). */
export const DEV_PREVIEW_SOURCES: readonly string[] = ['https://*.myqcloud.com', 'https://*.tencentcos.cn'];

const DEFAULT_COS_TEMPLATE = 'https://{bucket}.cos.{region}.myqcloud.com';

/**
 * CSP host sources for the storage endpoints of these accounts. A per-bucket host
 * (`{bucket}.cos.{region}.myqcloud.com`, a virtual-hosted S3 endpoint) becomes a wildcard of
 * the labels after the last placeholder (`https://*.myqcloud.com`), as CSP allows a wildcard
 * only as the leftmost label; a path-style S3 endpoint is its exact origin.
 */
export function previewSources(accounts: readonly AccountView[]): string[] {
  const out = new Set<string>();
  for (const a of accounts) {
    try {
      if (a.kind === 's3') {
        const u = new URL(a.endpoint);
        out.add(a.pathStyle ? u.origin : `${u.protocol}//*.${u.host}`);
      } else {
        const s = wildcardOf(a.endpointTemplate ?? DEFAULT_COS_TEMPLATE);
        if (s) out.add(s);
      }
    } catch {
      // An endpoint that is not a URL serves nothing to preview.
    }
  }
  return [...out].sort();
}

function wildcardOf(template: string): string | undefined {
  const m = /^(https?:)\/\/([^/?#]+)/i.exec(template);
  if (!m) return undefined;
  const [, scheme, hostPort] = m;
  const labels = hostPort.split('.');
  let last = -1;
  labels.forEach((l, i) => {
    if (l.includes('{')) last = i;
  });
  if (last < 0) return `${scheme.toLowerCase()}//${hostPort.toLowerCase()}`;
  const rest = labels.slice(last + 1);
  // Nothing but a TLD (or nothing) after the placeholder would be far too wide: leave it out.
  if (rest.length < 2 && !/:\d+$/.test(rest.join('.'))) return undefined;
  if (rest.length === 0) return undefined;
  return `${scheme.toLowerCase()}//*.${rest.join('.').toLowerCase()}`;
}

/** The built index.html carries a static CSP meta tag: both web mode and the app put their own in. */
export function withCspMeta(html: string, csp: string): string {
  return html.replace(
    /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/i,
    (_m, a: string, b: string) => `${a}${csp.replace(/"/g, '&quot;')}${b}`,
  );
}
