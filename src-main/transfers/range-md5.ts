import { hashPool } from './workers/pool';

/**
 * MD5 of `[start, start + size)` of a file, computed by the hashing worker pool
 * (src-main/transfers/workers) from the bytes on disk, so the thread that serves IPC and the
 * network only waits for the answer. A range past the end of the file is an error ("the file
 * ended at byte …"), never the MD5 of fewer bytes.
 */
export async function md5OfFileRange(path: string, start: number, size: number): Promise<string> {
  return (await hashPool().hashFile(path, start, size, { md5: true })).md5!;
}
