import type { Envelope } from '../errors';
import type { Bridge } from './index';
import type { EventName, EventPayload } from './index';

/** What the preload exposes as `window.cosdesk`: the Bridge's calls, answering envelopes. */
export type WireApi = {
  [S in Exclude<keyof Bridge, 'events'>]: {
    [M in keyof Bridge[S]]: Bridge[S][M] extends (req: infer Q) => Promise<infer R>
      ? (req: Q) => Promise<Envelope<R>>
      : never;
  };
} & {
  events: {
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  };
};

/** Websocket frames in web mode. */
export type ClientFrame = { t: 'call'; id: number; method: string; params: unknown };
export type ServerFrame =
  { t: 'result'; id: number; result: Envelope<unknown> } | { t: 'event'; name: EventName; payload: unknown };
