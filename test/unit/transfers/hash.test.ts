import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  guessLayouts,
  multipartEtag,
  multipartEtagParts,
  PartHasher,
  uniformLayout,
} from '../../../src-main/transfers/hash';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('multipart ETags', () => {
  it('recognises the `md5-N` shape and nothing else', () => {
    expect(multipartEtagParts(`${'a'.repeat(32)}-3`)).toBe(3);
    expect(multipartEtagParts(`${'A'.repeat(32)}-10000`)).toBe(10000);
    expect(multipartEtagParts('a'.repeat(32))).toBeUndefined();
    expect(multipartEtagParts(`${'a'.repeat(32)}-0`)).toBeUndefined();
    expect(multipartEtagParts(`${'a'.repeat(32)}-10001`)).toBeUndefined();
    expect(multipartEtagParts(`${'g'.repeat(32)}-2`)).toBeUndefined();
    expect(multipartEtagParts('')).toBeUndefined();
  });

  it('PartHasher fed in odd pieces gives the composite of the parts hashed one by one', () => {
    const data = randomBytes(3 * 1000 + 17);
    const sizes = [1000, 1000, 1000, 17];
    const h = new PartHasher(sizes);
    for (let i = 0; i < data.length;) {
      const n = Math.min(data.length - i, 1 + ((i * 7) % 333));
      h.update(data.subarray(i, i + n));
      i += n;
    }
    let at = 0;
    const parts = sizes.map((s) => md5(data.subarray(at, (at += s))));
    expect(h.etag()).toBe(multipartEtag(parts));
    // Too many or too few bytes: no ETag at all, never a wrong one.
    const over = new PartHasher(sizes);
    over.update(Buffer.concat([data, Buffer.from([1])]));
    expect(over.etag()).toBeUndefined();
    const under = new PartHasher(sizes);
    under.update(data.subarray(1));
    expect(under.etag()).toBeUndefined();
  });
});

describe('part layouts', () => {
  it('uniform layouts end with the shorter part', () => {
    expect(uniformLayout(10, 4)).toEqual([4, 4, 2]);
    expect(uniformLayout(8, 4)).toEqual([4, 4]);
    expect(uniformLayout(0, 4)).toBeUndefined();
  });

  it('guesses whole-MiB part sizes that give the count, ours and common defaults first', () => {
    const size = 20 * MiB + 5;
    const guesses = guessLayouts(size, 3, [7 * MiB]);
    expect(guesses[0][0]).toBe(7 * MiB);
    expect(guesses.map((l) => l[0])).toContain(8 * MiB);
    for (const l of guesses) {
      expect(l).toHaveLength(3);
      expect(l.reduce((a, b) => a + b)).toBe(size);
    }
    // 5 MiB parts would make 5 parts: not a candidate for 3.
    expect(guesses.map((l) => l[0])).not.toContain(5 * MiB);
    expect(guessLayouts(size, 1, [])).toEqual([[size]]);
    expect(guessLayouts(size, 2, [], 4)).toHaveLength(4);
  });
});
