import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccountView } from '../../../src-shared/contract';
import { needsReload, serveAppRequest } from '../../../src-main/app/app-protocol';
import { desktopCsp, pageCsp, previewSources } from '../../../src-main/security/csp';

const common = { id: 'a', name: 'n', region: 'ap-guangzhou', createdAt: '', updatedAt: '' };
const cos = (endpointTemplate?: string) =>
  ({ ...common, kind: 'cos', secretId: 'x', endpointTemplate }) as unknown as AccountView;
const s3 = (endpoint: string, pathStyle: boolean) =>
  ({ ...common, kind: 's3', endpoint, pathStyle, accessKeyId: 'x' }) as unknown as AccountView;

// A built renderer folder, and a secret file next to it that no request may reach.
const base = mkdtempSync(join(tmpdir(), 'cosdesk-app-protocol-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(
  join(root, 'index.html'),
  '<head><meta\n  http-equiv="Content-Security-Policy"\n  content="default-src \'self\'"\n/></head>',
);
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'style.css'), 'a{}');
writeFileSync(join(root, 'assets', 'font.woff2'), 'x');
writeFileSync(join(base, 'secret.txt'), 'secret');
symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));

const accounts = [s3('http://127.0.0.1:7480', true), cos('https://{bucket}.files.example.com'), cos()];
const get = (path: string, method = 'GET') =>
  serveAppRequest(root, `app://cosdesk${path}`, method, async () => previewSources(accounts));

describe('the app:// scheme of the desktop app', () => {
  it('serves index.html with the CSP of the accounts, in the meta tag and the header', async () => {
    for (const path of ['/', '/index.html']) {
      const r = await get(path);
      expect(r.status).toBe(200);
      const csp = r.headers['Content-Security-Policy'];
      expect(csp).toBe(desktopCsp(previewSources(accounts)));
      expect(csp).toContain(
        'media-src http://127.0.0.1:7480 https://*.files.example.com https://*.myqcloud.com;',
      );
      expect(r.body.toString()).toContain(`content="${csp.replace(/"/g, '&quot;')}"`);
      expect(csp).not.toMatch(/\s\*[\s;]/);
      expect(r.previewSources).toEqual(previewSources(accounts));
    }
  });

  it('gives each file its MIME type', async () => {
    expect((await get('/assets/app.js')).headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/style.css')).headers['Content-Type']).toBe('text/css; charset=utf-8');
    expect((await get('/assets/font.woff2')).headers['Content-Type']).toBe('font/woff2');
    expect((await get('/assets/app.js')).body.toString()).toBe('console.log(1)');
  });

  it('refuses every way out of the renderer folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/../../etc/passwd',
      '/%2e%2e/secret.txt',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/./index.html',
      '/assets/link.txt',
      '/%00index.html',
      '/%zz',
    ]) {
      const r = await get(path);
      expect(r.status, path).toBe(403);
      expect(r.body.toString()).not.toContain('secret');
    }
  });

  it('answers 404 for a missing file or another host, 405 for another method', async () => {
    expect((await get('/nope.js')).status).toBe(404);
    expect((await serveAppRequest(root, 'app://other/index.html', 'GET', async () => [])).status).toBe(404);
    expect((await serveAppRequest(root, 'https://cosdesk/index.html', 'GET', async () => [])).status).toBe(
      404,
    );
    expect((await get('/index.html', 'POST')).status).toBe(405);
  });

  it('still serves the page, previews allowed from nowhere, when the accounts cannot be read', async () => {
    const r = await serveAppRequest(root, 'app://cosdesk/', 'GET', () => Promise.reject(new Error('x')));
    expect(r.status).toBe(200);
    expect(r.headers['Content-Security-Policy']).toContain("media-src 'none'");
  });

  it('asks for a reload only when a source appears that the loaded page does not name', () => {
    expect(needsReload(undefined, ['https://a'])).toBe(false);
    expect(needsReload(['https://a', 'https://b'], ['https://a'])).toBe(false);
    expect(needsReload(['https://a'], ['https://a', 'http://127.0.0.1:7480'])).toBe(true);
  });

  it("builds web mode's policy with the same function, the websocket added", () => {
    const sources = ['http://127.0.0.1:7480'];
    expect(pageCsp(5000, sources)).toBe(
      desktopCsp(sources).replace(
        "connect-src 'self';",
        "connect-src 'self' ws://127.0.0.1:5000 ws://localhost:5000;",
      ),
    );
  });
});
