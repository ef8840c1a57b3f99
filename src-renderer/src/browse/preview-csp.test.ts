import { describe, expect, it } from 'vitest';
import { cspAllows } from './preview-csp';

const self = 'http://127.0.0.1:7490';

describe('cspAllows (the preview asks for a reload when the loaded page cannot show it)', () => {
  // As src-main/security/csp.ts builds it for a path-style S3 endpoint and a custom COS domain.
  const sources = 'http://127.0.0.1:7480 https://*.files.example.com';
  const policy = (src: string) =>
    `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; ` +
    `img-src 'self' data: ${src}`.trimEnd() +
    `; media-src ${src || "'none'"}; frame-src ${src || "'none'"}; ` +
    "font-src 'self' data:; connect-src 'self' ws://127.0.0.1:7490; object-src 'none'";
  const csp = policy(sources);

  it('allows the endpoints the page was built with, for images, media and frames', () => {
    for (const d of ['img-src', 'media-src', 'frame-src'] as const) {
      expect(cspAllows(csp, d, 'http://127.0.0.1:7480/b/k.png?X-Amz-Signature=1', self)).toBe(true);
      expect(cspAllows(csp, d, 'https://b-125.files.example.com/k.mp4?sign=1', self)).toBe(true);
    }
  });

  it('refuses an endpoint added since the page loaded, another port, scheme or host', () => {
    expect(cspAllows(csp, 'img-src', 'http://127.0.0.1:7481/b/k.png', self)).toBe(false);
    expect(cspAllows(csp, 'img-src', 'https://127.0.0.1:7480/b/k.png', self)).toBe(false);
    expect(cspAllows(csp, 'img-src', 'https://files.example.com/k.png', self)).toBe(false);
    expect(cspAllows(csp, 'media-src', 'https://s3.example.net/b/k.mp4', self)).toBe(false);
    expect(cspAllows(csp, 'img-src', 'not a url', self)).toBe(false);
  });

  it("'none' refuses everything; no policy allows everything", () => {
    const none = policy('');
    expect(cspAllows(none, 'media-src', 'http://127.0.0.1:7480/b/k.mp4', self)).toBe(false);
    expect(cspAllows(undefined, 'media-src', 'http://127.0.0.1:7480/b/k.mp4', self)).toBe(true);
  });
});
