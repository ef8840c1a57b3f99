import { METHODS, type Bridge, type EventName } from '../../src-shared/contract';
import { AppError } from '../../src-shared/errors';
import type { EventHub } from './events';
import type { Router } from './router';

/**
 * The transport for tests and the CLI: a typed Bridge over the router with no wire in
 * between, but the same validation and error envelopes as IPC and the websocket.
 */
export function createInProcessBridge(router: Router, hub: EventHub): Bridge {
  const bridge: Record<string, unknown> = {};
  for (const [svc, names] of Object.entries(METHODS)) {
    const calls: Record<string, (req: unknown) => Promise<unknown>> = {};
    for (const name of names as readonly string[]) {
      calls[name] = async (req) => {
        // Round-trip through JSON so tests see exactly what a wire would carry.
        const env = await router.call(`${svc}.${name}`, JSON.parse(JSON.stringify(req ?? {})));
        if (!env.ok) throw AppError.fromPayload(env.error);
        return env.value;
      };
    }
    bridge[svc] = calls;
  }
  bridge.events = {
    on(name: EventName, listener: (payload: unknown) => void) {
      return hub.subscribe((n, p) => {
        if (n === name) listener(p);
      });
    },
  };
  return bridge as Bridge;
}
