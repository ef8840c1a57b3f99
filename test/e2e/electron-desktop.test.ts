import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_CHANNEL } from '../../src-shared/contract';
import { MENUS, SHORTCUTS } from '../../src-shared/shortcuts';
import { buildMenuTemplate } from '../../src-main/app/menu-template';
import { placeOnDisplays } from '../../src-main/app/window-state';

// Issue 12 item 8 on the built main bundle against the electron stub (test/electron-stub):
// application menu, second instance, window state, native context menu.
function runShell(userData: string, env: Record<string, string> = {}) {
  const out = execFileSync(
    process.execPath,
    [resolve('test/electron-stub/run-main.mjs'), resolve('out/main/index.js')],
    { env: { ...process.env, STUB_USER_DATA: userData, ...env }, encoding: 'utf8', timeout: 30_000 },
  );
  return JSON.parse(out);
}

describe('desktop conventions of the built Electron main bundle', () => {
  const userData = mkdtempSync(join(tmpdir(), 'cosdesk-desktop-'));
  const first = runShell(userData, {
    STUB_MOVE_TO: JSON.stringify({ x: 200, y: 150, width: 1000, height: 700 }),
    STUB_MAXIMIZE: '1',
    STUB_POPUP_CHOOSE: '1',
  });

  it('installs File, Edit, View, Go, Window, Help built from the shared shortcuts table', () => {
    expect(first.menu.map((m: { label: string }) => m.label)).toEqual([
      'File',
      'Edit',
      'View',
      'Go',
      'Window',
      'Help',
    ]);
    const items = first.menu.flatMap((m: { items: unknown[] }) => m.items);
    for (const s of SHORTCUTS.filter((x) => x.platform !== 'mac')) {
      expect(items).toContainEqual(
        expect.objectContaining({
          label: s.label.en,
          accelerator: s.accelerators[0],
          ...(s.command ? { id: s.command } : { role: s.role }),
        }),
      );
    }
    expect(items.find((i: { id?: string }) => i.id === 'settings').accelerator).toBe('CmdOrCtrl+,');
  });

  it('sends a menu entry to the page as the app.command contract event', () => {
    expect(first.sentAfterMenuClick).toEqual([[EVENT_CHANNEL, 'app.command', { command: 'settings' }]]);
  });

  it('focuses its window when a second instance starts', () => {
    expect(first.focusedOnSecondInstance).toBe(1);
    // Its window closed (macOS keeps the app running): a new one opens.
    expect(first.windowsAfterClosedSecondInstance).toBe(1);
  });

  it('shows the page’s context menu natively and answers the chosen item', () => {
    expect(first.popup).toEqual({ ok: true, value: { native: true, chosen: 1 } });
    expect(first.popups).toEqual([['Open', 'Download', '-separator', 'Delete']]);
  });

  it('remembers size, position and maximized state in the data folder and restores them', () => {
    // Nothing saved yet: the default size, centred on the display.
    expect(first.windowOptions).toEqual({ x: 320, y: 130, width: 1280, height: 820 });
    expect(first.maximizedAtStart).toBe(false);
    expect(JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8'))).toEqual({
      x: 200,
      y: 150,
      width: 1000,
      height: 700,
      maximized: true,
    });
    const second = runShell(userData);
    expect(second.windowOptions).toEqual({ x: 200, y: 150, width: 1000, height: 700 });
    expect(second.maximizedAtStart).toBe(true);
  });

  it('brings a window saved on an unplugged display back onto one there is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosdesk-desktop-'));
    writeFileSync(
      join(dir, 'window-state.json'),
      JSON.stringify({ x: 2500, y: 100, width: 1200, height: 800, maximized: false }),
    );
    const r = runShell(dir, { STUB_DISPLAYS: JSON.stringify([{ x: 0, y: 0, width: 1366, height: 728 }]) });
    expect(r.windowOptions).toEqual({ x: 83, y: 0, width: 1200, height: 728 });
  });
});

