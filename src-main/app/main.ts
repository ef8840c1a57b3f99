import { app, protocol, screen, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../log';
import { createMain } from '../services';
import { previewSources } from '../security/csp';
import { APP_SCHEME, APP_URL, needsReload, serveAppRequest } from './app-protocol';
import { pickFolder, pickUpload, showItemInFolder, showQueueBusy } from './dialogs';
import { registerDragOut } from './drag-out';
import { registerIpc, trustedSender } from './ipc-transport';
import { createMainWindow, lockNavigation } from './window';
import { popupNativeMenu } from './context-menu';
import { installMenu } from './menu';
import { loadWindowState, placeOnDisplays, trackWindowState } from './window-state';

const log = createLogger('app');
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');
// electron-vite sets ELECTRON_RENDERER_URL only in `electron-vite dev`.
const appUrl =
  !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : APP_URL;

app.enableSandbox();
// The renderer is served from app://cosdesk/ (app-protocol.ts), a standard secure scheme like
// https: this must be said before the app is ready.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
if (app.requestSingleInstanceLock()) {
  await run();
} else {
  // Another cosdesk window is open: Electron hands it our arguments ('second-instance' there).
  // Exit before anything opens the data folder; app.quit() would let the code below run on.
  app.exit(0);
}

async function run(): Promise<void> {
  // Another process (web mode, a CLI transfer) may hold the transfer queue: run without it.
  let busy: string | undefined;
  const main = await createMain({
    mode: 'electron',
    dataDir: app.getPath('userData'),
    log,
    pickFolder,
    desktop: { pickUpload, showItemInFolder, popupMenu: popupNativeMenu },
    onQueueBusy: (message) => (busy = message),
    // "System" proxy: what Chromium would use (PAC, OS settings); asked at request time.
    resolveSystemProxy: async (url) => {
      await app.whenReady();
      return session.defaultSession.resolveProxy(url);
    },
  });
  app.on('web-contents-created', (_e, contents) => lockNavigation(contents));
  await app.whenReady();

  // index.html gets the CSP of the accounts that exist at each load; previewSources of the
  // last load tell whether an account change needs a reload to widen it.
  let served: string[] | undefined;
  const rendererDir = join(outDir, 'renderer');
  protocol.handle(APP_SCHEME, async (request) => {
    const r = await serveAppRequest(rendererDir, request.url, request.method, async () =>
      previewSources(await main.accounts.list()),
    );
    if (r.previewSources) served = r.previewSources;
    const body = request.method === 'HEAD' ? null : new Uint8Array(r.body);
    return new Response(body, { status: r.status, headers: r.headers });
  });

  registerIpc(main.router, main.hub, appUrl, log);
  registerDragOut(
    main.storage,
    trustedSender(appUrl),
    join(outDir, '..', 'resources'),
    log,
    app.getPath('userData'),
  );

  // Nothing in cosdesk needs camera, notifications or other browser permissions.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  const userData = app.getPath('userData');
  const openWindow = () => {
    const displays = screen.getAllDisplays().map((d) => d.workArea);
    const w = createMainWindow(outDir, appUrl, placeOnDisplays(loadWindowState(userData), displays));
    trackWindowState(w, userData);
    return w;
  };
  let win = openWindow();
  if (busy) void showQueueBusy(win, busy);
  // The application menu sends its commands to the page; it speaks the settings' language.
  const rebuildMenu = installMenu(
    (command) => main.hub.emit('app.command', { command }),
    () => main.settings.current().language || app.getLocale(),
  );
  main.hub.subscribe((name, payload) => {
    if (name === 'settings.changed') rebuildMenu();
    // An account with an endpoint the page's CSP does not name yet: reload the page so its
    // previews may load (the page keeps its selected account across the reload).
    if (name === 'accounts.changed' && appUrl === APP_URL) {
      const now = previewSources((payload as { accounts: Parameters<typeof previewSources>[0] }).accounts);
      if (needsReload(served, now) && !win.isDestroyed()) {
        served = now;
        log.info('an account names a new endpoint: reloading the page to allow its previews');
        // After the reply to the call that changed it, which sets the page's selection.
        setTimeout(() => {
          if (!win.isDestroyed()) win.webContents.reload();
        }, 200);
      }
    }
  });
  app.on('second-instance', () => {
    // On macOS the app lives on with its window closed: open one again.
    if (win.isDestroyed()) win = openWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (win.isDestroyed()) win = openWindow();
  });
  app.on('window-all-closed', () => {
    void main.close();
    if (process.platform !== 'darwin') app.quit();
  });
}
