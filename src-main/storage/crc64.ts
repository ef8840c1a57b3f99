/**
 * CRC-64/XZ, the checksum COS returns as `x-cos-hash-crc64ecma` (an unsigned decimal string):
 * ECMA-182 polynomial, reflected (0xC96C5795D7870F42), init and final XOR all ones.
 * Check value of "123456789": 0x995DC9BBDF1939FA.
 *
 * The hot loop keeps the 64-bit register as two 32-bit halves and consumes 8 bytes per step
 * with slicing-by-8 tables, so it stays in V8's small-integer arithmetic: no BigInt there.
 * BigInt appears only at the edges (the final value) and in `crc64Combine`'s inputs.
 */

/** Reflected ECMA-182 polynomial, split into halves. */
const POLY_HI = 0xc96c5795 | 0;
const POLY_LO = 0xd7870f42 | 0;
const MASK32 = 0xffffffffn;

/**
 * SLICE_LO[t * 256 + b] / SLICE_HI[…]: the register after feeding byte `b` into a zero register
 * and then `t` zero bytes (t = 0..7). Table 0 is the classic byte-at-a-time table.
 */
const SLICE_LO = new Int32Array(8 * 256);
const SLICE_HI = new Int32Array(8 * 256);

(function buildTables() {
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | (hi << 31);
      hi = hi >>> 1;
      if (carry) {
        lo ^= POLY_LO;
        hi ^= POLY_HI;
      }
    }
    SLICE_LO[b] = lo;
    SLICE_HI[b] = hi;
  }
  for (let t = 1; t < 8; t++) {
    for (let b = 0; b < 256; b++) {
      const lo = SLICE_LO[(t - 1) * 256 + b];
      const hi = SLICE_HI[(t - 1) * 256 + b];
      const i = lo & 0xff;
      SLICE_LO[t * 256 + b] = ((lo >>> 8) | (hi << 24)) ^ SLICE_LO[i];
      SLICE_HI[t * 256 + b] = (hi >>> 8) ^ SLICE_HI[i];
    }
  }
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The register, in halves, while a computation runs (pre- and post-inversion applied by callers). */
interface Reg {
  lo: number;
  hi: number;
}

