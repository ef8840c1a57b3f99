import { app, ipcMain, type IpcMainEvent } from 'electron';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DRAG_OUT_CHANNEL, dragOutRequest } from '../../src-shared/contract';
import type { Logger } from '../log';
import type { StorageService } from '../storage/service';
import { cleanDragOut, dragOutRoot, prepareDragOut, releaseDragOut } from '../transfers/drag-out';

/** How long the copies of a drag stay for the drop target to copy them. */
const KEEP_DRAGGED_MS = 10 * 60 * 1000;

/**
 * Objects dragged out of the window: checked like every call (sender, then payload), fetched
 * to a private folder under the data folder, then handed to the OS as a native drag from the
 * sending window. The copies are removed afterwards, when the app quits, and at start.
 */
export function registerDragOut(
  storage: StorageService,
  trusted: (e: IpcMainEvent) => boolean,
  resourcesDir: string,
  log: Logger,
  dataDir: string,
): void {
  const root = dragOutRoot(dataDir);
  void cleanDragOut(root).catch(() => undefined);
  app.on('will-quit', () => rmSync(root, { recursive: true, force: true }));
  ipcMain.on(DRAG_OUT_CHANNEL, (event, payload: unknown) => {
    if (!trusted(event)) return log.warn('refused a drag-out from an untrusted frame');
    const req = dragOutRequest.safeParse(payload);
    if (!req.success) return log.warn('refused a drag-out with an invalid payload');
    void prepareDragOut(storage, req.data, root)
      .then((files) => {
        if (files.length === 0) return;
        releaseDragOut(files, root, event.sender.isDestroyed() ? 0 : KEEP_DRAGGED_MS);
        if (event.sender.isDestroyed()) return;
        event.sender.startDrag({ file: files[0], files, icon: join(resourcesDir, 'icon.png') });
      })
      .catch((e: unknown) => log.warn(`drag-out failed: ${e instanceof Error ? e.message : String(e)}`));
  });
}
