import { lazyRequire } from '../lazy-require';

/**
 * mime's database (~15 ms of CPU to load), on the first name that needs a type: a listing or a
 * download never loads it. mime is an ES module; Node >= 20.19 (package.json's engines) and
 * Electron's Node require() one synchronously and hand back its namespace.
 */
const mimeModule = lazyRequire<typeof import('mime')>('mime');

/** mime's `getType`: the type of a path or a bare extension, or null when it knows none. */
export function mimeType(pathOrExtension: string): string | null {
  return mimeModule().default.getType(pathOrExtension);
}

/** What COS and S3 store when nothing better is known, and what the SDK sends for an unknown name. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * The Content-Type an upload of `name` (an object key or a file name) carries: the type the
 * maintained `mime` database gives its extension, or application/octet-stream for an unknown
 * extension or none. Only the last path segment counts, and only a real extension: a file
 * called `json` or `.bashrc` has none (mime itself would read a bare `json` as an extension).
 * An `override` (the user's choice in the UI, `--content-type` in the CLI) wins.
 */
export function contentTypeFor(name: string, override?: string): string {
  if (override) return override;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return DEFAULT_CONTENT_TYPE;
  return mimeType(base.slice(dot + 1)) ?? DEFAULT_CONTENT_TYPE;
}
