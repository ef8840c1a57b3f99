/**
 * Whether the page's Content-Security-Policy lets a preview load from `url`. The policy is fixed
 * when the page loads and names the storage endpoints of the accounts there were then (main
 * builds it: src-main/security/csp.ts). An account added or edited since may point somewhere
 * the loaded page cannot show: the preview then asks for a reload instead of failing silently.
 * (The desktop app reloads by itself; web mode's page cannot be told by its server.)
 */
export type PreviewDirective = 'img-src' | 'media-src' | 'frame-src';

/** The sources of one directive, falling back to default-src as CSP does; undefined: no such rule. */
function sourcesOf(csp: string, directive: PreviewDirective): string[] | undefined {
  const rules = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name && !rules.has(name.toLowerCase())) rules.set(name.toLowerCase(), values);
  }
  return rules.get(directive) ?? rules.get('default-src');
}

function matches(source: string, u: URL, selfOrigin: string): boolean {
  const s = source.toLowerCase();
  if (s === "'self'") return u.origin === selfOrigin;
  if (s === '*') return u.protocol !== 'data:' && u.protocol !== 'blob:';
  if (/^[a-z][a-z0-9+.-]*:$/.test(s)) return u.protocol === s;
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^/:]+)(?::(\d+|\*))?/.exec(s);
  if (!m) return false;
  const [, scheme, wild, host, port] = m;
  if (scheme && `${scheme}:` !== u.protocol) return false;
  const h = u.hostname.toLowerCase();
  if (wild ? !h.endsWith(`.${host}`) : h !== host) return false;
  const defaultPort = u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
  const actual = u.port || defaultPort;
  if (port === '*') return true;
  return (port ?? defaultPort) === actual;
}

export function cspAllows(
  csp: string | undefined,
  directive: PreviewDirective,
  url: string,
  selfOrigin: string,
): boolean {
  if (!csp) return true;
  const sources = sourcesOf(csp, directive);
  if (!sources) return true;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return sources.some((s) => s !== "'none'" && matches(s, u, selfOrigin));
}

/** The page's own policy: the meta tag both web mode and the desktop app fill in. */
export function pageCsp(doc: Document = document): string | undefined {
  return (
    doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? undefined
  );
}
