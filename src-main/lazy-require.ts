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
