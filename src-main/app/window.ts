import { BrowserWindow, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { isExternalWebUrl } from './navigation';

export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;

/** Lock a page in place: no navigation away, no new windows; user-clicked web links open outside. */
export function lockNavigation(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // A window.open/target=_blank from the page is how a user's click on a link reaches us.
    if (isExternalWebUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

export function createMainWindow(
  outDir: string,
  appUrl: string,
  state: { x?: number; y?: number; width: number; height: number; maximized?: boolean } = {
    width: 1280,
    height: 820,
  },
): BrowserWindow {
  const win = new BrowserWindow({
    // Where the user left it (see window-state.ts), placed onto a display there is now.
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'cosdesk',
    icon: join(outDir, '..', 'resources', 'icon.png'),
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: join(outDir, 'preload', 'index.cjs') },
  });
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  void win.loadURL(appUrl);
  return win;
}
