#!/usr/bin/env node
// The CLI lives in the built main bundle; `npm run build` makes it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('cosdesk: the CLI is not built yet. Run `npm run build` first.\n');
  process.exit(1);
}
await import(cli);
