import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where a worker thread's code is, in every way the code runs: `name` is both the build's
 * entry (out/main/<name>.js, electron.vite.config.ts) and the source file next to the caller
 * (`callerUrl`: its import.meta.url) as <name>.ts.
 */
export function workerEntry(name: string, callerUrl: string): { file: string; eval?: boolean } {
  const here = dirname(fileURLToPath(callerUrl));
  // The built bundles: out/main/<name>.js next to cli.js/web.js/index.js (the caller sits in
  // out/main/chunks/). Packaged, it is unpacked from the asar archive (electron-builder.yml).
  for (const c of [join(here, `${name}.js`), join(here, '..', `${name}.js`)]) {
    const unpacked = c.replace(`${sep}app.asar${sep}`, `${sep}app.asar.unpacked${sep}`);
    if (unpacked !== c && existsSync(unpacked)) return { file: unpacked };
    if (existsSync(c)) return { file: c };
  }
  // The TypeScript sources (vitest, tsx): a small script loads the worker's code through tsx.
  const ts = join(here, `${name}.ts`);
  if (existsSync(ts)) {
    // tsx's ESM API, as its package.json exports it to `import`.
    const pkgPath = createRequire(callerUrl).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      exports: Record<string, { import: { default: string } }>;
    };
    const api = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api'].import.default)).href;
    const url = pathToFileURL(ts).href;
    const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`;
    return { file: code, eval: true };
  }
  throw new Error(`the worker ${name}'s code is missing next to ${here}: reinstall cosdesk`);
}
