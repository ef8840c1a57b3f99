import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// electron-builder's own loader and schema check (the same code `electron-builder` runs first).
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';

// The Electron binary cannot be downloaded here, so the packages are not built in CI; what can
// be checked without it is checked: electron-builder loads and accepts the config, and every
// promise the config makes (targets, keytar outside the asar, icons, files) holds.
const root = resolve('.');
const logger = { isEnabled: false, add() {} };

async function load(): Promise<Configuration> {
  return getConfig(root, null, null);
}

function targets(t: unknown): string[] {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));
}

function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('electron-builder configuration', () => {
  it('loads and passes electron-builder’s own schema', async () => {
    const config = await load();
    await expect(validateConfiguration(config, logger as never)).resolves.toBeUndefined();
    // The check is real: an unknown key is refused.
    await expect(validateConfiguration({ ...config, bogus: true } as never, logger as never)).rejects.toThrow(
      /unknown property 'bogus'/,
    );
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/i);
    expect(config.productName).toBe('cosdesk');
  }, 60_000);

  it('builds AppImage and deb on Linux, dmg on macOS, nsis on Windows', async () => {
    const c = await load();
    expect(targets(c.linux?.target).sort()).toEqual(['AppImage', 'deb']);
    expect(targets(c.mac?.target)).toEqual(['dmg']);
    expect(targets(c.win?.target)).toEqual(['nsis']);
  });

  it('keeps keytar’s native module out of the asar archive', async () => {
    const c = await load();
    const unpack = ([] as string[]).concat((c.asarUnpack as string[] | undefined) ?? []);
    expect(c.asar).not.toBe(false);
    expect(unpack).toContain('node_modules/keytar/**');
    expect(unpack).toContain('**/*.node');
    // keytar is a runtime dependency, so electron-builder ships it.
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(Object.keys(pkg.dependencies)).toContain('keytar');
  });

  it('packs the built app (out/**) and the entry package.json names', async () => {
    const c = await load();
    const files = ([] as unknown[])
      .concat(c.files ?? [])
      .flatMap((f) => (typeof f === 'string' ? [f] : ((f as { filter?: string[] }).filter ?? [])));
    expect(files).toContain('out/**');
    expect(files).toContain('package.json');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.main).toMatch(/^out\//);
  });

  it('has icons in build/ big enough for every platform (macOS and Linux 512 px, Windows 256 px)', async () => {
    const c = await load();
    expect(c.directories?.buildResources).toBe('build');
    for (const icon of [c.linux?.icon, c.mac?.icon, c.win?.icon]) {
      expect(icon).toBe('build/icon.png');
      expect(existsSync(icon as string)).toBe(true);
      const { width, height } = pngSize(icon as string);
      expect(width).toBe(height);
      expect(width).toBeGreaterThanOrEqual(512);
    }
    expect(existsSync('resources/icon.png')).toBe(true);
  });
});
