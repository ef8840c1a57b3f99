import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { getConfig } from 'app-builder-lib/out/util/config/config.js';
import viteConfig from '../../electron.vite.config';

// The hashing worker (src-main/transfers/workers) is a file of its own in every build: the
// bundles start it from next to them, and the packaged app from outside the asar archive.
describe('the hashing worker in the build', () => {
  it('is a rollup input of the main build, so out/main/hash-worker.js sits next to cli.js', () => {
    const cfg = viteConfig as { main?: { build?: { rollupOptions?: { input?: Record<string, string> } } } };
    const input = cfg.main?.build?.rollupOptions?.input ?? {};
    expect(input['hash-worker']).toBe(resolve('src-main/transfers/workers/hash-worker.ts'));
    // The transfer engine's worker (src-main/transfers/host) is one too.
    expect(input['transfers-worker']).toBe(resolve('src-main/transfers/host/transfers-worker.ts'));
    expect(Object.keys(input)).toEqual(expect.arrayContaining(['index', 'web', 'cli']));
  });

  it('is unpacked from the asar archive with the chunks it imports', async () => {
    const c = await getConfig(resolve('.'), null, null);
    const unpack = ([] as string[]).concat((c.asarUnpack as string[] | undefined) ?? []);
    expect(unpack).toContain('out/main/hash-worker.js');
    expect(unpack).toContain('out/main/transfers-worker.js');
    expect(unpack).toContain('out/main/chunks/**');
  });
});
