import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMain } from '../../support/main';
import { parseProxyUrl } from '../../../src-main/settings/service';
import { fromEnv, parsePacResult } from '../../../src-main/settings/network';

describe('settings in the data folder', () => {
  it('persist across a restart, in a private file written whole', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cosdesk-settings-'));
    const first = await startMain({ dataDir });
    const events: unknown[] = [];
    first.bridge.events.on('settings.changed', (p) => events.push(p.settings));
    const dl = join(dataDir, 'my-downloads');
    const saved = await first.bridge.settings.set({
      transfers: { concurrency: 3, partSizeMiB: 16, uploadBps: 512 * 1024, downloadBps: 2 * 1024 * 1024 },
      downloadDir: dl,
      conflictDefault: 'rename',
      language: 'zh-CN',
      theme: 'dark',
    });
    expect(saved).toMatchObject({
      downloadDir: dl,
      conflictDefault: 'rename',
      language: 'zh-CN',
      theme: 'dark',
    });
    await expect.poll(() => events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ theme: 'dark' });
    expect(statSync(join(dataDir, 'settings.json')).mode & 0o077).toBe(0);
    await first.main.close();

    const second = await startMain({ dataDir });
    const again = await second.bridge.settings.get({});
    expect(again).toMatchObject({
      transfers: { concurrency: 3, partSizeMiB: 16, uploadBps: 512 * 1024, downloadBps: 2 * 1024 * 1024 },
      downloadDir: dl,
      conflictDefault: 'rename',
      language: 'zh-CN',
      theme: 'dark',
    });
    // The engine opens with them.
    expect(await second.bridge.transfers.getLimits({})).toEqual({
      uploadBps: 512 * 1024,
      downloadBps: 2 * 1024 * 1024,
      concurrency: 3,
    });
    // Web mode's download folder is the setting (no dialog there).
    expect(await second.bridge.app.chooseDownloadFolder({})).toEqual({ path: dl, fixed: true });
    await second.main.close();
  });

  it('apply transfer limits live, and the transfer panel speed limit is saved as the setting', async () => {
    const { bridge, main, dataDir } = await startMain();
    expect((await bridge.transfers.getLimits({})).uploadBps).toBe(0);
    await bridge.settings.set({ transfers: { uploadBps: 1000_000, concurrency: 2 } });
    expect(await bridge.transfers.getLimits({})).toEqual({
      uploadBps: 1000_000,
      downloadBps: 0,
      concurrency: 2,
    });
    await bridge.transfers.setLimits({ uploadBps: 0, downloadBps: 300_000 });
    expect((await bridge.settings.get({})).transfers).toMatchObject({ uploadBps: 0, downloadBps: 300_000 });
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')).transfers.downloadBps).toBe(
      300_000,
    );
    await main.close();
  });

  it('keep the good fields of a damaged file and refuse bad values with a clear message', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cosdesk-settings-'));
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({
        theme: 'purple',
        language: 'zh-CN',
        transfers: { concurrency: 999, partSizeMiB: 32 },
      }),
    );
    const { bridge, main } = await startMain({ dataDir });
    const s = await bridge.settings.get({});
    expect(s.theme).toBe('system');
    expect(s.language).toBe('zh-CN');
    expect(s.transfers).toMatchObject({ concurrency: 8, partSizeMiB: 32 });
    await expect(bridge.settings.set({ downloadDir: 'relative/dir' })).rejects.toThrow(/not a full path/);
    await expect(bridge.settings.set({ proxy: { mode: 'http', host: '' } })).rejects.toThrow(
      /host and a port/,
    );
    await expect(bridge.settings.set({ transfers: { partSizeMiB: 2 } })).rejects.toThrow();
    await expect(bridge.settings.chooseDownloadDir({})).rejects.toThrow(/no folder dialog/);
    await main.close();
  });
});

describe('proxy addresses', () => {
  it('reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY for "system"', () => {
    const env = { HTTP_PROXY: 'http://u:p%40@proxy.lan:3128', NO_PROXY: 'localhost,.internal,10.0.0.1:9000' };
    expect(fromEnv('http://s3.example.com', env)).toEqual({
      kind: 'http',
      host: 'proxy.lan',
      port: 3128,
      username: 'u',
      password: 'p@',
    });
    expect(fromEnv('http://localhost:7480', env)).toBeUndefined();
    expect(fromEnv('http://a.b.internal', env)).toBeUndefined();
    expect(fromEnv('http://10.0.0.1:9000', env)).toBeUndefined();
    expect(fromEnv('http://10.0.0.1:9001', env)).toMatchObject({ host: 'proxy.lan' });
    expect(fromEnv('https://cos.example.com', { https_proxy: 'socks5://s:1081' })).toMatchObject({
      kind: 'socks5',
      port: 1081,
    });
    expect(fromEnv('https://x', {})).toBeUndefined();
  });

  it('reads PAC answers (Electron session.resolveProxy) and --proxy URLs', () => {
    expect(parsePacResult('DIRECT')).toBeUndefined();
    expect(parsePacResult('PROXY 10.1.1.1:8080; DIRECT')).toEqual({
      kind: 'http',
      host: '10.1.1.1',
      port: 8080,
    });
    expect(parsePacResult('SOCKS5 [::1]:1080')).toEqual({ kind: 'socks5', host: '::1', port: 1080 });
    expect(parseProxyUrl('socks5://me:pw@127.0.0.1:1080')).toEqual({
      proxy: { mode: 'socks5', host: '127.0.0.1', port: 1080, username: 'me' },
      password: 'pw',
    });
    expect(parseProxyUrl('none')).toEqual({ proxy: { mode: 'none', host: '' } });
    expect(() => parseProxyUrl('ftp://x:1')).toThrow(/not a proxy/);
  });
});
