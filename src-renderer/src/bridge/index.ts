import type { Bridge } from '../../../src-shared/contract';
import type { WireApi } from '../../../src-shared/contract/wire';
import type { Envelope } from '../../../src-shared/errors';
import { build } from './build';
import { createWebSocketBridge, type SocketLike } from './socket';

export { onChunkProgress, type ChunkProgress } from './chunk';
export { createWebSocketBridge, type SocketLike } from './socket';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in web mode. */
    cosdesk?: WireApi;
  }
}

function fromPreload(api: WireApi): Bridge {
  const wire = api as unknown as Record<string, Record<string, (req: unknown) => Promise<Envelope<unknown>>>>;
  return build(
    (method, params) => {
      const [svc, name] = method.split('.');
      return wire[svc][name](params);
    },
    (name, listener) => api.events.on(name, listener as never),
  );
}

const TOKEN_KEY = 'cosdesk.token';

/** The web-mode token arrives once in the address bar; keep it for reloads, then hide it. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function fromWebSocket(): Bridge {
  const token = takeToken();
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${window.location.host}/ws?token=${encodeURIComponent(token)}`;
  return createWebSocketBridge(() => new WebSocket(url) as unknown as SocketLike);
}

let instance: Bridge | undefined;

/** The renderer's one way to reach main: typed calls, no channel strings. */
export function useBridge(): Bridge {
  instance ??= window.cosdesk ? fromPreload(window.cosdesk) : fromWebSocket();
  return instance;
}
