import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints source text as if it lived at `filePath`, with the project's real config.
const eslint = new ESLint({ cwd: process.cwd() });
async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

// eslint starts up inside the first test: on a busy machine that alone takes seconds.
describe('layer rules (npm run lint)', { timeout: 120_000 }, () => {
  it('fails when the renderer imports src-main', async () => {
    const msgs = await restricted(
      'src-renderer/src/browse/views/Bad.ts',
      "import { createMain } from '../../../src-main/services';\nexport const x = createMain;\n",
    );
    expect(msgs.join('\n')).toMatch(/renderer never imports src-main/);
  });

  it('fails when the renderer imports electron or node', async () => {
    expect(
      await restricted(
        'src-renderer/src/a.ts',
        "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restricted('src-renderer/src/a.ts', "import fs from 'node:fs';\nexport const a = fs;\n"),
    ).toHaveLength(1);
  });

  it.each([
    ["import fs from 'node:fs';", 'node:fs'],
    ["import path from 'path';", 'path'],
    ["import { app } from 'electron';", 'electron'],
    ["import { request } from 'undici';", 'undici'],
    ["import { x } from '../../src-main/services';", 'src-main'],
  ])('fails when src-shared has %s', async (line) => {
    const msgs = await restricted('src-shared/contract/bad.ts', `${line}\nexport const y = 1;\n`);
    expect(msgs.length).toBeGreaterThan(0);
  });

  it('fails when src-shared touches DOM or Node globals', async () => {
    const msgs = await restricted(
      'src-shared/bad.ts',
      'export const a = window.location.href + process.env.X;\n',
    );
    expect(msgs).toHaveLength(2);
  });

  it('lets src-shared import zod and itself', async () => {
    const msgs = await restricted(
      'src-shared/contract/ok.ts',
      "import { z } from 'zod';\nimport { ERROR_CODES } from '../errors';\nexport const s = z.enum(ERROR_CODES);\n",
    );
    expect(msgs).toEqual([]);
  });

  it.each([
    'src-main/storage/x.ts',
    'src-main/ipc/x.ts',
    'src-main/cli/x.ts',
    'src-main/web/x.ts',
    'src-main/x.ts',
  ])('fails when %s imports electron', async (file) => {
    const msgs = await restricted(file, "import { app } from 'electron';\nexport const a = app;\n");
    expect(msgs.join('\n')).toMatch(/Only src-main\/app and src-main\/preload may import electron/);
  });

  it('lets the Electron shell and preload import electron', async () => {
    for (const file of ['src-main/app/x.ts', 'src-main/preload/x.ts']) {
      expect(await restricted(file, "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
    }
  });

  it('fails when src-main imports the renderer', async () => {
    const msgs = await restricted(
      'src-main/app/x.ts',
      "import { useBridge } from '../../src-renderer/src/bridge';\nexport const b = useBridge;\n",
    );
    expect(msgs.join('\n')).toMatch(/never imports src-renderer/);
  });

  it.each([
    'src-renderer/src/ui/x.ts',
    'src-renderer/src/ui/components/x.ts',
    'src-renderer/src/bridge/x.ts',
  ])('fails when shared renderer code (%s) imports a feature folder', async (file) => {
    const up = file.split('/').length - 4;
    const msgs = await restricted(
      file,
      `import { useBrowserStore } from '${'../'.repeat(up || 1)}browse/store';\nexport const s = useBrowserStore;\n`,
    );
    expect(msgs.join('\n')).toMatch(/never import a feature folder/);
  });

  it('fails when a feature store imports a component', async () => {
    const msgs = await restricted(
      'src-renderer/src/browse/store.ts',
      "import Table from './components/ObjectTable.vue';\nexport const t = Table;\n",
    );
    expect(msgs.join('\n')).toMatch(/never imports a component or a view/);
  });

  it('lets a feature import ui/, bridge/ and another feature', async () => {
    const msgs = await restricted(
      'src-renderer/src/browse/views/V.ts',
      "import { bridge } from '../../bridge/store';\nimport { formatBytes } from '../../ui/format';\nimport { useSharingStore } from '../../sharing/store';\nexport const v = [bridge, formatBytes, useSharingStore];\n",
    );
    expect(msgs).toEqual([]);
  });
});
