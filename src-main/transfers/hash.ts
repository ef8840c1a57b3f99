import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Crc64 } from '../storage/crc64';

/** MD5 (S3) or CRC-64 (COS) of `[start, start + size)` of a file, read as a stream. */
export async function hashRange(
  path: string,
  start: number,
  size: number,
  algo: 'md5' | 'crc64',
): Promise<string> {
  const md5 = algo === 'md5' ? createHash('md5') : undefined;
  const crc = algo === 'crc64' ? new Crc64() : undefined;
  if (size > 0) {
    for await (const chunk of createReadStream(path, {
      start,
      end: start + size - 1,
      highWaterMark: 1 << 20,
    })) {
      md5?.update(chunk as Buffer);
      crc?.update(chunk as Buffer);
    }
  }
  return md5 ? md5.digest('hex') : crc!.digestDecimal();
}

/** The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, dash, part count. */
export function multipartEtag(partMd5Hex: readonly string[]): string {
  const h = createHash('md5');
  for (const p of partMd5Hex) h.update(Buffer.from(p, 'hex'));
  return `${h.digest('hex')}-${partMd5Hex.length}`;
}

/** Raised when what arrived is not what was sent; the part (or file) is sent again. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}