// Previews load from each account's endpoint: the desktop page's CSP must name them (issue 12 item 2).
describe('the desktop CSP of the built Electron main bundle', () => {
  const stored = (id: string, fields: Record<string, unknown>) => ({
    id,
    fields,
    secretStorage: 'session',
    hasToken: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  });
  const rgw = {
    kind: 's3',
    name: 'RGW',
    endpoint: 'http://127.0.0.1:7480',
    region: 'us-east-1',
    accessKeyId: 'AKEXAMPLE',
    pathStyle: true,
  };
  const dir = mkdtempSync(join(tmpdir(), 'cosdesk-csp-'));
  writeFileSync(
    join(dir, 'accounts.json'),
    JSON.stringify({
      version: 1,
      accounts: [
        stored('rgw', rgw),
        stored('cdn', {
          kind: 'cos',
          name: 'Custom domain',
          secretId: 'AKIDEXAMPLE',
          region: 'ap-guangzhou',
          endpointTemplate: 'https://{bucket}.files.example.com',
        }),
        stored('cos', { kind: 'cos', name: 'COS', secretId: 'AKIDEXAMPLE2', region: 'ap-guangzhou' }),
      ],
    }),
  );
  const { accessKeyId: _k, ...edit } = rgw;
  const r = runShell(dir, {
    // A new endpoint (a reload is due), then a new name only (none is).
    STUB_UPDATE_ACCOUNTS: JSON.stringify([
      { id: 'rgw', fields: { ...edit, endpoint: 'https://s3.example.com' } },
      { id: 'rgw', fields: { ...edit, name: 'RGW 2', endpoint: 'https://s3.example.com' } },
    ]),
  });
  const sources = (csp: string, directive: string) =>
    new RegExp(`${directive} ([^;]*)`).exec(csp)?.[1].split(' ') ?? [];

  it('names an S3 path-style endpoint and a custom COS domain in img-src, media-src and frame-src', () => {
    const csp: string = r.served.index.csp;
    for (const d of ['img-src', 'media-src', 'frame-src']) {
      expect(sources(csp, d)).toEqual(
        expect.arrayContaining([
          'http://127.0.0.1:7480',
          'https://*.files.example.com',
          'https://*.myqcloud.com',
        ]),
      );
    }
    expect(r.served.index.meta).toBe(csp);
  });

  it('never allows every source', () => {
    for (const csp of [r.served.index.csp, r.servedAfterUpdate.csp]) {
      for (const d of csp.split(';')) expect(d.trim().split(/\s+/).slice(1), d).not.toContain('*');
      expect(csp).not.toMatch(/(^|\s)(\*|https?:|http:\/\/\*|https:\/\/\*)(\s|;|$)/);
    }
  });

  it('reloads the page once when an account names a new endpoint, which the next load allows', () => {
    expect(r.reloadsAfterUpdates).toEqual([1, 1]);
    expect(sources(r.servedAfterUpdate.csp, 'media-src')).toContain('https://s3.example.com');
    expect(sources(r.servedAfterUpdate.csp, 'media-src')).not.toContain('http://127.0.0.1:7480');
  });
});

describe('menu template and window placement', () => {
  it('puts the macOS application menu first and Quit there', () => {
    const mac = buildMenuTemplate({ mac: true, lang: 'zh', appName: 'cosdesk', send: () => undefined });
    expect(mac.map((m) => m.label)).toEqual(['cosdesk', '文件', '编辑', '视图', '前往', '窗口', '帮助']);
    expect(mac[1].submenu?.some((i) => i.role === 'quit')).toBe(false);
    const other = buildMenuTemplate({ mac: false, lang: 'en', appName: 'cosdesk', send: () => undefined });
    expect(other).toHaveLength(MENUS.length);
    expect(other[0].submenu?.at(-1)).toMatchObject({ role: 'quit', accelerator: 'CmdOrCtrl+Q' });
  });

  it('keeps a window whose title bar is on a second display, and shrinks one too big', () => {
    const displays = [
      { x: 0, y: 0, width: 1920, height: 1040 },
      { x: 1920, y: 0, width: 1280, height: 1024 },
    ];
    expect(placeOnDisplays({ x: 2000, y: 50, width: 800, height: 600, maximized: false }, displays)).toEqual({
      x: 2000,
      y: 50,
      width: 800,
      height: 600,
      maximized: false,
    });
    expect(
      placeOnDisplays({ x: 10, y: -500, width: 800, height: 600, maximized: false }, displays),
    ).toMatchObject({
      x: 560,
      y: 220,
    });
    expect(placeOnDisplays(undefined, displays)).toMatchObject({ width: 1280, height: 820 });
  });
});
