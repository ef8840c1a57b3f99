import type { BatchResult } from '../../../src-shared/contract';

/**
 * Calls that carry a list that can grow without bound (a delete of 50,000 keys, a cancel of
 * every transfer) go out in pieces: web mode takes frames of at most 1 MiB, and a piece at a
 * time also gives progress. Each piece is a complete call of its own; the answers are merged.
 */
export interface ChunkRule {
  /** The request field holding the list. */
  field: string;
  /** Most items per piece (a multi-delete takes 1,000 keys per request anyway). */
  maxItems: number;
  merge(parts: unknown[]): unknown;
}

/** Size of one piece's list as JSON: well under the 1 MiB frame cap, whatever else rides along. */
export const CHUNK_BYTES = 256 * 1024;
/** The websocket frame cap of web mode (the server's ws `maxPayload`). */
export const MAX_FRAME_BYTES = 1 << 20;

const mergeBatch = (parts: unknown[]): BatchResult => ({
  done: parts.flatMap((p) => (p as BatchResult).done),
  errors: parts.flatMap((p) => (p as BatchResult).errors),
});
const sumAffected = (parts: unknown[]): { affected: number } => ({
  affected: parts.reduce<number>((n, p) => n + (p as { affected: number }).affected, 0),
});

export const CHUNKED: Readonly<Record<string, ChunkRule>> = {
  'storage.deleteObjects': { field: 'keys', maxItems: 1000, merge: mergeBatch },
  'permissions.putAcl': { field: 'keys', maxItems: 1000, merge: mergeBatch },
  'transfers.pause': { field: 'ids', maxItems: 5000, merge: sumAffected },
  'transfers.resume': { field: 'ids', maxItems: 5000, merge: sumAffected },
  'transfers.cancel': { field: 'ids', maxItems: 5000, merge: sumAffected },
  'transfers.retry': { field: 'ids', maxItems: 5000, merge: sumAffected },
};

/** Splits `items` into runs of at most `maxItems` whose JSON stays under `maxBytes` (one oversized item goes alone). */
export function splitItems<T>(items: readonly T[], maxItems: number, maxBytes = CHUNK_BYTES): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = utf8Length(JSON.stringify(item) ?? '') + 1;
    if (run.length > 0 && (run.length >= maxItems || bytes + size > maxBytes)) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += size;
  }
  if (run.length > 0) out.push(run);
  return out;
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export interface ChunkProgress {
  method: string;
  /** Items sent and answered so far, of `total`. */
  done: number;
  total: number;
}

const listeners = new Set<(p: ChunkProgress) => void>();

/** Progress of chunked calls (a big delete): after each piece is answered. */
export function onChunkProgress(listener: (p: ChunkProgress) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Runs `call` once, or once per piece when `method` is chunked and its list is long; merges
 * the answers. A piece that fails fails the whole call (earlier pieces stay done).
 */
export async function chunkedCall(
  method: string,
  req: unknown,
  call: (req: unknown) => Promise<unknown>,
): Promise<unknown> {
  const rule = CHUNKED[method];
  const list =
    rule && typeof req === 'object' && req !== null
      ? (req as Record<string, unknown>)[rule.field]
      : undefined;
  if (!rule || !Array.isArray(list)) return call(req);
  const pieces = splitItems(list, rule.maxItems);
  if (pieces.length <= 1) return call(req);
  const answers: unknown[] = [];
  let done = 0;
  for (const piece of pieces) {
    answers.push(await call({ ...(req as object), [rule.field]: piece }));
    done += piece.length;
    for (const l of listeners) l({ method, done, total: list.length });
  }
  return rule.merge(answers);
}
