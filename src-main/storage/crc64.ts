/**
 * CRC-64/XZ, the checksum COS returns as `x-cos-hash-crc64ecma` (an unsigned decimal string):
 * ECMA-182 polynomial, reflected (0xC96C5795D7870F42), init and final XOR all ones.
 * Check value of "123456789": 0x995DC9BBDF1939FA.
 *
 * The hot loop keeps the 64-bit register as two 32-bit halves and consumes 8 bytes per step
 * with slicing-by-8 tables, so it stays in V8's small-integer arithmetic: no BigInt there.
 * BigInt appears only at the edges (the final value) and in `crc64Combine`'s inputs.
 * Chunks of 256 bytes or more go through the same slicing, 16 bytes a step on 64-bit words, in
 * a small WebAssembly module (see "The fast path" below); the JS loop is its fallback.
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
  extendTables(SLICE_LO, SLICE_HI, 1, 8);
})();

/** Tables `from`..`to - 1`: each one is the table before it, fed one more zero byte. */
function extendTables(lo: Int32Array, hi: Int32Array, from: number, to: number): void {
  for (let t = from; t < to; t++) {
    for (let b = 0; b < 256; b++) {
      const l = lo[(t - 1) * 256 + b];
      const h = hi[(t - 1) * 256 + b];
      const i = l & 0xff;
      lo[t * 256 + b] = ((l >>> 8) | (h << 24)) ^ lo[i];
      hi[t * 256 + b] = (h >>> 8) ^ hi[i];
    }
  }
}

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

/** Feeds `data` into the (pre-inverted) register: WebAssembly for a large chunk, JS otherwise. */
function feed(r: Reg, data: Uint8Array): void {
  if (data.length >= WASM_MIN) {
    const w = wasmCrc();
    if (w) return w(r, data);
  }
  feedJs(r, data);
}

function feedJs(r: Reg, data: Uint8Array): void {
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

// ---------------------------------------------------------------------------------------------
// The fast path: slicing-by-16 on 64-bit words in WebAssembly, about twice the speed of the JS
// loop above (which needs two 32-bit halves, so twice the table reads). The module is a few
// hundred bytes assembled here at first use (no build step, no binary in the tree): one
// function `f(ptr, end, crc) -> crc` over linear memory that holds 16 tables of 256 i64
// (32 KiB) followed by a 1 MiB window the input is copied into. WebAssembly is little-endian
// on every host, so this path needs no byte-order case.

/** Chunks at least this long take the WebAssembly path (below it the copy and BigInt cost more). */
const WASM_MIN = 256;
const TABLES = 16;
const WINDOW = 1 << 20;
const WINDOW_AT = TABLES * 256 * 8;

type WasmFeed = (r: Reg, data: Uint8Array) => void;
let wasmFeed: WasmFeed | null | undefined;

let wasmWindow: Uint8Array | undefined;

/**
 * A 1 MiB buffer to read file bytes into before `update` (the hash worker's): with
 * WebAssembly it is the loop's own input window, so the CRC of what is read there needs no
 * copy. Its contents last until the next `update` of a chunk that is not this buffer.
 */
export function crc64ReadBuffer(): Uint8Array {
  return wasmCrc() && wasmWindow ? wasmWindow : new Uint8Array(WINDOW);
}

/** Which loop large chunks go through (the tests check that the fast one is in use). */
export function crc64Backend(): 'wasm' | 'js' {
  return wasmCrc() ? 'wasm' : 'js';
}

function wasmCrc(): WasmFeed | null {
  if (wasmFeed === undefined) {
    try {
      wasmFeed = buildWasm();
    } catch {
      // No WebAssembly here (or it refuses to compile): the JS loop does the same work.
      wasmFeed = null;
    }
  }
  return wasmFeed;
}

const uleb = (n: number): number[] => {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
};
const sleb = (n: number): number[] => {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...o, b];
    o.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// The opcodes used (WebAssembly core spec, 5.4).
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  i32Const: 0x41,
  i64Const: 0x42,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
} as const;
const VOID = 0x40;
const I32 = 0x7f;
const I64 = 0x7e;
// Locals: the parameters ptr, end (i32) and crc (i64), then stop (i32) and the second word (i64).
const PTR = 0;
const END = 1;
const CRC = 2;
const STOP = 3;
const W2 = 4;

/** `T[table][(word >> 8·byte) & 0xff]`, an i64 on the stack. */
function lookup(word: number, byte: number, table: number): number[] {
  return [
    OP.get,
    word,
    ...(byte ? [OP.i64Const, ...sleb(8 * byte), OP.i64ShrU] : []),
    OP.i32WrapI64,
    OP.i32Const,
    ...sleb(0xff),
    OP.i32And,
    OP.i32Const,
    3,
    OP.i32Shl,
    OP.i64Load,
    3,
    ...uleb(table * 2048),
  ];
}

