/** Messages between the engine (main thread) and a hashing worker (hash-worker.ts). */

/** Which digests a task computes. */
export interface Algos {
  md5?: boolean;
  crc64?: boolean;
  /** Multipart ETags along each layout (part sizes), as S3 gives a multipart object. */
  layouts?: number[][];
}

export interface Digests {
  md5?: string;
  /** Unsigned decimal, as `x-cos-hash-crc64ecma` carries it. */
  crc64?: string;
  /** One per layout: the multipart ETag, or '' when the bytes did not fill the layout exactly. */
  etags?: string[];
}

export type Request =
  /** Reads `[start, start + size)` of a file and hashes it; `keep`: returns the bytes too. */
  | { op: 'file'; id: number; path: string; start: number; size: number; algos: Algos; keep: boolean }
  /** Opens a stream hash fed by `data` messages, answered at `end`. */
  | { op: 'open'; id: number; algos: Algos }
  | { op: 'data'; id: number; buf: ArrayBuffer; len: number }
  | { op: 'end'; id: number }
  | { op: 'drop'; id: number }
  /**
   * Reads `[start, start + size)` of a file into `buf` (transferred here and back, so one
   * buffer serves part after part) and hashes it; the reply's `len` says how much was read.
   */
  | { op: 'read'; id: number; path: string; start: number; size: number; algos: Algos; buf: ArrayBuffer };

export interface ErrorInfo {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export type Reply =
  | { id: number; ok: true; digests: Digests; buf?: ArrayBuffer; len?: number }
  | { id: number; ok: false; error: ErrorInfo };
