import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plugin } from 'vite';
import viteConfig from '../../electron.vite.config';
import { desktopCsp, devServerCsp, DEV_PREVIEW_SOURCES } from '../../src-main/security/csp';

// `electron-vite dev` serves the renderer from the Vite dev server: its page gets the policy of
// the builder the built app uses (src-main/security/csp.ts), not index.html's static tag.
// Checked on the config's renderer plugins, without running Electron or a server.
type Hook = (html: string, ctx: unknown) => string;

function devPlugin(): Plugin {
  const cfg = viteConfig as { renderer?: { plugins?: unknown[] } };
  const p = (cfg.renderer?.plugins ?? []).flat().find((x) => (x as Plugin)?.name === 'cosdesk-dev-csp');
  expect(p, 'the renderer has the dev CSP plugin').toBeDefined();
  return p as Plugin;
}

const html = readFileSync(resolve('src-renderer/index.html'), 'utf8');
const metaOf = (page: string) =>
  /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i
    .exec(page)?.[1]
    ?.replace(/&quot;/g, '"');
const server = (port: number) => ({
  httpServer: { address: () => ({ port, address: '127.0.0.1', family: 'IPv4' }) },
  config: { server: { port: 5173 } },
});

describe('the dev server page CSP', () => {
  it('is applied only when serving (a build keeps the tag that app:// and web mode replace)', () => {
    expect(devPlugin().apply).toBe('serve');
  });

  it("replaces index.html's static tag with the builder's policy and the dev server's websocket", () => {
    const hook = devPlugin().transformIndexHtml as Hook;
    const page = hook(html, { path: '/index.html', filename: 'index.html', server: server(5199) });
    const csp = metaOf(page);
    expect(csp).toBe(devServerCsp(5199));
    expect(csp).not.toBe(metaOf(html));
    // The built app's policy for the same preview sources, plus only the hot-reload socket.
    expect(csp).toBe(
      desktopCsp(DEV_PREVIEW_SOURCES).replace(
        "connect-src 'self'",
        "connect-src 'self' ws://localhost:5199 ws://127.0.0.1:5199",
      ),
    );
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/\*(?!\.)/);
    // Everything else of the page stays.
    expect(page.replace(/content="[^"]*"/, '')).toBe(html.replace(/content="[^"]*"/, ''));
  });

  it('names the preview sources COSDESK_DEV_PREVIEW_SOURCES gives', () => {
    const hook = devPlugin().transformIndexHtml as Hook;
    process.env.COSDESK_DEV_PREVIEW_SOURCES = 'http://127.0.0.1:7480  https://*.example.test';
    try {
      const csp = metaOf(hook(html, { path: '/index.html', filename: 'index.html', server: server(5200) }));
      expect(csp).toBe(devServerCsp(5200, ['http://127.0.0.1:7480', 'https://*.example.test']));
      expect(csp).not.toContain('myqcloud');
    } finally {
      delete process.env.COSDESK_DEV_PREVIEW_SOURCES;
    }
  });
});
