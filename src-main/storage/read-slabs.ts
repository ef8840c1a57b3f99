/**
 * Socket reads into slabs (net.Socket's `onread`), for the direct agent's sockets (http.ts).
 *
 * Node reads a socket into one new 64 KiB buffer per read: 16,384 reads and buffers for a GiB,
 * each passed along by undici and the streams behind it, and a GiB of new ArrayBuffers whose
 * external memory makes V8 mark the whole heap every few dozen MB. Here each read goes into the
 * unused rest of a 1 MiB slab (at least MIN_READ of it) and takes whatever the kernel holds, up
 * to that: a few times fewer reads and chunks. Each read's bytes are pushed as a view of the
 * slab; the slab is never written again where a view was pushed.
 *
 * A slab comes back for new reads only when every byte read into it was given back by
 * `releaseRead` (the download's writer, once those bytes are in the file): a slab that held
 * anything else (an answer's headers, a body nobody gives back, an error's) is left to the
 * garbage collector, as Node's own buffers are. So a slab is reused only when nobody who got
 * its bytes still holds them.
 */
const READ_SLAB = 1 << 20;
const MIN_READ = 64 * 1024;
/**
 * A socket's first read goes into a slab of Node's own read size: most answers (a HEAD, a
 * listing page, a small object on a connection of its own) end there, and a connection that
 * brings more goes on in full slabs.
 */
const FIRST_SLAB = MIN_READ;
/** Slabs kept for reuse, at most (1 MiB each). */
const KEEP = 16;

interface Slab {
  /** Bytes read into it. */
  read: number;
  /** Bytes given back. */
  released: number;
  /** No more reads go into it. */
  sealed: boolean;
}

const slabs = new WeakMap<ArrayBuffer, Slab>();
const free: Buffer[] = [];
/** The buffer the next read goes into, set by `callback` just before Node asks for it. */
let nextRead: Buffer | undefined;
/** Node asks for a buffer right after a read (not for a new socket's first read). */
let afterRead = false;

function newSlab(size: number): Buffer {
  const b = (size === READ_SLAB ? free.pop() : undefined) ?? Buffer.allocUnsafeSlow(size);
  slabs.set(b.buffer as ArrayBuffer, { read: 0, released: 0, sealed: false });
  return b;
}

function maybeReuse(ab: ArrayBuffer, s: Slab): void {
  if (!s.sealed || s.released !== s.read) return;
  slabs.delete(ab);
  if (free.length < KEEP && ab.byteLength === READ_SLAB) free.push(Buffer.from(ab, 0, READ_SLAB));
}

/** For net.connect's `onread` (undici passes its connect options to it). */
export const slabReads = {
  buffer(): Buffer {
    const b = nextRead ?? newSlab(afterRead ? READ_SLAB : FIRST_SLAB);
    nextRead = undefined;
    afterRead = false;
    return b;
  },
  callback(this: { push(b: Buffer): boolean }, n: number, buf: Buffer): boolean {
    const ab = buf.buffer as ArrayBuffer;
    const s = slabs.get(ab);
    if (s) {
      s.read += n;
      if (buf.length - n < MIN_READ) s.sealed = true;
    }
    nextRead = s && !s.sealed ? buf.subarray(n) : undefined;
    afterRead = true;
    const more = this.push(buf.subarray(0, n));
    if (s) maybeReuse(ab, s);
    return more;
  },
};

/**
 * The caller is done with `b` (a chunk of a response body) and holds no view of its bytes any
 * more: when they were read into a slab, they count towards its reuse. Give back each chunk
 * once, and only chunks as they came from the body (not a part of one).
 */
export function releaseRead(b: Buffer): void {
  const ab = b.buffer as ArrayBuffer;
  const s = slabs.get(ab);
  if (!s) return;
  s.released += b.length;
  maybeReuse(ab, s);
}
