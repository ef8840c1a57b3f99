import { describe, expect, it } from 'vitest';
import { encodeQr, rsDivisor, rsRemainder } from '../../../src-shared/sharing/qr';

/** The 15 format bits read back from around the top-left finder, as a decoder reads them. */
function formatBits(dark: boolean[][]): number {
  let bits = 0;
  const cells: Array<[number, number]> = [];
  for (let i = 0; i <= 5; i++) cells.push([8, i]);
  cells.push([8, 7], [8, 8], [7, 8]);
  for (let i = 9; i < 15; i++) cells.push([14 - i, 8]);
  cells.forEach(([x, y], i) => (bits |= (dark[y][x] ? 1 : 0) << i));
  return bits;
}

describe('QR encoder', () => {
  it('computes the Reed–Solomon codewords of the standard’s worked example (1-M, "01234567")', () => {
    const data = [
      0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11,
    ];
    expect(rsRemainder(data, rsDivisor(10))).toEqual([
      0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55,
    ]);
  });

  it('writes finder patterns, timing and the BCH-coded format of level M and the chosen mask', () => {
    const qr = encodeQr('https://example.com/a');
    expect(qr.ecc).toBe('M');
    expect(qr.size).toBe(qr.version * 4 + 17);
    const row0 = qr.dark[0].slice(0, 7);
    expect(row0).toEqual([true, true, true, true, true, true, true]);
    expect(qr.dark[1].slice(0, 7)).toEqual([true, false, false, false, false, false, true]);
    for (let i = 8; i < qr.size - 8; i++) expect(qr.dark[6][i]).toBe(i % 2 === 0);
    // Format = BCH(15,5) of (ECC bits 00 for M, mask) XOR 0x5412; check it against a fresh BCH.
    const data = (0 << 3) | qr.mask;
    let rem = data;
    for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    expect(formatBits(qr.dark)).toBe(((data << 10) | rem) ^ 0x5412);
    expect(qr.dark[qr.size - 8][8]).toBe(true);
  });

  it('holds a 900-byte signed link (version 7+ with version information) and refuses what cannot fit', () => {
    const url = 'https://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt?' + 'q'.repeat(880);
    const qr = encodeQr(url);
    expect(qr.version).toBeGreaterThanOrEqual(7);
    // Version information: the 6x3 block above the bottom-left finder mirrors the one beside the top-right.
    for (let i = 0; i < 18; i++) {
      const a = qr.size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      expect(qr.dark[b][a]).toBe(qr.dark[a][b]);
    }
    expect(() => encodeQr('x'.repeat(3000))).toThrow(/do not fit/);
  });
});
