import { BrowserWindow, dialog } from 'electron';

/** The native "choose a folder" dialog, over the focused window. */
export async function pickFolder(): Promise<string | undefined> {
  const win = BrowserWindow.getFocusedWindow();
  const opts = {
    properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>,
  };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  return r.canceled ? undefined : r.filePaths[0];
}
