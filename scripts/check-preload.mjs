// A sandboxed renderer loads its preload as one CommonJS file whose `require` knows only
// electron (and events, timers, url). Fail the build if the bundle is anything else.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dir: { type: 'string', default: 'out/preload' } } });
const dir = values.dir;
const problems = [];
const files = readdirSync(dir).filter((f) => /\.(c?js|mjs)$/.test(f));
if (files.length !== 1)
  problems.push(`expected exactly one preload file in ${dir}, found: ${files.join(', ') || 'none'}`);
for (const f of files) {
  const code = readFileSync(join(dir, f), 'utf8');
  if (f.endsWith('.mjs')) problems.push(`${f}: an .mjs preload is ESM`);
  if (
    /^\s*(import\s*[\w{*'"]|export\s)/m.test(code) ||
    /\bimport\s*\(/.test(code) ||
    /import\.meta/.test(code)
  ) {
    problems.push(`${f}: uses ESM syntax (import/export/import())`);
  }
  const required = [...code.matchAll(/\brequire\(\s*(['"`])([^'"`]+)\1\s*\)/g)].map((m) => m[2]);
  const dynamic = code.match(/\brequire\(\s*[^'"`\s)]/g);
  for (const r of required)
    if (r !== 'electron') problems.push(`${f}: requires "${r}" (only "electron" is allowed)`);
  if (dynamic) problems.push(`${f}: calls require() with a computed name`);
  if (!required.includes('electron')) problems.push(`${f}: does not require electron`);
}
if (problems.length) {
  console.error(`preload check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`preload check: ${files[0]} is one CommonJS bundle requiring only electron`);
