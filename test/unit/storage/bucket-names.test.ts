import { describe, expect, it } from 'vitest';
import {
  checkCosBucketName,
  checkS3BucketName,
  withAppIdIfMissing,
} from '../../../src-main/storage/ops/bucket-names';

describe('COS bucket names', () => {
  const opts = { appId: '1250000000', region: 'ap-beijing' };

  it('appends the account APPID when the user left it out, and keeps it when typed', () => {
    expect(checkCosBucketName('photos', opts)).toEqual({ ok: true, name: 'photos-1250000000' });
    expect(checkCosBucketName('photos-1250000000', opts)).toEqual({ ok: true, name: 'photos-1250000000' });
    expect(checkCosBucketName('backup-2024', opts)).toEqual({ ok: true, name: 'backup-2024-1250000000' });
  });

  it('asks for the APPID when the account has none', () => {
    const r = checkCosBucketName('photos', { region: 'ap-beijing' });
    expect(r).toMatchObject({ ok: false, en: expect.stringMatching(/ends in -APPID/) });
    expect(checkCosBucketName('photos-1250000000', { region: 'ap-beijing' }).ok).toBe(true);
  });

  it('explains characters, hyphens at the ends and the 60-character domain', () => {
    expect(checkCosBucketName('Photos', opts)).toMatchObject({
      ok: false,
      en: expect.stringMatching(/lower-case/),
    });
    expect(checkCosBucketName('a.b', opts)).toMatchObject({
      ok: false,
      en: expect.stringMatching(/hyphens/),
    });
    expect(checkCosBucketName('-photos', opts)).toMatchObject({
      ok: false,
      en: expect.stringMatching(/start or end with a hyphen/),
    });
    // The documented example is exactly 60 characters: allowed; one more is not.
    expect(checkCosBucketName('123456789012345678901', opts).ok).toBe(true);
    const long = checkCosBucketName('1234567890123456789012', opts);
    expect(long).toMatchObject({
      ok: false,
      en: expect.stringMatching(/at most 60 characters. Shorten the name by 1/),
    });
    expect(long.ok ? '' : long.zh).toMatch(/缩短 1/);
  });

  it('keeps a foreign APPID when opening a bucket by name', () => {
    expect(withAppIdIfMissing('shared-1300000000', '1250000000')).toBe('shared-1300000000');
    expect(withAppIdIfMissing('photos', '1250000000')).toBe('photos-1250000000');
    expect(withAppIdIfMissing('photos', undefined)).toBe('photos');
  });
});

describe('S3 bucket names', () => {
  it('accepts ordinary names', () => {
    for (const n of ['abc', 'my.bucket-1', 'a'.repeat(63), '1-2-3'])
      expect(checkS3BucketName(n).ok, n).toBe(true);
  });

  it.each([
    ['ab', /3 to 63 characters; "ab" has 2/],
    ['a'.repeat(64), /3 to 63/],
    ['MyBucket', /lower-case/],
    ['a_b_c', /lower-case/],
    ['.abc', /start and end/],
    ['abc-', /start and end/],
    ['a..b', /two dots/],
    ['a.-b', /dot and a hyphen/],
    ['10.0.0.1', /IP address/],
  ])('explains why %s is refused', (name, why) => {
    const r = checkS3BucketName(name);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.en).toMatch(why);
      expect(r.zh.length).toBeGreaterThan(0);
    }
  });
});
