import type { MetadataPatch, ObjectProperties } from '../../../src-shared/contract';

/** What the metadata editor edits: the HTTP headers and user metadata of one object. */
export interface MetadataDraft {
  contentType: string;
  cacheControl: string;
  contentDisposition: string;
  meta: { name: string; value: string }[];
}

/** The same rules main applies (src-main/storage/ops/objects.ts metadataProblem). */
export const META_NAME = /^[a-z0-9][a-z0-9!#$%&'*+.^_`|~-]*$/;
export const META_LIMIT = 2048;

export type DraftProblem =
  | { kind: 'badName'; name: string }
  | { kind: 'duplicate'; name: string }
  | { kind: 'badValue'; name: string }
  | { kind: 'tooBig'; bytes: number }
  | { kind: 'contentType' };

export function draftOf(p: ObjectProperties): MetadataDraft {
  return {
    contentType: p.contentType ?? '',
    cacheControl: p.cacheControl ?? '',
    contentDisposition: p.contentDisposition ?? '',
    meta: Object.entries(p.metadata).map(([name, value]) => ({ name, value })),
  };
}

export function draftProblem(d: MetadataDraft): DraftProblem | undefined {
  if (d.contentType.trim() && !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(d.contentType.trim())) {
    return { kind: 'contentType' };
  }
  const seen = new Set<string>();
  let bytes = 0;
  const enc = new TextEncoder();
  for (const { name, value } of d.meta) {
    const n = name.trim().toLowerCase();
    if (!n && !value) continue;
    if (!META_NAME.test(n)) return { kind: 'badName', name };
    if (seen.has(n)) return { kind: 'duplicate', name: n };
    seen.add(n);
    if (/[^\x20-\x7e]/.test(value)) return { kind: 'badValue', name: n };
    bytes += enc.encode(n).length + enc.encode(value).length;
  }
  if (bytes > META_LIMIT) return { kind: 'tooBig', bytes };
  return undefined;
}

/** The change from `before` to `draft`: only what the user changed is sent. */
export function patchOf(before: ObjectProperties, d: MetadataDraft): MetadataPatch {
  const patch: MetadataPatch = {};
  const ct = d.contentType.trim();
  if (ct && ct !== (before.contentType ?? '')) patch.contentType = ct;
  const cc = d.cacheControl.trim();
  if (cc !== (before.cacheControl ?? '')) patch.cacheControl = cc || null;
  const cd = d.contentDisposition.trim();
  if (cd !== (before.contentDisposition ?? '')) patch.contentDisposition = cd || null;
  const next = new Map<string, string>();
  for (const { name, value } of d.meta) {
    const n = name.trim().toLowerCase();
    if (n) next.set(n, value);
  }
  const setMeta: Record<string, string> = {};
  for (const [n, v] of next) if (before.metadata[n] !== v) setMeta[n] = v;
  const removeMeta = Object.keys(before.metadata).filter((n) => !next.has(n));
  if (Object.keys(setMeta).length) patch.setMeta = setMeta;
  if (removeMeta.length) patch.removeMeta = removeMeta;
  return patch;
}

export function isEmptyPatch(p: MetadataPatch): boolean {
  return Object.keys(p).length === 0;
}
