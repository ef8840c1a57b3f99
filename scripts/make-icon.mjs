// Draws the app icon (a folder on a rounded blue tile) as a PNG, so the repo carries no
// opaque binary it cannot regenerate: node scripts/make-icon.mjs <out.png> [size]
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const [out = 'resources/icon.png', sizeArg = '512'] = process.argv.slice(2);
const N = Number(sizeArg);
const px = Buffer.alloc(N * (N * 4 + 1));
const inRounded = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const s = N / 512;
for (let y = 0; y < N; y++) {
  px[y * (N * 4 + 1)] = 0;
  for (let x = 0; x < N; x++) {
    let c = [0, 0, 0, 0];
    if (inRounded(x, y, 16 * s, 16 * s, 496 * s, 496 * s, 96 * s)) {
      const t = y / N;
      c = [Math.round(0 + 30 * t), Math.round(110 - 40 * t), Math.round(230 - 40 * t), 255];
    }
    const tab = inRounded(x, y, 100 * s, 140 * s, 250 * s, 220 * s, 24 * s);
    const body = inRounded(x, y, 100 * s, 175 * s, 412 * s, 390 * s, 28 * s);
    if (tab || body) c = [255, 255, 255, 255];
    if (inRounded(x, y, 150 * s, 300 * s, 362 * s, 330 * s, 14 * s)) c = [40, 120, 230, 255];
    px.set(c, y * (N * 4 + 1) + 1 + x * 4);
  }
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0);
ihdr.writeUInt32BE(N, 4);
ihdr.set([8, 6, 0, 0, 0], 8);
writeFileSync(
  out,
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(px)),
    chunk('IEND', Buffer.alloc(0)),
  ]),
);