/** One byte at a time: for the unaligned head and the tail of a chunk. */
function bytewise(r: Reg, data: Uint8Array, from: number, to: number): void {
  let lo = r.lo;
  let hi = r.hi;
  for (let i = from; i < to; i++) {
    const idx = (lo ^ data[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ SLICE_LO[idx];
    hi = (hi >>> 8) ^ SLICE_HI[idx];
  }
  r.lo = lo;
  r.hi = hi;
}

/** Eight bytes per step, read as two little-endian 32-bit words from an aligned view. */
function sliced(r: Reg, words: Int32Array): void {
  const TL = SLICE_LO;
  const TH = SLICE_HI;
  let lo = r.lo;
  let hi = r.hi;
  const n = words.length;
  for (let j = 0; j < n; j += 2) {
    const a = lo ^ words[j];
    const b = hi ^ words[j + 1];
    lo =
      TL[1792 + (a & 0xff)] ^
      TL[1536 + ((a >>> 8) & 0xff)] ^
      TL[1280 + ((a >>> 16) & 0xff)] ^
      TL[1024 + (a >>> 24)] ^
      TL[768 + (b & 0xff)] ^
      TL[512 + ((b >>> 8) & 0xff)] ^
      TL[256 + ((b >>> 16) & 0xff)] ^
      TL[b >>> 24];
    hi =
      TH[1792 + (a & 0xff)] ^
      TH[1536 + ((a >>> 8) & 0xff)] ^
      TH[1280 + ((a >>> 16) & 0xff)] ^
      TH[1024 + (a >>> 24)] ^
      TH[768 + (b & 0xff)] ^
      TH[512 + ((b >>> 8) & 0xff)] ^
      TH[256 + ((b >>> 16) & 0xff)] ^
      TH[b >>> 24];
  }
  r.lo = lo;
  r.hi = hi;
}

/** The same eight-byte step reading the bytes one by one (big-endian hosts). */
function slicedBytes(r: Reg, data: Uint8Array, from: number, to: number): void {
  const TL = SLICE_LO;
  const TH = SLICE_HI;
  let lo = r.lo;
  let hi = r.hi;
  for (let i = from; i < to; i += 8) {
    const a = lo ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    const b = hi ^ (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24));
    lo =
      TL[1792 + (a & 0xff)] ^
      TL[1536 + ((a >>> 8) & 0xff)] ^
      TL[1280 + ((a >>> 16) & 0xff)] ^
      TL[1024 + (a >>> 24)] ^
      TL[768 + (b & 0xff)] ^
      TL[512 + ((b >>> 8) & 0xff)] ^
      TL[256 + ((b >>> 16) & 0xff)] ^
      TL[b >>> 24];
    hi =
      TH[1792 + (a & 0xff)] ^
      TH[1536 + ((a >>> 8) & 0xff)] ^
      TH[1280 + ((a >>> 16) & 0xff)] ^
      TH[1024 + (a >>> 24)] ^
      TH[768 + (b & 0xff)] ^
      TH[512 + ((b >>> 8) & 0xff)] ^
      TH[256 + ((b >>> 16) & 0xff)] ^
      TH[b >>> 24];
  }
  r.lo = lo;
  r.hi = hi;
}

/** Feeds `data` into the (pre-inverted) register. */
function feed(r: Reg, data: Uint8Array): void {
  const len = data.length;
  if (len < 16) return bytewise(r, data, 0, len);
  // Bytes up to a 4-byte boundary of the underlying memory, so an Int32Array can view the rest.
  const head = LITTLE_ENDIAN ? (4 - (data.byteOffset & 3)) & 3 : 0;
  bytewise(r, data, 0, head);
  const body = (len - head) & ~7;
  if (LITTLE_ENDIAN) sliced(r, new Int32Array(data.buffer, data.byteOffset + head, body >>> 2));
  else slicedBytes(r, data, head, head + body);
  bytewise(r, data, head + body, len);
}

function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function asBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** An incremental CRC-64/XZ: `update` with each chunk in order, then `digest`. */
export class Crc64 {
  // Pre-inverted register (init all ones).
  private readonly reg: Reg = { lo: -1, hi: -1 };
  private bytes = 0;

  update(chunk: Uint8Array | string): this {
    const data = asBytes(chunk);
    feed(this.reg, data);
    this.bytes += data.length;
    return this;
  }

  /** Bytes fed so far. */
  get size(): number {
    return this.bytes;
  }

  /** The CRC of everything fed so far; more may be fed afterwards. */
  digest(): bigint {
    return toBigInt(~this.reg.hi, ~this.reg.lo);
  }

  /** As `x-cos-hash-crc64ecma` carries it: an unsigned decimal string. */
  digestDecimal(): string {
    return this.digest().toString(10);
  }
}

export function crc64(data: Uint8Array | string): bigint {
  return new Crc64().update(data).digest();
}

export function crc64Decimal(data: Uint8Array | string): string {
  return crc64(data).toString(10);
}

/** Parses a CRC as servers send it (unsigned decimal); undefined for anything else. */
export function parseCrc64(s: string | undefined): bigint | undefined {
  if (s === undefined || !/^\d{1,20}$/.test(s.trim())) return undefined;
  const v = BigInt(s.trim());
  return v <= 0xffffffffffffffffn ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// Combine: CRC(A ‖ B) from CRC(A), CRC(B) and len(B), by applying the operator "feed len(B) zero
// bytes" to CRC(A) as a 64×64 matrix over GF(2) (zlib's crc32_combine method, 64 bits wide).
// A matrix is 64 columns; column n is the image of bit n, stored as halves in two arrays.

interface Matrix {
  lo: Int32Array;
  hi: Int32Array;
}

const newMatrix = (): Matrix => ({ lo: new Int32Array(64), hi: new Int32Array(64) });

/** mat × (hi:lo), written into `out`. */
function times(mat: Matrix, hi: number, lo: number, out: Reg): void {
  let rlo = 0;
  let rhi = 0;
  for (let n = 0; n < 32; n++) {
    if ((lo >>> n) & 1) {
      rlo ^= mat.lo[n];
      rhi ^= mat.hi[n];
    }
  }
  for (let n = 0; n < 32; n++) {
    if ((hi >>> n) & 1) {
      rlo ^= mat.lo[32 + n];
      rhi ^= mat.hi[32 + n];
    }
  }
  out.lo = rlo;
  out.hi = rhi;
}

/** square = mat × mat. */
function square(into: Matrix, mat: Matrix): void {
  const r: Reg = { lo: 0, hi: 0 };
  for (let n = 0; n < 64; n++) {
    times(mat, mat.hi[n], mat.lo[n], r);
    into.lo[n] = r.lo;
    into.hi[n] = r.hi;
  }
}

/**
 * The CRC of A followed by B, given crc(A), crc(B) and B's length in bytes. Runs in
 * O(log lenB) matrix squarings: cheap enough to call once per multipart part.
 */
export function crc64Combine(crcA: bigint | string, crcB: bigint | string, lenB: number | bigint): bigint {
  const a = BigInt(crcA);
  const b = BigInt(crcB);
  let len = BigInt(lenB);
  if (len < 0n) throw new RangeError('crc64Combine: negative length');
  if (len === 0n) return a;

  // The operator for one zero bit: shift right, folding the polynomial in when bit 0 falls out.
  const odd = newMatrix();
  odd.lo[0] = POLY_LO;
  odd.hi[0] = POLY_HI;
  for (let n = 1; n < 64; n++) {
    const bit = n - 1; // column n maps to bit n-1
    if (bit < 32) odd.lo[n] = 1 << bit;
    else odd.hi[n] = 1 << (bit - 32);
  }
  const even = newMatrix();
  square(even, odd); // two zero bits
  square(odd, even); // four zero bits

  const r: Reg = { lo: Number(a & MASK32) | 0, hi: Number(a >> 32n) | 0 };
  // Each round squares once more: 1, 2, 4, … zero bytes, applied where len has a one bit.
  for (;;) {
    square(even, odd);
    if (len & 1n) times(even, r.hi, r.lo, r);
    len >>= 1n;
    if (len === 0n) break;
    square(odd, even);
    if (len & 1n) times(odd, r.hi, r.lo, r);
    len >>= 1n;
    if (len === 0n) break;
  }
  return toBigInt(r.hi, r.lo) ^ b;
}

/** The whole object's CRC from its parts' CRCs and sizes, in part order. */
export function crc64CombineAll(parts: ReadonlyArray<{ crc: bigint | string; size: number }>): bigint {
  if (parts.length === 0) return crc64(new Uint8Array(0));
  let acc = BigInt(parts[0].crc);
  for (let i = 1; i < parts.length; i++) acc = crc64Combine(acc, parts[i].crc, parts[i].size);
  return acc;
}
