import { METHODS, type Bridge, type EventName } from '../../../src-shared/contract';
import { AppError, type Envelope } from '../../../src-shared/errors';
import { chunkedCall } from './chunk';

export type Caller = (method: string, params: unknown) => Promise<Envelope<unknown>>;
export type Subscribe = (name: EventName, listener: (payload: unknown) => void) => () => void;

/** The typed Bridge over a transport that answers envelopes; long lists go in pieces. */
export function build(call: Caller, subscribe: Subscribe): Bridge {
  const bridge: Record<string, unknown> = {};
  for (const [svc, names] of Object.entries(METHODS)) {
    const calls: Record<string, (req: unknown) => Promise<unknown>> = {};
    for (const name of names as readonly string[]) {
      const method = `${svc}.${name}`;
      const one = async (req: unknown) => {
        const env = await call(method, req);
        if (!env.ok) throw AppError.fromPayload(env.error);
        return env.value;
      };
      // Long lists go in pieces (web mode's frames are capped at 1 MiB).
      calls[name] = (req) => chunkedCall(method, req ?? {}, one);
    }
    bridge[svc] = calls;
  }
  bridge.events = { on: subscribe };
  return bridge as Bridge;
}
