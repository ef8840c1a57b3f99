import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Crc64,
  crc64,
  crc64Combine,
  crc64CombineAll,
  crc64Backend,
  crc64Decimal,
  crc64ReadBuffer,
  parseCrc64,
} from '../../../src-main/storage/crc64';
// The COS gateway's own CRC, written separately: the two must agree, byte for byte.
import { crc64 as gatewayCrc64, crc64Combine as gatewayCombine } from '../../cos-gateway/crc64';

/** Bit-at-a-time CRC-64/XZ straight from the definition, in BigInt: slow and obviously right. */
function reference(data: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be replayed. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('crc64 (CRC-64/XZ, x-cos-hash-crc64ecma)', () => {
  it('has the catalogue check value for "123456789"', () => {
    expect(crc64('123456789')).toBe(0x995dc9bbdf1939fan);
    expect(crc64(Buffer.from('123456789'))).toBe(0x995dc9bbdf1939fan);
    expect(crc64Decimal('123456789')).toBe('11051210869376104954');
  });

  it('is 0 for empty input, and digest of a fresh hasher is 0', () => {
    expect(crc64(new Uint8Array(0))).toBe(0n);
    expect(crc64('')).toBe(0n);
    expect(new Crc64().digestDecimal()).toBe('0');
  });

  it('gives an unsigned decimal string, also for values with the top bit set', () => {
    // "123456789" has the top bit set: a signed rendering would be negative.
    expect(crc64Decimal('123456789')).toMatch(/^\d+$/);
    expect(BigInt(crc64Decimal('123456789'))).toBeGreaterThan(2n ** 63n);
    expect(crc64Decimal('a')).toBe(reference(Buffer.from('a')).toString());
  });

  it('matches the bit-by-bit reference on random buffers of every small length and alignment', () => {
    const big = bytes(4096 + 16, 0x1234567);
    for (let len = 0; len <= 80; len++) {
      for (let off = 0; off < 8; off++) {
        const view = big.subarray(off, off + len);
        expect(crc64(view), `len ${len} off ${off}`).toBe(reference(view));
      }
    }
    for (const len of [255, 256, 257, 1000, 1023, 4096]) {
      for (const off of [0, 1, 3, 5]) {
        const view = big.subarray(off, off + len);
        expect(crc64(view), `len ${len} off ${off}`).toBe(reference(view));
      }
    }
    for (let i = 0; i < 10; i++) {
      const r = randomBytes(1 + Math.floor(Math.random() * 3000));
      expect(crc64(r)).toBe(reference(r));
    }
  });

  it('takes the WebAssembly loop for large chunks, and it agrees with the reference at every alignment', () => {
    expect(crc64Backend()).toBe('wasm');
    // Lengths around the 256-byte switch to WebAssembly and its 16-byte steps, at every offset
    // from a word boundary (the window copy makes any alignment work).
    const big = bytes(600 + 16, 0x7654321);
    for (const len of [255, 256, 257, 271, 272, 273, 287, 511, 600]) {
      for (let off = 0; off < 16; off++) {
        const view = big.subarray(off, off + len);
        expect(crc64(view)).toBe(reference(view));
      }
    }
  });

  it('WebAssembly across its 1 MiB window, mixed with the JS loop for small chunks', () => {
    const data = bytes(3 * 1024 * 1024 + 333, 0x2468ace);
    const whole = gatewayCrc64(data);
    expect(crc64(data)).toBe(whole);
    expect(crc64(data.subarray(5))).toBe(gatewayCrc64(data.subarray(5)));
    // Chunk sizes that cross the window and the switch in both directions.
    const sizes = [1, 255, 256, (1 << 20) - 1, 17, (1 << 20) + 1, 3, 300, 1 << 20];
    const c = new Crc64();
    let at = 0;
    for (let i = 0; at < data.length; i++) {
      const n = Math.min(sizes[i % sizes.length], data.length - at);
      c.update(data.subarray(at, at + n));
      at += n;
    }
    expect(c.digest()).toBe(whole);
    expect(c.size).toBe(data.length);
  });

  it('bytes read into crc64ReadBuffer are hashed in place, and other chunks after them as usual', () => {
    const data = bytes(2 * 1024 * 1024 + 377, 0x1357bdf);
    const buf = crc64ReadBuffer();
    expect(buf.length).toBe(1 << 20);
    const c = new Crc64();
    let at = 0;
    for (const n of [1 << 20, 300, 1 << 20, 10, 67]) {
      // As the hash worker does: read a piece into the buffer, then feed that view of it.
      buf.set(data.subarray(at, at + n));
      c.update(buf.subarray(0, n));
      at += n;
    }
    expect(at).toBe(data.length);
    expect(c.digest()).toBe(gatewayCrc64(data));
    const mixed = new Crc64().update(data.subarray(0, 1000));
    buf.set(data.subarray(1000, 1000 + 5000));
    mixed.update(buf.subarray(0, 5000)).update(data.subarray(6000));
    expect(mixed.digest()).toBe(gatewayCrc64(data));
  });

  it('agrees with the COS gateway (an independent implementation)', () => {
    for (const n of [0, 1, 7, 8, 9, 100, 65_536, 1_000_003]) {
      const r = randomBytes(n);
      expect(crc64(r), String(n)).toBe(gatewayCrc64(r));
    }
  });

  it('incremental updates, in any chunking, equal one shot', () => {
    const data = bytes(100_003, 42);
    const whole = crc64(data);
    for (const chunk of [1, 3, 7, 8, 13, 64, 4095, 65_536]) {
      const h = new Crc64();
      for (let i = 0; i < data.length; i += chunk) h.update(data.subarray(i, i + chunk));
      expect(h.digest(), `chunk ${chunk}`).toBe(whole);
      expect(h.size).toBe(data.length);
    }
    // Random cut points, and digest does not disturb further updates.
    const h = new Crc64();
    let i = 0;
    while (i < data.length) {
      const n = Math.floor(Math.random() * 5000);
      h.update(data.subarray(i, i + n));
      h.digest();
      i += n;
    }
    expect(h.digest()).toBe(whole);
    // Strings are UTF-8 encoded.
    expect(new Crc64().update('海边 ').update('(1)').digest()).toBe(crc64(Buffer.from('海边 (1)')));
  });

  it('combine(crc(A), crc(B), len(B)) == crc(A‖B), for lengths from 0 to megabytes', () => {
    const data = bytes(3 * 1024 * 1024 + 17, 7);
    for (const [cut, end] of [
      [0, 0],
      [0, 10],
      [10, 10],
      [1, 2],
      [5, 13],
      [1000, 1001],
      [4096, 70_000],
      [1024 * 1024, 3 * 1024 * 1024 + 17],
      [17, 3 * 1024 * 1024 + 17],
    ]) {
      const a = data.subarray(0, cut);
      const b = data.subarray(cut, end);
      expect(crc64Combine(crc64(a), crc64(b), b.length), `${cut}/${end}`).toBe(crc64(data.subarray(0, end)));
    }
    // Decimal strings and bigint lengths are accepted too (as the headers and part sizes come).
    const a = data.subarray(0, 100);
    const b = data.subarray(100, 300);
    expect(crc64Combine(crc64Decimal(a), crc64Decimal(b), 200n)).toBe(crc64(data.subarray(0, 300)));
  });

  it('combines many parts as a multipart upload would', () => {
    const data = bytes(5 * 1024 * 1024 + 333, 99);
    const size = 1024 * 1024;
    const parts = [];
    for (let i = 0; i < data.length; i += size) {
      const p = data.subarray(i, i + size);
      parts.push({ crc: crc64Decimal(p), size: p.length });
    }
    expect(parts).toHaveLength(6);
    expect(crc64CombineAll(parts)).toBe(crc64(data));
    expect(crc64CombineAll([])).toBe(0n);
    // Lengths beyond 2^32 (a 5 GiB part) must not be truncated: associativity across such
    // lengths, and agreement with the gateway's independent combine.
    const [a, b, c] = [crc64('a'), crc64('bb'), crc64('ccc')];
    const big = 5n * 2n ** 30n + 3n;
    const huge = 2n ** 33n + 1n;
    expect(crc64Combine(crc64Combine(a, b, big), c, huge)).toBe(
      crc64Combine(a, crc64Combine(b, c, huge), big + huge),
    );
    expect(crc64Combine(a, b, big)).toBe(gatewayCombine(a, b, big));
    expect(crc64Combine(a, b, big)).not.toBe(crc64Combine(a, b, big & 0xffffffffn));
  });

  it('parses server values strictly', () => {
    expect(parseCrc64('11051210869376104954')).toBe(0x995dc9bbdf1939fan);
    expect(parseCrc64('0')).toBe(0n);
    expect(parseCrc64('18446744073709551616')).toBeUndefined();
    expect(parseCrc64('-1')).toBeUndefined();
    expect(parseCrc64('0x10')).toBeUndefined();
    expect(parseCrc64(undefined)).toBeUndefined();
  });

  // Speed is measured in bench/, never asserted in a test (CI runs on a busy 2-core machine).
  it('slicing-by-8 over 64 MiB agrees with the CRCs of its halves combined', () => {
    const buf = randomBytes(64 * 1024 * 1024);
    const half = buf.length / 2;
    expect(crc64(buf)).toBe(crc64Combine(crc64(buf.subarray(0, half)), crc64(buf.subarray(half)), half));
  });
});
