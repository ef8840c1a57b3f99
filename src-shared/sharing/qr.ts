/**
 * A QR Code encoder (ISO/IEC 18004), byte mode only, error correction L or M, versions 1–40.
 * Written here because no QR library is installed and a pre-signed COS/S3 link (300–900 bytes)
 * needs nothing more than byte mode. Follows the structure of Nayuki's public-domain reference
 * encoder; pure code, so the renderer can draw it and a unit test can check it.
 */

export type Ecc = 'L' | 'M';

// Index 0 is unused so that the tables read by version number.
const ECC_PER_BLOCK: Record<Ecc, number[]> = {
  L: [
    -1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28,
    30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
  ],
  M: [
    -1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  ],
};
const BLOCKS: Record<Ecc, number[]> = {
  L: [
    -1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16,
    17, 18, 19, 19, 20, 21, 22, 24, 25,
  ],
  M: [
    -1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28,
    29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
  ],
};
const FORMAT_BITS: Record<Ecc, number> = { L: 1, M: 0 };

export interface QrMatrix {
  version: number;
  ecc: Ecc;
  mask: number;
  size: number;
  /** `dark[y][x]`. */
  dark: boolean[][];
}

export class QrTooLongError extends Error {}

function rawDataModules(ver: number): number {
  let result = (16 * ver + 128) * ver + 64;
  if (ver >= 2) {
    const n = Math.floor(ver / 7) + 2;
    result -= (25 * n - 10) * n - 55;
    if (ver >= 7) result -= 36;
  }
  return result;
}

function dataCodewords(ver: number, ecc: Ecc): number {
  return Math.floor(rawDataModules(ver) / 8) - ECC_PER_BLOCK[ecc][ver] * BLOCKS[ecc][ver];
}

function gfMul(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) {
    z = (z << 1) ^ ((z >>> 7) * 0x11d);
    z ^= ((y >>> i) & 1) * x;
  }
  return z;
}

export function rsDivisor(degree: number): number[] {
  const result = new Array<number>(degree).fill(0);
  result[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < result.length; j++) {
      result[j] = gfMul(result[j], root);
      if (j + 1 < result.length) result[j] ^= result[j + 1];
    }
    root = gfMul(root, 0x02);
  }
  return result;
}

export function rsRemainder(data: readonly number[], divisor: readonly number[]): number[] {
  const result = divisor.map(() => 0);
  for (const b of data) {
    const factor = b ^ (result.shift() as number);
    result.push(0);
    divisor.forEach((coef, i) => (result[i] ^= gfMul(coef, factor)));
  }
  return result;
}

/** The smallest version (at most `maxVersion`) whose capacity at `ecc` holds `bytes`. */
function pickVersion(length: number, ecc: Ecc, maxVersion: number): number | undefined {
  for (let v = 1; v <= maxVersion; v++) {
    const countBits = v <= 9 ? 8 : 16;
    if (4 + countBits + length * 8 <= dataCodewords(v, ecc) * 8) return v;
  }
  return undefined;
}

