import { METHODS, type Bridge, type EventName } from '../../../src-shared/contract';
import type { ClientFrame, ServerFrame, WireApi } from '../../../src-shared/contract/wire';
import { AppError, type Envelope } from '../../../src-shared/errors';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in web mode. */
    cosdesk?: WireApi;
  }
}

type Caller = (method: string, params: unknown) => Promise<Envelope<unknown>>;
type Subscribe = (name: EventName, listener: (payload: unknown) => void) => () => void;

function build(call: Caller, subscribe: Subscribe): Bridge {
  const bridge: Record<string, unknown> = {};
  for (const [svc, names] of Object.entries(METHODS)) {
    const calls: Record<string, (req: unknown) => Promise<unknown>> = {};
    for (const name of names as readonly string[]) {
      calls[name] = async (req) => {
        const env = await call(`${svc}.${name}`, req ?? {});
        if (!env.ok) throw AppError.fromPayload(env.error);
        return env.value;
      };
    }
    bridge[svc] = calls;
  }
  bridge.events = { on: subscribe };
  return bridge as Bridge;
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
  const pending = new Map<number, (env: Envelope<unknown>) => void>();
  const listeners = new Set<{ name: EventName; fn: (p: unknown) => void }>();
  let nextId = 1;
  let socket: Promise<WebSocket> | undefined;

  const connect = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(ws);
      ws.onerror = () =>
        reject(new AppError('NETWORK', 'Cannot reach the cosdesk server. Is `npm run web` still running?'));
      ws.onclose = (ev) => {
        socket = undefined;
        const reason =
          ev.code === 4401
            ? 'This page is not authorized: open the address with the token that `npm run web` printed.'
            : 'The connection to the cosdesk server closed.';
        for (const [, done] of pending) done({ ok: false, error: { code: 'NETWORK', message: reason } });
        pending.clear();
      };
      ws.onmessage = (ev) => {
        const frame = JSON.parse(String(ev.data)) as ServerFrame;
        if (frame.t === 'result') {
          pending.get(frame.id)?.(frame.result);
          pending.delete(frame.id);
        } else {
          for (const l of listeners) if (l.name === frame.name) l.fn(frame.payload);
        }
      };
    });

  const open = (): Promise<WebSocket> => {
    socket ??= connect().catch((e: unknown) => {
      socket = undefined;
      throw e;
    });
    return socket;
  };

  return build(
    async (method, params) => {
      const ws = await open();
      const id = nextId++;
      const frame: ClientFrame = { t: 'call', id, method, params };
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify(frame));
      });
    },
    (name, fn) => {
      const entry = { name, fn };
      listeners.add(entry);
      void open().catch(() => undefined);
      return () => listeners.delete(entry);
    },
  );
}

let instance: Bridge | undefined;

/** The renderer's one way to reach main: typed calls, no channel strings. */
export function useBridge(): Bridge {
  instance ??= window.cosdesk ? fromPreload(window.cosdesk) : fromWebSocket();
  return instance;
}