function wasmCode(): number[] {
  // One step, 16 bytes: crc ^= word 1; crc = T15[crc.b0] ^ … ^ T8[crc.b7] ^ T7[w2.b0] ^ … ^ T0[w2.b7].
  const terms: number[] = [];
  for (let j = 0; j < 16; j++) {
    terms.push(...(j < 8 ? lookup(CRC, j, 15 - j) : lookup(W2, j - 8, 15 - j)));
    if (j > 0) terms.push(OP.i64Xor);
  }
  const step = [
    ...[OP.get, CRC, OP.get, PTR, OP.i64Load, 3, 0, OP.i64Xor, OP.set, CRC],
    ...[OP.get, PTR, OP.i64Load, 3, 8, OP.set, W2],
    ...terms,
    ...[OP.set, CRC, OP.get, PTR, OP.i32Const, 16, OP.i32Add, OP.set, PTR],
  ];
  // The tail, a byte at a time: crc = (crc >> 8) ^ T0[(crc ^ byte) & 0xff].
  const byte = [
    ...[OP.get, CRC, OP.i64Const, 8, OP.i64ShrU],
    ...[OP.get, CRC, OP.i32WrapI64, OP.get, PTR, OP.i32Load8U, 0, 0, OP.i32Xor],
    ...[OP.i32Const, ...sleb(0xff), OP.i32And, OP.i32Const, 3, OP.i32Shl, OP.i64Load, 3, 0],
    ...[OP.i64Xor, OP.set, CRC, OP.get, PTR, OP.i32Const, 1, OP.i32Add, OP.set, PTR],
  ];
  const whileBelow = (limit: number, body: number[]) => [
    ...[OP.block, VOID, OP.loop, VOID],
    ...[OP.get, PTR, OP.get, limit, OP.i32GeU, OP.brIf, 1],
    ...body,
    ...[OP.br, 0, OP.end, OP.end],
  ];
  return [
    ...vec([
      [1, I32],
      [1, I64],
    ]),
    ...[OP.get, END, OP.i32Const, 15, OP.i32Sub, OP.set, STOP],
    ...whileBelow(STOP, step),
    ...whileBelow(END, byte),
    ...[OP.get, CRC, OP.end],
  ];
}

interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

function buildWasm(): WasmFeed {
  const code = wasmCode();
  const pages = Math.ceil((WINDOW_AT + WINDOW) / 65536);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I64]]), ...vec([[I64]])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(
      7,
      vec([
        [...name('f'), 0x00, 0],
        [...name('m'), 0x02, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ];
  // The global as Node has it (this project's TypeScript libs do not declare it).
  const wa = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;
  if (!wa) throw new Error('no WebAssembly');
  const inst = new wa.Instance(new wa.Module(new Uint8Array(bytes)), {});
  const f = inst.exports.f as (ptr: number, end: number, crc: bigint) => bigint;
  const mem = (inst.exports.m as { buffer: ArrayBuffer }).buffer;
  // Tables 0–7 as the JS loop has them, 8–15 continued by the same rule.
  const view = new DataView(mem);
  const lo = new Int32Array(TABLES * 256);
  const hi = new Int32Array(TABLES * 256);
  lo.set(SLICE_LO);
  hi.set(SLICE_HI);
  extendTables(lo, hi, 8, TABLES);
  for (let k = 0; k < TABLES * 256; k++) {
    view.setInt32(k * 8, lo[k], true);
    view.setInt32(k * 8 + 4, hi[k], true);
  }
  const window = new Uint8Array(mem, WINDOW_AT, WINDOW);
  wasmWindow = window;
  return (r, data) => {
    let crc = (BigInt(r.hi) << 32n) | BigInt(r.lo >>> 0);
    // Bytes read straight into the window (crc64ReadBuffer) need no copy.
    if (data.buffer === mem && data.byteOffset === WINDOW_AT && data.length <= WINDOW) {
      crc = f(WINDOW_AT, WINDOW_AT + data.length, crc);
      data = data.subarray(data.length);
    }
    for (let at = 0; at < data.length; at += WINDOW) {
      const piece = data.subarray(at, Math.min(data.length, at + WINDOW));
      window.set(piece);
      crc = f(WINDOW_AT, WINDOW_AT + piece.length, crc);
    }
    r.lo = Number(BigInt.asIntN(32, crc));
    r.hi = Number(BigInt.asIntN(32, crc >> 32n));
  };
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