function dataBytes(bytes: Uint8Array, ver: number, ecc: Ecc): number[] {
  const bits: number[] = [];
  const put = (val: number, len: number) => {
    for (let i = len - 1; i >= 0; i--) bits.push((val >>> i) & 1);
  };
  put(0x4, 4);
  put(bytes.length, ver <= 9 ? 8 : 16);
  for (const b of bytes) put(b, 8);
  const capacity = dataCodewords(ver, ecc) * 8;
  put(0, Math.min(4, capacity - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  for (let pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) put(pad, 8);
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    let b = 0;
    for (let j = 0; j < 8; j++) b = (b << 1) | bits[i + j];
    out.push(b);
  }
  return out;
}

function withEcc(data: number[], ver: number, ecc: Ecc): number[] {
  const numBlocks = BLOCKS[ecc][ver];
  const eccLen = ECC_PER_BLOCK[ecc][ver];
  const raw = Math.floor(rawDataModules(ver) / 8);
  const numShort = numBlocks - (raw % numBlocks);
  const shortLen = Math.floor(raw / numBlocks);
  const divisor = rsDivisor(eccLen);
  const blocks: number[][] = [];
  for (let i = 0, k = 0; i < numBlocks; i++) {
    const dat = data.slice(k, k + shortLen - eccLen + (i < numShort ? 0 : 1));
    k += dat.length;
    const rem = rsRemainder(dat, divisor);
    if (i < numShort) dat.push(0);
    blocks.push(dat.concat(rem));
  }
  const result: number[] = [];
  for (let i = 0; i < blocks[0].length; i++) {
    blocks.forEach((block, j) => {
      // Short blocks carry a placeholder where long blocks have one more data byte.
      if (i !== shortLen - eccLen || j >= numShort) result.push(block[i]);
    });
  }
  return result;
}

function alignmentPositions(ver: number, size: number): number[] {
  if (ver === 1) return [];
  const n = Math.floor(ver / 7) + 2;
  const step = Math.floor((ver * 8 + n * 3 + 5) / (n * 4 - 4)) * 2;
  const result = [6];
  for (let pos = size - 7; result.length < n; pos -= step) result.splice(1, 0, pos);
  return result;
}

class Grid {
  readonly dark: boolean[][];
  readonly fixed: boolean[][];

  constructor(readonly size: number) {
    this.dark = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.fixed = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }

  set(x: number, y: number, dark: boolean): void {
    this.dark[y][x] = dark;
    this.fixed[y][x] = true;
  }
}

const bit = (x: number, i: number) => ((x >>> i) & 1) !== 0;

function drawFormat(g: Grid, ecc: Ecc, mask: number): void {
  const data = (FORMAT_BITS[ecc] << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  const bits = ((data << 10) | rem) ^ 0x5412;
  const s = g.size;
  for (let i = 0; i <= 5; i++) g.set(8, i, bit(bits, i));
  g.set(8, 7, bit(bits, 6));
  g.set(8, 8, bit(bits, 7));
  g.set(7, 8, bit(bits, 8));
  for (let i = 9; i < 15; i++) g.set(14 - i, 8, bit(bits, i));
  for (let i = 0; i < 8; i++) g.set(s - 1 - i, 8, bit(bits, i));
  for (let i = 8; i < 15; i++) g.set(8, s - 15 + i, bit(bits, i));
  g.set(8, s - 8, true);
}

function drawFunctionPatterns(g: Grid, ver: number, ecc: Ecc): void {
  const s = g.size;
  for (let i = 0; i < s; i++) {
    g.set(6, i, i % 2 === 0);
    g.set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [s - 4, 3],
    [3, s - 4],
  ]) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        const x = cx + dx;
        const y = cy + dy;
        if (x >= 0 && x < s && y >= 0 && y < s) g.set(x, y, d !== 2 && d !== 4);
      }
    }
  }
  const pos = alignmentPositions(ver, s);
  const n = pos.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if ((i === 0 && j === 0) || (i === 0 && j === n - 1) || (i === n - 1 && j === 0)) continue;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++)
          g.set(pos[i] + dx, pos[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    }
  }
  drawFormat(g, ecc, 0);
  if (ver >= 7) {
    let rem = ver;
    for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
    const bits = (ver << 12) | rem;
    for (let i = 0; i < 18; i++) {
      const a = s - 11 + (i % 3);
      const b = Math.floor(i / 3);
      g.set(a, b, bit(bits, i));
      g.set(b, a, bit(bits, i));
    }
  }
}

function drawCodewords(g: Grid, data: number[]): void {
  const s = g.size;
  let i = 0;
  for (let right = s - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let vert = 0; vert < s; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const upward = ((right + 1) & 2) === 0;
        const y = upward ? s - 1 - vert : vert;
        if (!g.fixed[y][x] && i < data.length * 8) {
          g.dark[y][x] = bit(data[i >>> 3], 7 - (i & 7));
          i++;
        }
      }
    }
  }
}

