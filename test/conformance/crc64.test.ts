import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64, crc64Combine, crc64CombineAll } from '../cos-gateway/crc64';

// Bit-at-a-time BigInt reference, straight from the CRC-64/XZ parameters.
function reference(data: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const b of data) {
    crc ^= BigInt(b);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

describe('CRC-64/XZ (x-cos-hash-crc64ecma)', () => {
  it('has the catalogue check value', () => {
    expect(crc64('123456789')).toBe(0x995dc9bbdf1939fan);
    expect(new Crc64().update(Buffer.from('123456789')).digestDecimal()).toBe('11051210869376104954');
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  it('matches a bit-at-a-time reference for every length 0..64 and odd chunking', () => {
    const data = randomBytes(4099);
    for (let n = 0; n <= 64; n++) expect(crc64(data.subarray(0, n))).toBe(reference(data.subarray(0, n)));
    const c = new Crc64();
    for (let o = 0; o < data.length; o += 37) c.update(data.subarray(o, o + 37));
    expect(c.digest()).toBe(reference(data));
  });

  it('combines part CRCs into the whole-object CRC', () => {
    const a = randomBytes(5 * 1024 * 1024 + 3);
    const b = randomBytes(1024 * 1024);
    const c = randomBytes(17);
    const whole = crc64(Buffer.concat([a, b, c]));
    expect(crc64Combine(crc64(a), crc64(b), b.length)).toBe(crc64(Buffer.concat([a, b])));
    expect(
      crc64CombineAll([
        { crc: crc64(a), size: a.length },
        { crc: crc64(b), size: b.length },
        { crc: crc64(c), size: c.length },
      ]),
    ).toBe(whole);
    expect(crc64Combine(crc64(a), crc64(Buffer.alloc(0)), 0)).toBe(crc64(a));
  });

  // Speed is measured in bench/, never asserted here (CI runs on a busy 2-core machine).
  it('streams 256 MiB in 1 MiB updates to the CRC of the whole buffer', () => {
    const size = 256 * 1024 * 1024;
    const buf = Buffer.allocUnsafe(size);
    const seed = randomBytes(1024 * 1024);
    for (let o = 0; o < size; o += seed.length) seed.copy(buf, o);
    new Crc64().update(buf.subarray(0, 8 * 1024 * 1024)); // warm up the JIT
    const t0 = performance.now();
    const c = new Crc64();
    for (let o = 0; o < size; o += 1024 * 1024) c.update(buf.subarray(o, o + 1024 * 1024));
    const secs = (performance.now() - t0) / 1000;
    const mbps = size / 1024 / 1024 / secs;
    console.log(`crc64: ${mbps.toFixed(0)} MiB/s over 256 MiB (information only)`);
    expect(c.digest()).toBe(crc64(buf));
  });
});
