import { app, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLogger } from '../log';
import { createMain } from '../services';
import { pickFolder, pickUpload, showItemInFolder, showQueueBusy } from './dialogs';
import { registerDragOut } from './drag-out';
import { registerIpc, trustedSender } from './ipc-transport';
import { createMainWindow, lockNavigation } from './window';

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
    desktop: { pickUpload, showItemInFolder },
    onQueueBusy: (message) => (busy = message),
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
  let win = createMainWindow(outDir, appUrl);
  if (busy) void showQueueBusy(win, busy);
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (win.isDestroyed()) win = createMainWindow(outDir, appUrl);
  });
  app.on('window-all-closed', () => {
    void main.close();
    if (process.platform !== 'darwin') app.quit();
  });
}
