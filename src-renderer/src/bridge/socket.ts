import type { Bridge, EventName } from '../../../src-shared/contract';
import type { ClientFrame, ServerFrame } from '../../../src-shared/contract/wire';
import { AppError, type Envelope } from '../../../src-shared/errors';
import { build } from './build';
import { MAX_FRAME_BYTES, utf8Length } from './chunk';

/** The subset of the browser's WebSocket the bridge uses (the `ws` package has it too). */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

/** The contract over a websocket to web mode; `open` makes a fresh socket (exported for tests). */
export function createWebSocketBridge(open: () => SocketLike): Bridge {
  const pending = new Map<number, (env: Envelope<unknown>) => void>();
  const listeners = new Set<{ name: EventName; fn: (p: unknown) => void }>();
  let nextId = 1;
  let socket: Promise<SocketLike> | undefined;

  const connect = (): Promise<SocketLike> =>
    new Promise((resolve, reject) => {
      const ws = open();
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

  const ensure = (): Promise<SocketLike> => {
    socket ??= connect().catch((e: unknown) => {
      socket = undefined;
      throw e;
    });
    return socket;
  };

  return build(
    async (method, params) => {
      const id = nextId++;
      const frame: ClientFrame = { t: 'call', id, method, params };
      const text = JSON.stringify(frame);
      // The server closes a socket that sends more than it takes (and fails every call on it).
      if (text.length > MAX_FRAME_BYTES / 4 && utf8Length(text) > MAX_FRAME_BYTES) {
        return {
          ok: false,
          error: {
            code: 'VALIDATION',
            message: `This request is too big to send (${(utf8Length(text) / 1048576).toFixed(1)} MiB, at most 1 MiB): select fewer items and try again.`,
          },
        };
      }
      const ws = await ensure();
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(text);
      });
    },
    (name, fn) => {
      const entry = { name, fn };
      listeners.add(entry);
      void ensure().catch(() => undefined);
      return () => listeners.delete(entry);
    },
  );
}
