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
