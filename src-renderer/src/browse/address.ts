/**
 * What a person types in the address bar: `bucket/folder/`, `/bucket/folder`, or the URL forms
 * `cos://bucket/folder/` and `s3://bucket/folder/`. A path names a folder, so a missing trailing
 * '/' is added. Null when there is no bucket name.
 */
export function parseAddress(text: string): { bucket: string; prefix: string } | null {
  let t = text.trim().replace(/^(cos|s3):\/\//i, '');
  t = t.replace(/^\/+/, '');
  if (t === '') return null;
  const slash = t.indexOf('/');
  const bucket = slash < 0 ? t : t.slice(0, slash);
  let prefix = slash < 0 ? '' : t.slice(slash + 1);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(bucket)) return null;
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (prefix === '/') prefix = '';
  return { bucket, prefix };
}

/** The address of a folder as the bar shows it. */
export function formatAddress(bucket: string, prefix: string): string {
  return `${bucket}/${prefix}`;
}

/**
 * A name filter, case-insensitive: a glob when it has `*` or `?` (matching the whole name),
 * else a substring. A pattern with '/' is matched against the path below the search folder,
 * else against the last segment of the key.
 */
export function nameMatcher(pattern: string): (relativeKey: string) => boolean {
  const p = pattern.trim().toLowerCase();
  if (p === '') return () => true;
  const onPath = p.includes('/');
  const subject = (rel: string) => {
    const k = rel.toLowerCase();
    if (onPath) return k;
    const trimmed = k.endsWith('/') ? k.slice(0, -1) : k;
    return trimmed.slice(trimmed.lastIndexOf('/') + 1);
  };
  if (/[*?]/.test(p)) {
    const re = new RegExp(
      '^' +
        p
          .split('')
          .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
          .join('') +
        '$',
      's',
    );
    return (rel) => re.test(subject(rel));
  }
  return (rel) => subject(rel).includes(p);
}
