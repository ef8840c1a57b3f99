/**
 * The multipart ETag of bytes fed in order along a layout of part sizes. Shared by hash.ts
 * (the engine) and workers/hash-worker.ts (the hashing worker bundle): it imports nothing but
 * node:crypto, so the worker's bundle stays small.
 */
import { createHash, type Hash } from 'node:crypto';

/** The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, dash, part count. */
export function multipartEtag(partMd5Hex: readonly string[]): string {
  const h = createHash('md5');
  for (const p of partMd5Hex) h.update(Buffer.from(p, 'hex'));
  return `${h.digest('hex')}-${partMd5Hex.length}`;
}

/** MD5 of each part along a layout, fed the object's bytes in order. */
export class PartHasher {
  readonly md5s: string[] = [];
  private part = 0;
  private left: number;
  private h: Hash = createHash('md5');
  private overflow = false;

  constructor(private readonly sizes: readonly number[]) {
    this.left = sizes[0] ?? 0;
  }

  update(buf: Uint8Array): void {
    let off = 0;
    while (off < buf.length) {
      if (this.part >= this.sizes.length) {
        this.overflow = true;
        return;
      }
      const n = Math.min(this.left, buf.length - off);
      this.h.update(buf.subarray(off, off + n));
      off += n;
      this.left -= n;
      if (this.left === 0) {
        this.md5s.push(this.h.digest('hex'));
        this.part++;
        this.h = createHash('md5');
        this.left = this.sizes[this.part] ?? 0;
      }
    }
  }

  /** The composite ETag, once exactly the layout's bytes went in. */
  etag(): string | undefined {
    if (this.overflow || this.md5s.length !== this.sizes.length) return undefined;
    return multipartEtag(this.md5s);
  }
}
