import { describe, expect, it } from 'vitest';
import type { AccountView } from '../../../src-shared/contract';
import { pageCsp, previewSources, withCspMeta } from '../../../src-main/security/csp';
import { decodeText } from '../../../src-main/versions/service';

const common = { id: 'a', name: 'n', region: 'ap-guangzhou', createdAt: '', updatedAt: '' };
const cos = (endpointTemplate?: string) =>
  ({ ...common, kind: 'cos', secretId: 'x', endpointTemplate }) as unknown as AccountView;
const s3 = (endpoint: string, pathStyle: boolean) =>
  ({ ...common, kind: 's3', endpoint, pathStyle, accessKeyId: 'x' }) as unknown as AccountView;

describe('preview CSP sources', () => {
  it("names each account's storage endpoint, a wildcard only as the leftmost label", () => {
    expect(
      previewSources([
        cos(),
        cos('http://{bucket}.cos.{region}.localhost:9000'),
        s3('http://127.0.0.1:7480', true),
        s3('https://s3.example.com', false),
        cos('https://{bucket}.{region}.com'),
      ]),
    ).toEqual([
      'http://*.localhost:9000',
      'http://127.0.0.1:7480',
      'https://*.myqcloud.com',
      'https://*.s3.example.com',
    ]);
  });

  it('puts them in img-src, media-src and frame-src, and nothing at all without accounts', () => {
    const csp = pageCsp(5000, ['http://127.0.0.1:7480']);
    expect(csp).toContain("img-src 'self' data: http://127.0.0.1:7480;");
    expect(csp).toContain('media-src http://127.0.0.1:7480;');
    expect(csp).toContain('frame-src http://127.0.0.1:7480;');
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:5000 ws://localhost:5000;");
    const none = pageCsp(5000, []);
    expect(none).toContain("img-src 'self' data:;");
    expect(none).toContain("media-src 'none'; frame-src 'none'");
    expect(none).not.toMatch(/\s\*[\s;]/);
  });

  it("rewrites the page's meta policy", () => {
    const html =
      '<head><meta\n      http-equiv="Content-Security-Policy"\n      content="default-src \'self\'; img-src \'self\'"\n    /></head>';
    expect(withCspMeta(html, "img-src 'self' http://x")).toContain('content="img-src \'self\' http://x"');
  });
});

describe('text preview', () => {
  it('decodes UTF-8, leaves out a character cut in half, and calls NULs or bad UTF-8 binary', () => {
    const bytes = new TextEncoder().encode('a é');
    expect(decodeText(bytes, false)).toEqual({ text: 'a é', binary: false });
    expect(decodeText(bytes.subarray(0, 3), true)).toEqual({ text: 'a ', binary: false });
    expect(decodeText(bytes.subarray(0, 3), false).binary).toBe(true);
    expect(decodeText(new Uint8Array([65, 0, 66]), false).binary).toBe(true);
  });
});
