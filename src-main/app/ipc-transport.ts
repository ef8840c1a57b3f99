import { BrowserWindow, ipcMain, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { ALL_METHODS, EVENT_CHANNEL, channelFor } from '../../src-shared/contract';
import type { EventHub } from '../ipc/events';
import type { Router } from '../ipc/router';
import { isTrustedSender } from '../ipc/sender-check';
import type { Logger } from '../log';

/** Whether a message comes from our own window's main frame showing our own page. */
export function trustedSender(appUrl: string) {
  return (e: IpcMainInvokeEvent | IpcMainEvent): boolean => {
    const frame = e.senderFrame;
    if (!frame) return false;
    const windows = new Set(BrowserWindow.getAllWindows().map((w) => w.webContents.id));
    return isTrustedSender(
      { webContentsId: e.sender.id, isMainFrame: frame === e.sender.mainFrame, frameUrl: frame.url },
      { windows, appUrl },
    );
  };
}

/** One ipcMain handler per contract call, each checking who is calling before routing. */
export function registerIpc(router: Router, hub: EventHub, appUrl: string, log: Logger): void {
  const trusted = trustedSender(appUrl);
  for (const method of ALL_METHODS) {
    ipcMain.handle(channelFor(method), async (event, payload: unknown) => {
      if (!trusted(event)) {
        log.warn(`refused ${method} from an untrusted frame`);
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not call cosdesk.' } };
      }
      return router.call(method, payload);
    });
  }
  hub.subscribe((name, payload) => {
    for (const w of BrowserWindow.getAllWindows()) {
      if (!w.isDestroyed()) w.webContents.send(EVENT_CHANNEL, name, payload);
    }
  });
}
