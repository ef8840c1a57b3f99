import { describe, expect, it } from 'vitest';
import { nameMatcher, parseAddress } from './address';

describe('the address bar', () => {
  it('takes bucket/prefix/, with or without the trailing slash, a leading slash and cos:// or s3://', () => {
    expect(parseAddress('photos/2024/')).toEqual({ bucket: 'photos', prefix: '2024/' });
    expect(parseAddress('photos/2024')).toEqual({ bucket: 'photos', prefix: '2024/' });
    expect(parseAddress(' /photos ')).toEqual({ bucket: 'photos', prefix: '' });
    expect(parseAddress('photos/')).toEqual({ bucket: 'photos', prefix: '' });
    expect(parseAddress('cos://photos-1250000000/a/b')).toEqual({
      bucket: 'photos-1250000000',
      prefix: 'a/b/',
    });
    expect(parseAddress('S3://b/日记 2025/')).toEqual({ bucket: 'b', prefix: '日记 2025/' });
    expect(parseAddress('')).toBeNull();
    expect(parseAddress('cos://')).toBeNull();
    expect(parseAddress('bad bucket/x')).toBeNull();
  });
});

describe('the search name filter', () => {
  it('is a case-insensitive substring of the name', () => {
    const m = nameMatcher('BEACH');
    expect(m('2024/beach.jpg')).toBe(true);
    expect(m('beach/other.png')).toBe(false);
  });

  it('is a glob on the whole name when it has * or ?', () => {
    const m = nameMatcher('*.JPG');
    expect(m('2024/beach.jpg')).toBe(true);
    expect(m('2025/雪山.jpg')).toBe(true);
    expect(m('cover.png')).toBe(false);
    expect(nameMatcher('a+b#?.txt')('x/a+b#c.txt')).toBe(true);
  });

  it('matches the path below the folder when the pattern has a slash', () => {
    expect(nameMatcher('2024/*')('2024/beach.jpg')).toBe(true);
    expect(nameMatcher('2024/*')('2025/beach.jpg')).toBe(false);
  });
});
