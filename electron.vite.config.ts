import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { devServerCsp, withCspMeta } from './src-main/security/csp';

/**
 * `electron-vite dev`: index.html's static CSP tag is replaced, at each load from the dev
 * server, by the policy of the builder the built app uses (src-main/security/csp.ts), with
 * the dev server's websocket for hot reload. `COSDESK_DEV_PREVIEW_SOURCES` (space-separated
 * origins) names the storage endpoints previews may load from instead of COS's public ones.
 */
export function devCsp(): Plugin {
  return {
    name: 'cosdesk-dev-csp',
    apply: 'serve',
    transformIndexHtml(html, ctx) {
      const address = ctx.server?.httpServer?.address() as AddressInfo | string | null | undefined;
      const port =
        (typeof address === 'object' && address ? address.port : undefined) ??
        ctx.server?.config.server.port ??
        5173;
      const sources = process.env.COSDESK_DEV_PREVIEW_SOURCES?.split(/\s+/).filter(Boolean);
      return withCspMeta(html, devServerCsp(port, sources?.length ? sources : undefined));
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // zod is bundled (tree-shaken, one file) rather than loaded as its ~70 ES modules: every
      // CLI command evaluates the contract's schemas at start-up.
      externalizeDeps: { exclude: ['zod'] },
      // The Electron app, the web mode and the CLI share one build of the main-side services.
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/app/main.ts'),
          web: resolve(__dirname, 'src-main/web/main.ts'),
          cli: resolve(__dirname, 'src-main/cli/main.ts'),
          // The hashing worker (src-main/transfers/workers/pool.ts starts it): a file next to them.
          'hash-worker': resolve(__dirname, 'src-main/transfers/workers/hash-worker.ts'),
          // The transfer engine's worker (src-main/transfers/host/host.ts starts it).
          'transfers-worker': resolve(__dirname, 'src-main/transfers/host/transfers-worker.ts'),
        },
        // Every CLI run parses these files before its first request: ASCII only (V8 decodes and
        // scans a one-byte source faster than a UTF-16 one) and no comments (less to scan).
        output: { charset: 'ascii', comments: false },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed renderer loads only one CommonJS preload that requires nothing but electron.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue(), devCsp()],
    define: {
      // vue-i18n's bundler build: composition API only, no devtools hooks in production.
      __VUE_I18N_FULL_INSTALL__: true,
      __VUE_I18N_LEGACY_API__: false,
      __INTLIFY_PROD_DEVTOOLS__: false,
    },
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      minify: true,
      chunkSizeWarningLimit: 2048,
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
});
