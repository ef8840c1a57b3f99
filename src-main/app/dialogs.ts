import { BrowserWindow, dialog, shell } from 'electron';

/** The native "choose a folder" dialog, over the focused window. */
export async function pickFolder(): Promise<string | undefined> {
  const win = BrowserWindow.getFocusedWindow();
  const opts = {
    properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>,
  };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  return r.canceled ? undefined : r.filePaths[0];
}

/** The native "choose files" (several) or "choose folders" dialog for an upload; [] when cancelled. */
export async function pickUpload(kind: 'files' | 'folder'): Promise<string[]> {
  const win = BrowserWindow.getFocusedWindow();
  const opts = {
    title: kind === 'files' ? 'Upload files' : 'Upload folder',
    buttonLabel: 'Upload',
    properties: [kind === 'files' ? 'openFile' : 'openDirectory', 'multiSelections'] as Array<
      'openFile' | 'openDirectory' | 'multiSelections'
    >,
  };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  return r.canceled ? [] : r.filePaths;
}

/** A finished download in the system file manager, its file selected. */
export function showItemInFolder(path: string): void {
  shell.showItemInFolder(path);
}

/**
 * Another cosdesk process holds the transfer queue of this data folder: say who, and that
 * browsing works while transfers wait (the next transfer action tries the queue again).
 */
export async function showQueueBusy(win: BrowserWindow, message: string): Promise<void> {
  await dialog.showMessageBox(win, {
    type: 'warning',
    title: 'Transfers are not available yet',
    message: 'Another cosdesk process is using the transfer queue.',
    detail: `${message}\n\nYou can browse buckets meanwhile; transfers work once it has finished.`,
    buttons: ['OK'],
  });
}
