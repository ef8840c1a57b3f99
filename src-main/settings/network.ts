import type { Agent, Dispatcher } from 'undici';
import { lazyRequire } from '../lazy-require';
import type { ProxySettings } from '../../src-shared/contract/settings';
import type { NetworkRoute, Network } from '../storage/http';

// Only a proxied route needs these (fetch-socks alone loads socks, ip-address and smart-buffer).
const undici = lazyRequire<typeof import('undici')>('undici');
const fetchSocks = lazyRequire<typeof import('fetch-socks')>('fetch-socks');

/** A proxy as the requests of main use it: the password comes from the keychain at request time. */
export interface ProxyEndpoint {
  kind: 'http' | 'socks5';
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/**
 * The desktop app's answer for "system" (Electron's session.resolveProxy: a PAC result such as
 * `DIRECT`, `PROXY host:port; DIRECT` or `SOCKS5 host:port`); absent in the headless modes,
 * which read HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment.
 */
export type SystemProxyResolver = (url: string) => Promise<string>;

export interface NetworkDeps {
  proxy(): ProxySettings;
  /** The proxy password from the keychain (undefined: none saved). */
  password(): Promise<string | undefined>;
  resolveSystem?: SystemProxyResolver;
  env?: NodeJS.ProcessEnv;
}

/**
 * How every request of main reaches the network, from the proxy settings as they are now:
 * each request asks for its route, so a changed setting applies to the next request
 * without a restart (see HttpClient). `generation` changes with every settings change.
 */
export class ProxyNetwork implements Network {
  private gen = 0;
  private readonly listeners = new Set<(generation: number) => void>();
  constructor(private readonly deps: NetworkDeps) {}

  /** The settings changed: requests from now on take the new route. */
  changed(): void {
    this.gen++;
    for (const f of this.listeners) f(this.gen);
  }

  /** Hears every change (the transfers worker drops the routes it keeps); returns the unsubscribe. */
  onChanged(f: (generation: number) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  get generation(): number {
    return this.gen;
  }

  async route(origin: string): Promise<NetworkRoute> {
    const { generation, endpoint } = await this.endpoint(origin);
    return routeFor(generation, endpoint);
  }

  /** The proxy for `origin` now (undefined: direct), as plain data a worker thread can be sent. */
  async endpoint(origin: string): Promise<{ generation: number; endpoint?: ProxyEndpoint }> {
    const p = this.deps.proxy();
    const generation = this.gen;
    if (p.mode === 'none') return { generation };
    if (p.mode === 'http' || p.mode === 'socks5') {
      if (!p.host || !p.port) return { generation };
      const password = p.username ? await this.deps.password() : undefined;
      return {
        generation,
        endpoint: { kind: p.mode, host: p.host, port: p.port, username: p.username, password },
      };
    }
    const sys = this.deps.resolveSystem
      ? parsePacResult(await this.deps.resolveSystem(origin).catch(() => 'DIRECT'))
      : fromEnv(origin, this.deps.env ?? process.env);
    return { generation, endpoint: sys };
  }
}

/** The route of one generation through `ep`, or direct without one. */
export function routeFor(generation: number, ep: ProxyEndpoint | undefined): NetworkRoute {
  return ep ? proxied(generation, ep) : direct(generation);
}

function direct(generation: number): NetworkRoute {
  return { key: 'direct', generation };
}

function proxied(generation: number, ep: ProxyEndpoint): NetworkRoute {
  return {
    key: `${ep.kind}://${ep.username ?? ''}:${ep.password ? 'p' : ''}@${ep.host}:${ep.port}#${generation}`,
    generation,
    proxy: { kind: ep.kind, host: ep.host, port: ep.port, auth: ep.username !== undefined },
    create: (agentOptions) => proxyDispatcher(ep, agentOptions),
  };
}

/** An undici dispatcher through the proxy: ProxyAgent (CONNECT tunnel) for HTTP, fetch-socks for SOCKS5. */
export function proxyDispatcher(ep: ProxyEndpoint, agentOptions: Agent.Options): Dispatcher {
  const connect = (agentOptions.connect ?? {}) as { timeout?: number };
  const { connect: _c, ...rest } = agentOptions;
  if (ep.kind === 'socks5') {
    return fetchSocks().socksDispatcher(
      {
        type: 5,
        host: ep.host,
        port: ep.port,
        ...(ep.username ? { userId: ep.username, password: ep.password ?? '' } : {}),
      },
      { ...rest, connect: { timeout: connect.timeout } },
    );
  }
  const host = ep.host.includes(':') && !ep.host.startsWith('[') ? `[${ep.host}]` : ep.host;
  return new (undici().ProxyAgent)({
    ...rest,
    uri: `http://${host}:${ep.port}`,
    ...(ep.username
      ? { token: `Basic ${Buffer.from(`${ep.username}:${ep.password ?? ''}`).toString('base64')}` }
      : {}),
    proxyTls: { timeout: connect.timeout },
  });
}

/** `PROXY h:p; DIRECT` → the first usable entry (HTTPS/PROXY as HTTP, SOCKS/SOCKS5 as SOCKS5). */
export function parsePacResult(pac: string): ProxyEndpoint | undefined {
  for (const part of pac.split(';')) {
    const m = /^\s*(PROXY|HTTPS|HTTP|SOCKS5?|DIRECT)\s*([^\s]*)\s*$/i.exec(part);
    if (!m) continue;
    const kind = m[1].toUpperCase();
    if (kind === 'DIRECT') return undefined;
    const hp = splitHostPort(m[2]);
    if (!hp) continue;
    return { kind: kind.startsWith('SOCKS') ? 'socks5' : 'http', ...hp };
  }
  return undefined;
}

/** HTTPS_PROXY for https:, HTTP_PROXY for http: (either case), unless NO_PROXY names the host. */
export function fromEnv(origin: string, env: NodeJS.ProcessEnv): ProxyEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  const pick = (name: string) => env[name] ?? env[name.toLowerCase()];
  const raw = url.protocol === 'https:' ? (pick('HTTPS_PROXY') ?? pick('HTTP_PROXY')) : pick('HTTP_PROXY');
  if (!raw || noProxy(url, pick('NO_PROXY') ?? '')) return undefined;
  let p: URL;
  try {
    p = new URL(/^[a-z0-9+.-]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
  const socks = p.protocol.startsWith('socks');
  const port = Number(p.port || (socks ? 1080 : p.protocol === 'https:' ? 443 : 80));
  return {
    kind: socks ? 'socks5' : 'http',
    host: p.hostname.replace(/^\[|\]$/g, ''),
    port,
    username: p.username ? decodeURIComponent(p.username) : undefined,
    password: p.password ? decodeURIComponent(p.password) : undefined,
  };
}

function noProxy(url: URL, list: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of list.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [name, p] = entry.startsWith('[')
      ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]]
      : entry.split(':');
    if (p && p !== port) continue;
    const bare = name.replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

function splitHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1], port } : undefined;
}
