import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_METHODS, channelFor } from '../../src-shared/contract';
import { acquireEngineLock } from '../../src-main/data-lock';

// The Electron binary cannot run here: load the built main bundle against a small stub of
// the electron module and check its wiring (see test/electron-stub/).
describe('built Electron main bundle', () => {
  const out = execFileSync(
    process.execPath,
    [resolve('test/electron-stub/run-main.mjs'), resolve('out/main/index.js')],
    {
      env: { ...process.env, STUB_USER_DATA: mkdtempSync(join(tmpdir(), 'cosdesk-shell-')) },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  const r = JSON.parse(out);

  it('owns the transfer queue of its data folder and shows no warning', () => {
    expect(r.messageBoxes).toEqual([]);
  });

  it('creates one window with secure webPreferences and a CommonJS preload', () => {
    expect(r.windows).toBe(1);
    expect(r.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(r.webPreferences.preload).toMatch(/preload[\\/]index\.cjs$/);
    expect(r.preloadExists).toBe(true);
    expect(r.url).toBe('app://cosdesk/index.html');
    expect(r.sandboxEnabled).toBe(true);
  });

  it('serves the renderer from app://cosdesk, a privileged scheme, with a CSP per page load', () => {
    expect(r.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(r.served.index.status).toBe(200);
    expect(r.served.index.type).toBe('text/html; charset=utf-8');
    // No accounts yet: previews may load from nowhere, and the meta tag says the same as the header.
    expect(r.served.index.csp).toContain("media-src 'none'; frame-src 'none'");
    expect(r.served.index.csp).toContain("connect-src 'self';");
    expect(r.served.index.meta).toBe(r.served.index.csp);
    expect(r.served.script).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(r.served.script.length).toBeGreaterThan(1000);
  });

  it('refuses paths out of the renderer folder, other hosts and other methods', () => {
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/assets/..%5c..%5cindex.html',
    ]) {
      expect(r.served[path].status, path).toBe(403);
    }
    expect(r.served.otherHost.status).toBe(404);
    expect(r.served.post.status).toBe(405);
  });

  it('answers calls from app://cosdesk only, not from a look-alike scheme or host', () => {
    expect(r.ownAppCall.ok).toBe(true);
    expect(r.lookAlikeCalls).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });

  it('registers exactly one handler per contract call and nothing else', () => {
    expect(r.channels).toEqual(ALL_METHODS.map(channelFor).sort());
  });

  it('denies navigation, redirects, webviews and new windows', () => {
    expect(r.willNavigatePrevented).toBe(true);
    expect(r.willRedirectPrevented).toBe(true);
    expect(r.webviewPrevented).toBe(true);
    for (const o of [r.openHttps, r.openFile, r.openJs, r.openCustom, r.openApp])
      expect(o.action).toBe('deny');
  });

  it('hands only http(s) links to the system browser', () => {
    expect(r.openHttps.external).toBe(true);
    expect(r.openFile.external).toBe(false);
    expect(r.openJs.external).toBe(false);
    expect(r.openCustom.external).toBe(false);
    expect(r.openApp.external).toBe(false);
    expect(r.externalOpened).toEqual(['https://cloud.tencent.com/document/product/436']);
  });

  it('listens for drag-out and starts no drag for a stranger or an invalid payload', () => {
    expect(r.dragOutRegistered).toBe(true);
    expect(r.dragsStarted).toBe(0);
  });

  it('Upload files / Upload folder open the native dialog through files.pickUpload', () => {
    expect(r.pickFiles).toEqual({ ok: true, value: { native: true, paths: ['/stub/picked'] } });
    expect(r.pickFolder).toEqual({ ok: true, value: { native: true, paths: ['/stub/picked'] } });
    expect(r.openDialogs).toEqual([
      ['openFile', 'multiSelections'],
      ['openDirectory', 'multiSelections'],
    ]);
  });

  it('denies browser permission requests', () => {
    expect(r.permissionGranted).toBe(false);
  });

  it('answers its own window, validates payloads, refuses other senders', () => {
    expect(r.ownCall).toEqual({ ok: true, value: [] });
    expect(r.badPayload.ok).toBe(false);
    expect(r.badPayload.error.code).toBe('VALIDATION');
    for (const c of [r.subFrameCall, r.strangerCall, r.foreignOriginCall]) {
      expect(c.ok).toBe(false);
      expect(c.error.code).toBe('FORBIDDEN');
    }
  });
});

describe('a second instance of the built Electron main bundle', () => {
  it('exits at once: no window, no IPC handler, nothing written to the data folder', () => {
    const userData = mkdtempSync(join(tmpdir(), 'cosdesk-second-'));
    const r = spawnSync(
      process.execPath,
      [resolve('test/electron-stub/run-main.mjs'), resolve('out/main/index.js')],
      {
        env: { ...process.env, STUB_USER_DATA: userData, STUB_SINGLE_INSTANCE: 'taken' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toEqual({
      code: 0,
      singleInstanceAsked: true,
      exitCalled: true,
      windows: 0,
      handlers: 0,
      listeners: 0,
      permissionHandler: false,
    });
    expect(readdirSync(userData)).toEqual([]);
  });
});

describe('the built Electron main bundle while another process runs the transfer queue', () => {
  it('opens its window, says who holds the queue, and does not open the journal', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'cosdesk-busy-'));
    // This test process stands in for a CLI transfer running on the same data folder.
    const held = await acquireEngineLock(userData, { kind: 'cli' });
    try {
      const r = spawnSync(
        process.execPath,
        [resolve('test/electron-stub/run-main.mjs'), resolve('out/main/index.js')],
        { env: { ...process.env, STUB_USER_DATA: userData }, encoding: 'utf8', timeout: 30_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.windows).toBe(1);
      expect(report.channels).toEqual(ALL_METHODS.map(channelFor).sort());
      expect(report.messageBoxes).toHaveLength(1);
      expect(report.messageBoxes[0].detail).toContain(`Another cosdesk transfer (pid ${process.pid}`);
      expect(r.stderr).toMatch(/transfers not started: Another cosdesk transfer/);
      expect(existsSync(join(userData, 'transfers', 'journal.jsonl'))).toBe(false);
    } finally {
      await held.release();
    }
  });
});
