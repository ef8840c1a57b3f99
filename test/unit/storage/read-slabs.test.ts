import { describe, expect, it } from 'vitest';
import { releaseRead, slabReads } from '../../../src-main/storage/read-slabs';

const KiB = 1024;

/** A socket stand-in: what the reads pushed, and the buffer each next read goes into. */
function socket() {
  const pushed: Buffer[] = [];
  const self = { push: (b: Buffer) => (pushed.push(b), true) };
  let buf = slabReads.buffer();
  const s = {
    pushed,
    get buf() {
      return buf;
    },
    /** One read of `n` bytes, filled with `fill`. */
    read(n: number, fill: number) {
      buf.fill(fill, 0, n);
      slabReads.callback.call(self, n, buf);
      buf = slabReads.buffer();
    },
  };
  // A new socket's first read goes into a small slab of its own, the next ones into full slabs.
  expect(buf.length).toBe(64 * KiB);
  s.read(64 * KiB, 0);
  expect(s.buf.length).toBe(1024 * KiB);
  pushed.length = 0;
  return s;
}

describe('socket reads into slabs', () => {
  it('each read goes into the rest of the slab; its bytes are never written again', () => {
    const s = socket();
    const slab = s.buf.buffer;
    s.read(100 * KiB, 1);
    s.read(300 * KiB, 2);
    expect(s.buf.buffer).toBe(slab);
    expect(s.pushed.map((b) => [b.byteOffset, b.length])).toEqual([
      [0, 100 * KiB],
      [100 * KiB, 300 * KiB],
    ]);
    s.read(200 * KiB, 3);
    expect(s.pushed[0].every((x) => x === 1)).toBe(true);
    expect(s.pushed[1].every((x) => x === 2)).toBe(true);
  });

  it('a slab is reused only once every byte read into it was given back', () => {
    const a = socket();
    const slabA = a.buf.buffer;
    // Fill it up to less than 64 KiB: sealed, the next read goes into another slab.
    for (let i = 0; i < 4; i++) a.read(250 * KiB, i);
    a.read(24 * KiB - 1, 9);
    expect(a.buf.buffer).not.toBe(slabA);
    const [first, ...rest] = a.pushed;
    for (const b of rest) releaseRead(b);
    // One chunk still held (say, undici's header bytes): a new slab is not that one.
    const b = socket();
    expect(b.buf.buffer).not.toBe(slabA);
    releaseRead(first);
    const c = socket();
    expect(c.buf.buffer).toBe(slabA);
  });

  it('a chunk from elsewhere, or given back before its slab is full, changes nothing', () => {
    releaseRead(Buffer.alloc(10));
    const s = socket();
    const slab = s.buf.buffer;
    s.read(10 * KiB, 1);
    releaseRead(s.pushed[0]);
    // Not sealed: the socket still reads into it, so it is not handed out again.
    expect(socket().buf.buffer).not.toBe(slab);
    s.read(10 * KiB, 2);
    expect(s.pushed[1].buffer).toBe(slab);
    expect(s.pushed[1].byteOffset).toBe(10 * KiB);
  });
});
