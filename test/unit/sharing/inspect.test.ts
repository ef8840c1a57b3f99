import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  inspectSignedUrl,
  linkState,
  parseDuration,
  toCsv,
} from '../../../src-shared/sharing/inspect';

describe('link inspector', () => {
  it('reads a COS link: key id, window, signed lists, token', () => {
    const r = inspectSignedUrl(
      'https://b-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.txt?response-content-disposition=attachment&q-sign-algorithm=sha1&q-ak=AKIDabc&q-sign-time=1700000000%3B1700003600&q-key-time=1700000000%3B1700003600&q-header-list=host&q-url-param-list=response-content-disposition&q-signature=deadbeef&x-cos-security-token=tok',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.link).toMatchObject({
      dialect: 'cos',
      path: '/a b.txt',
      keyId: 'AKIDabc',
      signedHeaders: ['host'],
      signedParams: ['response-content-disposition'],
      startsAt: '2023-11-14T22:13:20.000Z',
      expiresAt: '2023-11-14T23:13:20.000Z',
      validitySeconds: 3600,
      hasToken: true,
    });
    expect(linkState(r.link, Date.parse('2023-11-14T22:30:00Z'))).toBe('valid');
    expect(linkState(r.link, Date.parse('2023-11-15T00:00:00Z'))).toBe('expired');
  });

  it('reads an S3 link and refuses what is not one', () => {
    const r = inspectSignedUrl(
      'http://127.0.0.1:7480/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA1%2F20240102%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240102T030405Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=00',
    );
    expect(r.ok && r.link).toMatchObject({
      dialect: 's3',
      keyId: 'AKIA1',
      scope: { date: '20240102', region: 'us-east-1', service: 's3' },
      startsAt: '2024-01-02T03:04:05.000Z',
      expiresAt: '2024-01-02T03:19:05.000Z',
      hasToken: false,
    });
    expect(inspectSignedUrl('ftp://x/y')).toEqual({ ok: false, reason: 'not-a-url' });
    expect(inspectSignedUrl('https://x/y?a=1')).toEqual({ ok: false, reason: 'not-signed' });
  });

  it('parses durations and formats them; quotes CSV', () => {
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('2h')).toBe(7200);
    expect(parseDuration('1d')).toBe(86_400);
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration('soon')).toBeUndefined();
    expect(formatDuration(3725)).toBe('1h 2m 5s');
    expect(toCsv([['a,b', 'say "hi"']])).toBe('"a,b","say ""hi"""\r\n');
  });
});
