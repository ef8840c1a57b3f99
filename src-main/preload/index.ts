import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { DRAG_OUT_CHANNEL, EVENT_CHANNEL, channelFor } from '../../src-shared/contract/channels';
import { EVENT_NAMES, METHODS } from '../../src-shared/contract/methods';

// One method per contract call; the page never sees a channel name or ipcRenderer.
const api: Record<string, unknown> = {};
for (const [svc, names] of Object.entries(METHODS)) {
  const calls: Record<string, (req: unknown) => Promise<unknown>> = {};
  for (const name of names as readonly string[]) {
    const channel = channelFor(`${svc}.${name}`);
    calls[name] = (req: unknown) => ipcRenderer.invoke(channel, req);
  }
  api[svc] = calls;
}

const known = new Set<string>(EVENT_NAMES);
api.events = {
  on(name: string, listener: (payload: unknown) => void): () => void {
    if (!known.has(name)) throw new Error(`unknown event ${name}`);
    const handler = (_e: IpcRendererEvent, n: string, payload: unknown) => {
      if (n === name) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

// Dropped files as local paths, so main reads them from disk instead of through the page.
api.files = {
  pathsOf(files: File[]): string[] {
    return files.map((f) => webUtils.getPathForFile(f)).filter((p) => p !== '');
  },
  // Objects dragged out to the desktop; main checks the sender and the payload.
  dragOut(req: unknown): void {
    ipcRenderer.send(DRAG_OUT_CHANNEL, req);
  },
};

contextBridge.exposeInMainWorld('cosdesk', api);
