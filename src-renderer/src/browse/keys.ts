/** Pure key arithmetic for the object browser: keys are full paths, folders end with '/'. */

export function isFolderKey(key: string): boolean {
  return key.endsWith('/');
}

/** The folder a key lives in: 'a/b/c.txt' -> 'a/b/', 'a/b/' -> 'a/', 'c.txt' -> ''. */
export function parentPrefix(key: string): string {
  const trimmed = isFolderKey(key) ? key.slice(0, -1) : key;
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? '' : trimmed.slice(0, slash + 1);
}

/** The last path segment, without the trailing '/' of a folder. */
export function baseName(key: string): string {
  const trimmed = isFolderKey(key) ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Why a typed name cannot name an object or folder in place, or null when it can. */
export function nameProblem(name: string): 'empty' | 'slash' | 'dots' | null {
  if (name.trim() === '') return 'empty';
  if (name.includes('/')) return 'slash';
  if (name === '.' || name === '..') return 'dots';
  return null;
}

/** Where a rename sends a key: same parent folder, new last segment; folders keep their '/'. */
export function renameDestination(key: string, newName: string): string {
  return parentPrefix(key) + newName + (isFolderKey(key) ? '/' : '');
}

export interface Crumb {
  label: string;
  prefix: string;
}

/** 'a/b/' -> [{a, 'a/'}, {b, 'a/b/'}]; the bucket crumb (prefix '') comes first. */
export function crumbsOf(bucket: string, prefix: string): Crumb[] {
  const out: Crumb[] = [{ label: bucket, prefix: '' }];
  let at = 0;
  while (at < prefix.length) {
    const slash = prefix.indexOf('/', at);
    const end = slash < 0 ? prefix.length : slash + 1;
    out.push({ label: prefix.slice(at, end - (slash < 0 ? 0 : 1)), prefix: prefix.slice(0, end) });
    at = end;
  }
  return out;
}
