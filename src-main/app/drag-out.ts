import { ipcMain, type IpcMainEvent } from 'electron';
import { join } from 'node:path';
import { DRAG_OUT_CHANNEL, dragOutRequest } from '../../src-shared/contract';
import type { Logger } from '../log';
import type { StorageService } from '../storage/service';
import { prepareDragOut } from '../transfers/drag-out';

/**
 * Objects dragged out of the window: checked like every call (sender, then payload), fetched
 * to a temporary folder, then handed to the OS as a native drag from the sending window.
 */
export function registerDragOut(
  storage: StorageService,
  trusted: (e: IpcMainEvent) => boolean,
  resourcesDir: string,
  log: Logger,
): void {
  ipcMain.on(DRAG_OUT_CHANNEL, (event, payload: unknown) => {
    if (!trusted(event)) return log.warn('refused a drag-out from an untrusted frame');
    const req = dragOutRequest.safeParse(payload);
    if (!req.success) return log.warn('refused a drag-out with an invalid payload');
    void prepareDragOut(storage, req.data)
      .then((files) => {
        if (files.length === 0 || event.sender.isDestroyed()) return;
        event.sender.startDrag({ file: files[0], files, icon: join(resourcesDir, 'icon.png') });
      })
      .catch((e: unknown) => log.warn(`drag-out failed: ${e instanceof Error ? e.message : String(e)}`));
  });
}
