/**
 * CRC-64/XZ (a.k.a. CRC-64/ECMA-182 reflected, the `x-cos-hash-crc64ecma` value):
 * poly 0xC96C5795D7870F42 (reflected), init and xorout all ones. Check("123456789") = 0x995DC9BBDF1939FA.
 *
 * The 64-bit state is kept as two uint32 halves and updated with slicing-by-8 tables,
 * so the hot loop stays in Smi/uint32 arithmetic (no BigInt). BigInt only appears at the
 * edges (decimal strings) and in `crc64Combine`, which runs once per part.
 */

const POLY_LO = 0xd7870f42;
const POLY_HI = 0xc96c5795;

// TL[k*256+i] / TH[k*256+i]: CRC of byte i followed by k zero bytes (k = 0..7), low/high half.
const TL = new Int32Array(8 * 256);
const TH = new Int32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let b = 0; b < 8; b++) {
    const lsb = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (lsb) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  TL[i] = lo;
  TH[i] = hi;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const plo = TL[(k - 1) * 256 + i];
    const phi = TH[(k - 1) * 256 + i];
    const idx = plo & 0xff;
    TL[k * 256 + i] = (((plo >>> 8) | (phi << 24)) ^ TL[idx]) >>> 0;
    TH[k * 256 + i] = ((phi >>> 8) ^ TH[idx]) >>> 0;
  }
}

/** Incremental CRC-64/XZ over byte chunks. */
export class Crc64 {
  // Internal (pre-xorout) register, as uint32 halves.
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  private length = 0;

  update(data: Uint8Array): this {
    let lo = this.lo;
    let hi = this.hi;
    const n = data.length;
    let i = 0;
    const end8 = n - (n & 7);
    for (; i < end8; i += 8) {
      lo ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
      hi ^= data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
      const nlo =
        TL[1792 + (lo & 0xff)] ^
        TL[1536 + ((lo >>> 8) & 0xff)] ^
        TL[1280 + ((lo >>> 16) & 0xff)] ^
        TL[1024 + (lo >>> 24)] ^
        TL[768 + (hi & 0xff)] ^
        TL[512 + ((hi >>> 8) & 0xff)] ^
        TL[256 + ((hi >>> 16) & 0xff)] ^
        TL[hi >>> 24];
      const nhi =
        TH[1792 + (lo & 0xff)] ^
        TH[1536 + ((lo >>> 8) & 0xff)] ^
        TH[1280 + ((lo >>> 16) & 0xff)] ^
        TH[1024 + (lo >>> 24)] ^
        TH[768 + (hi & 0xff)] ^
        TH[512 + ((hi >>> 8) & 0xff)] ^
        TH[256 + ((hi >>> 16) & 0xff)] ^
        TH[hi >>> 24];
      lo = nlo;
      hi = nhi;
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TL[idx];
      hi = (hi >>> 8) ^ TH[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.length += n;
    return this;
  }

  /** Bytes fed so far. */
  get size(): number {
    return this.length;
  }

  /** The final CRC value (after xorout). */
  digest(): bigint {
    return (BigInt((~this.hi >>> 0) >>> 0) << 32n) | BigInt(~this.lo >>> 0);
  }

  /** The final CRC value as the unsigned decimal string COS sends. */
  digestDecimal(): string {
    return this.digest().toString(10);
  }
}

export function crc64(data: Uint8Array | string): bigint {
  return new Crc64().update(typeof data === 'string' ? Buffer.from(data) : data).digest();
}

// ---- combine (zlib's crc32_combine, GF(2) matrix method, widened to 64 bits) ----

const MASK64 = (1n << 64n) - 1n;
const POLY = 0xc96c5795d7870f42n;

function gf2Times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n;
  let i = 0;
  while (vec !== 0n) {
    if (vec & 1n) sum ^= mat[i];
    vec >>= 1n;
    i++;
  }
  return sum;
}

function gf2Square(square: bigint[], mat: bigint[]): void {
  for (let n = 0; n < 64; n++) square[n] = gf2Times(mat, mat[n]);
}

/**
 * CRC of A‖B from crc(A), crc(B) and len(B). Works on final values because init == xorout
 * (all ones) for CRC-64/XZ, exactly as zlib's crc32_combine does for CRC-32.
 */
export function crc64Combine(crc1: bigint, crc2: bigint, len2: number | bigint): bigint {
  let len = BigInt(len2);
  if (len <= 0n) return crc1 & MASK64;
  const even: bigint[] = new Array<bigint>(64);
  const odd: bigint[] = new Array<bigint>(64);
  // operator for one zero bit
  odd[0] = POLY;
  let row = 1n;
  for (let n = 1; n < 64; n++) {
    odd[n] = row;
    row <<= 1n;
  }
  gf2Square(even, odd); // two zero bits
  gf2Square(odd, even); // four zero bits
  let c1 = crc1 & MASK64;
  do {
    gf2Square(even, odd);
    if (len & 1n) c1 = gf2Times(even, c1);
    len >>= 1n;
    if (len === 0n) break;
    gf2Square(odd, even);
    if (len & 1n) c1 = gf2Times(odd, c1);
    len >>= 1n;
  } while (len !== 0n);
  return (c1 ^ crc2) & MASK64;
}

/** Combine a sequence of (crc, length) parts in order. */
export function crc64CombineAll(parts: ReadonlyArray<{ crc: bigint; size: number }>): bigint {
  if (parts.length === 0) return crc64(Buffer.alloc(0));
  let acc = parts[0].crc;
  for (let i = 1; i < parts.length; i++) acc = crc64Combine(acc, parts[i].crc, parts[i].size);
  return acc;
}
