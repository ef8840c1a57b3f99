import { hashPool } from './workers/pool';

export { multipartEtag, PartHasher } from './part-md5';

/** MD5 (S3) or CRC-64 (COS) of `[start, start + size)` of a file, read and hashed in a worker. */
export async function hashRange(
  path: string,
  start: number,
  size: number,
  algo: 'md5' | 'crc64',
): Promise<string> {
  const d = await hashPool().hashFile(path, start, size, algo === 'md5' ? { md5: true } : { crc64: true });
  return (algo === 'md5' ? d.md5 : d.crc64)!;
}

const MiB = 1024 * 1024;

/** `md5hex-N`, the shape of a multipart ETag; undefined for anything else. */
export function multipartEtagParts(etag: string): number | undefined {
  const m = /^[0-9a-f]{32}-(\d{1,5})$/i.exec(etag);
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= 10_000 ? n : undefined;
}

/** Part sizes of an object of `size` bytes cut into parts of `partSize` (the last one shorter). */
export function uniformLayout(size: number, partSize: number): number[] | undefined {
  if (partSize <= 0 || size <= 0) return undefined;
  const n = Math.ceil(size / partSize);
  const out = new Array<number>(n).fill(partSize);
  out[n - 1] = size - (n - 1) * partSize;
  return out;
}

/**
 * Layouts a multipart object of `size` bytes in `parts` parts was probably uploaded with, most
 * likely first, when the server does not say (RGW ignores HEAD ?partNumber=). Tools cut parts
 * of a whole number of MiB: `preferred` (ours) first, then common defaults (aws cli 8, rclone
 * and the SDKs 5, mc 16, s3cmd 15), then every other whole MiB that gives `parts` parts.
 */
export function guessLayouts(size: number, parts: number, preferred: number[], max = 12): number[][] {
  if (size <= 0) return [];
  if (parts === 1) return [[size]];
  const fits = (p: number) => p > 0 && (parts - 1) * p < size && parts * p >= size;
  const sizes: number[] = [];
  const add = (p: number) => {
    if (fits(p) && !sizes.includes(p) && sizes.length < max) sizes.push(p);
  };
  for (const p of preferred) add(p);
  for (const m of [8, 5, 16, 15, 10, 64, 100, 128, 6, 32]) add(m * MiB);
  const lo = Math.ceil(size / parts / MiB);
  const hi = Math.floor((size - 1) / (parts - 1) / MiB);
  for (let m = lo; m <= hi && sizes.length < max; m++) add(m * MiB);
  add(Math.ceil(size / parts));
  return sizes.map((p) => uniformLayout(size, p)!);
}

/** The multipart ETags `[start, size)` of a file gives along each layout, in one read (in a worker). */
export async function layoutEtagsOfFile(path: string, size: number, layouts: number[][]): Promise<string[]> {
  if (layouts.length === 0) return [];
  return (await hashPool().hashFile(path, 0, size, { layouts })).etags!;
}

/** MD5 and CRC-64 of `[start, start + size)` of a file, in one read (in a worker). */
export async function md5AndCrc(
  path: string,
  start: number,
  size: number,
): Promise<{ md5: string; crc: string }> {
  const d = await hashPool().hashFile(path, start, size, { md5: true, crc64: true });
  return { md5: d.md5!, crc: d.crc64! };
}

/** Raised when what arrived is not what was sent; the part (or file) is sent again. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}
