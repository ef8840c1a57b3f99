import { app, screen, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLogger } from '../log';
import { createMain } from '../services';
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
  !app.isPackaged && process.env.ELECTRON_RENDERER_URL
    ? process.env.ELECTRON_RENDERER_URL
    : pathToFileURL(join(outDir, 'renderer', 'index.html')).href;

app.enableSandbox();
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
  main.hub.subscribe((name) => {
    if (name === 'settings.changed') rebuildMenu();
  });
  app.on('second-instance', () => {
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