function maskBit(mask: number, x: number, y: number): boolean {
  switch (mask) {
    case 0:
      return (x + y) % 2 === 0;
    case 1:
      return y % 2 === 0;
    case 2:
      return x % 3 === 0;
    case 3:
      return (x + y) % 3 === 0;
    case 4:
      return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
    case 5:
      return ((x * y) % 2) + ((x * y) % 3) === 0;
    case 6:
      return (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
    default:
      return (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
  }
}

function applyMask(g: Grid, mask: number): void {
  for (let y = 0; y < g.size; y++) {
    for (let x = 0; x < g.size; x++) if (!g.fixed[y][x] && maskBit(mask, x, y)) g.dark[y][x] = !g.dark[y][x];
  }
}

/** The standard's penalty: long runs, 2×2 blocks, finder-like patterns, dark/light balance. */
function penalty(g: Grid): number {
  const s = g.size;
  let result = 0;
  const line = (get: (i: number) => boolean) => {
    let runColor = false;
    let run = 0;
    const hist = [0, 0, 0, 0, 0, 0, 0];
    const add = (len: number) => {
      if (hist[0] === 0) len += s;
      hist.pop();
      hist.unshift(len);
    };
    const count = () => {
      const n = hist[1];
      const core = n > 0 && hist[2] === n && hist[3] === n * 3 && hist[4] === n && hist[5] === n;
      return (
        (core && hist[0] >= n * 4 && hist[6] >= n ? 1 : 0) +
        (core && hist[6] >= n * 4 && hist[0] >= n ? 1 : 0)
      );
    };
    for (let i = 0; i < s; i++) {
      if (get(i) === runColor) {
        run++;
        if (run === 5) result += 3;
        else if (run > 5) result++;
      } else {
        add(run);
        if (!runColor) result += count() * 40;
        runColor = get(i);
        run = 1;
      }
    }
    if (runColor) {
      add(run);
      run = 0;
    }
    add(run + s);
    result += count() * 40;
  };
  for (let y = 0; y < s; y++) line((x) => g.dark[y][x]);
  for (let x = 0; x < s; x++) line((y) => g.dark[y][x]);
  let darkCount = 0;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      if (g.dark[y][x]) darkCount++;
      if (x < s - 1 && y < s - 1) {
        const c = g.dark[y][x];
        if (c === g.dark[y][x + 1] && c === g.dark[y + 1][x] && c === g.dark[y + 1][x + 1]) result += 3;
      }
    }
  }
  const total = s * s;
  result += (Math.ceil(Math.abs(darkCount * 20 - total * 10) / total) - 1) * 10;
  return result;
}

/** Encodes `text` (UTF-8) at level M, falling back to L when M cannot hold it. */
export function encodeQr(text: string, opts: { ecc?: Ecc; maxVersion?: number } = {}): QrMatrix {
  const bytes = new TextEncoder().encode(text);
  const maxVersion = Math.min(40, opts.maxVersion ?? 40);
  let ecc: Ecc = opts.ecc ?? 'M';
  let ver = pickVersion(bytes.length, ecc, maxVersion);
  if (ver === undefined && ecc === 'M') {
    ecc = 'L';
    ver = pickVersion(bytes.length, ecc, maxVersion);
  }
  if (ver === undefined) throw new QrTooLongError(`${bytes.length} bytes do not fit a QR code`);
  const size = ver * 4 + 17;
  const g = new Grid(size);
  drawFunctionPatterns(g, ver, ecc);
  drawCodewords(g, withEcc(dataBytes(bytes, ver, ecc), ver, ecc));
  let best = 0;
  let bestScore = Infinity;
  for (let m = 0; m < 8; m++) {
    applyMask(g, m);
    drawFormat(g, ecc, m);
    const score = penalty(g);
    if (score < bestScore) {
      best = m;
      bestScore = score;
    }
    applyMask(g, m);
  }
  applyMask(g, best);
  drawFormat(g, ecc, best);
  return { version: ver, ecc, mask: best, size, dark: g.dark };
}

/** An SVG path (one `h`-run per row of dark modules) in module units, for a 4-module quiet zone. */
export function qrSvgPath(qr: QrMatrix, quiet = 4): string {
  const parts: string[] = [];
  for (let y = 0; y < qr.size; y++) {
    let x = 0;
    while (x < qr.size) {
      if (!qr.dark[y][x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < qr.size && qr.dark[y][x]) x++;
      parts.push(`M${start + quiet} ${y + quiet}h${x - start}v1h${start - x}z`);
    }
  }
  return parts.join('');
}
