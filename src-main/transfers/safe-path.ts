import { isAbsolute, join, relative, resolve, sep } from 'node:path';

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// Illegal on Windows, plus every control character; replaced rather than refused so a
// bucket full of such keys still downloads.
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[<>:"|?*\\\u0000-\u001f\u007f]/g;

/** One path segment made safe on every platform; empty when nothing usable is left. */
export function safeSegment(seg: string): string {
  if (seg === '.' || seg === '..') return '';
  let s = seg.replace(ILLEGAL, '_').replace(/[. ]+$/, (m) => '_'.repeat(m.length));
  if (RESERVED.test(s)) s = `_${s}`;
  return s.slice(0, 255);
}

/**
 * Where an object key lands under `root`: leading slashes stripped, `.` and `..` segments
 * dropped, illegal characters replaced. Throws if the result would leave `root` anyway.
 */
export function safeLocalPath(root: string, relativeKey: string): string {
  const segments = relativeKey
    .split('/')
    .map(safeSegment)
    .filter((s) => s !== '');
  if (segments.length === 0) throw new Error(`"${relativeKey}" names no file`);
  const base = resolve(root);
  const out = resolve(join(base, ...segments));
  const rel = relative(base, out);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`"${relativeKey}" would be written outside ${base}`);
  }
  return out;
}

/**
 * `safeLocalPath` for many keys under one root (a folder download's listing): the root is
 * resolved once. On POSIX the path is the root and the safe segments joined with `/`, which is
 * what `resolve(join(base, ...segments))` gives for segments that hold no `/` and are neither
 * empty, `.` nor `..` (safeSegment's output); the same checks decide what is refused. Elsewhere
 * each key goes through `safeLocalPath`. Queueing 100,000 keys spent ~2.4 KB of garbage a key
 * in path.resolve/join/relative (h18).
 */
export function localPathsUnder(root: string): (relativeKey: string) => string {
  if (sep !== '/') return (key) => safeLocalPath(root, key);
  const base = resolve(root);
  const prefix = base === '/' ? '/' : `${base}/`;
  return (relativeKey) => {
    const segments = relativeKey
      .split('/')
      .map(safeSegment)
      .filter((s) => s !== '');
    if (segments.length === 0) throw new Error(`"${relativeKey}" names no file`);
    const rel = segments.join('/');
    if (rel.startsWith('..')) throw new Error(`"${relativeKey}" would be written outside ${base}`);
    return prefix + rel;
  };
}

/** `name (1).ext`, `name (2).ext`, …: the first candidate `exists` says is free. */
export async function keepBothName(
  name: string,
  exists: (candidate: string) => Promise<boolean>,
): Promise<string> {
  const slash = name.lastIndexOf('/') + 1;
  const dot = name.lastIndexOf('.');
  const cut = dot > slash ? dot : name.length;
  for (let i = 1; i < 10_000; i++) {
    const candidate = `${name.slice(0, cut)} (${i})${name.slice(cut)}`;
    if (!(await exists(candidate))) return candidate;
  }
  throw new Error(`no free name next to "${name}"`);
}
