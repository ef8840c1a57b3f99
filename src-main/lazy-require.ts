import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS package loaded on first use, not at start-up: every CLI command starts the whole
 * main bundle, and undici, fetch-socks (socks, ip-address), proper-lockfile (graceful-fs) and
 * fast-xml-parser cost tens of ms each to load, mostly for commands that never use them
 * (`--version`, a listing with no proxy, no lock and only plain XML). Use with a type-only
 * import: `const undici = lazyRequire<typeof import('undici')>('undici')`.
 */
export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= requireHere(id) as T);
}

type AgentClass = typeof import('undici').Agent;
let agentClass: AgentClass | undefined;

/**
 * undici's Agent with `request`, loaded on first use without undici's index: the index also
 * loads fetch, cookies, websocket, eventsource, mock, cache, retry and the interceptors (and,
 * through cookies, Node's own bundled undici): 110 files against 25, ~190 against ~60 ms of CPU
 * before the first request of every command. `request` is what the index adds to
 * Dispatcher.prototype (`Object.assign(Dispatcher.prototype, api)`); it is the same module, so
 * a later load of the index (a proxy route, STS) sets the same function again.
 */
export function undiciAgent(): AgentClass {
  if (agentClass) return agentClass;
  const dispatcher = requireHere('undici/lib/dispatcher/dispatcher') as { prototype: { request?: unknown } };
  dispatcher.prototype.request ??= requireHere('undici/lib/api/api-request');
  agentClass = requireHere('undici/lib/dispatcher/agent') as AgentClass;
  return agentClass;
}
