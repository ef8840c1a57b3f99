/**
 * The transfers worker thread: a whole TransfersService (engine, queue, journal, folder walks,
 * sockets, file reads and writes, signing) runs here, off the thread that serves IPC. What it
 * needs from that thread arrives over the port: accounts resolved with their keys (in memory
 * only), the proxy route of each origin, the data folder's lock. Its events and log lines go
 * back; host.ts is the other end.
 */
import { subscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { parentPort, threadId } from 'node:worker_threads';
import { METHODS } from '../../../src-shared/contract/methods';
import { EventHub } from '../../ipc/events';
import type { Logger } from '../../log';
import type { ResolvedAccount } from '../../accounts/types';
import type { EngineLock, EngineLockOptions } from '../../data-lock';
import { routeFor, type ProxyEndpoint } from '../../settings/network';
import type { Network, NetworkRoute } from '../../storage/http';
import { setProcessNetwork } from '../../storage/http';
import { TransfersService } from '../service';
import { Rpc, type Handler } from './rpc';
import type { WorkerInit } from './protocol';

if (!parentPort) throw new Error('the transfers worker runs in a worker thread only');
const port = parentPort;

/** Requests made from this thread (a test's proof that the byte path runs here). */
let requests = 0;
subscribe('undici:request:create', () => void requests++);

/** How long a route stays cached for an origin while the settings do not change. */
const ROUTE_TTL_MS = 10_000;

/** The proxy settings of the main thread, asked once per origin and settings generation. */
class RemoteNetwork implements Network {
  private readonly cache = new Map<string, { route: NetworkRoute; at: number }>();
  constructor(private generation: number) {}

  changed(generation: number): void {
    this.generation = generation;
    this.cache.clear();
  }

  async route(origin: string): Promise<NetworkRoute> {
    const hit = this.cache.get(origin);
    if (hit && hit.route.generation === this.generation && Date.now() - hit.at < ROUTE_TTL_MS)
      return hit.route;
    const r = await rpc.ask<{ generation: number; endpoint?: ProxyEndpoint }>('route', origin);
    const route = routeFor(r.generation, r.endpoint);
    if (r.generation >= this.generation) {
      this.generation = r.generation;
      this.cache.set(origin, { route, at: Date.now() });
    }
    return route;
  }
}

let service: TransfersService | undefined;
let network: RemoteNetwork | undefined;
let hub: EventHub | undefined;
const lockLost = new Map<number, (err: Error) => void>();
let nextLock = 1;

function svc(): TransfersService {
  if (!service) throw new Error('the transfers worker was not initialised');
  return service;
}

const log: Logger = {
  info: (m) => rpc.tell('log', 'info', m),
  warn: (m) => rpc.tell('log', 'warn', m),
  error: (m) => rpc.tell('log', 'error', m),
};

/** The contract calls and the rest of the Transfers interface, by name. */
const CALLS = new Set<string>([
  ...METHODS.transfers,
  'start',
  'idle',
  'configure',
  'invalidate',
  'receiveBegin',
  'receiveFailed',
  'receiveEnd',
  'job',
  'queueingFailures',
]);

const handlers: Record<string, Handler> = {
  init: (init: WorkerInit) => {
    network = new RemoteNetwork(init.generation);
    setProcessNetwork(network);
    // Events are coalesced here already; main's hub coalesces and checks them again.
    hub = new EventHub();
    hub.subscribe((name, payload) => {
      if (name.startsWith('transfers.')) rpc.tell('event', name, payload);
    });
    service = new TransfersService({
      dataDir: init.dataDir,
      resolveAccount: (id) => rpc.ask<ResolvedAccount>('account', id),
      clientOptions: { ...init.clientOptions, network },
      hub,
      log,
      concurrency: init.concurrency,
      lock: init.lock,
      autoStart: init.autoStart,
      acquireLock: async (_dir: string, opts: EngineLockOptions): Promise<EngineLock> => {
        const key = nextLock++;
        if (opts.onCompromised) lockLost.set(key, opts.onCompromised);
        try {
          await rpc.ask('lock', key);
        } catch (e) {
          lockLost.delete(key);
          throw e;
        }
        return {
          dir: init.dataDir,
          release: async () => {
            lockLost.delete(key);
            await rpc.ask('unlock', key);
          },
        };
      },
    });
  },
  call: (method: string, args: unknown[]) => {
    if (!CALLS.has(method)) throw new Error(`transfers has no call named ${method}`);
    const s = svc() as unknown as Record<string, (...a: unknown[]) => unknown>;
    return s[method](...args);
  },
  close: async () => {
    await service?.close();
    service = undefined;
  },
  /** The main thread's events the service listens to (a temporary key ran out). */
  event: (name: string, payload: unknown) => {
    hub?.emit(name as 'accounts.tokenExpired', payload as { accountId: string; expiresAt: string });
  },
  net: (generation: number) => network?.changed(generation),
  lockLost: (key: number, message: string) => {
    const f = lockLost.get(key);
    lockLost.delete(key);
    f?.(new Error(message));
  },
  diagnostics: () => ({
    threadId,
    requests,
    heapUsed: process.memoryUsage().heapUsed,
    /** The worker's V8 heap as reserved (garbage not yet collected included): bench/engine-mem.ts. */
    heapTotal: process.memoryUsage().heapTotal,
    busyMs: performance.eventLoopUtilization().active,
  }),
};

const rpc = new Rpc(port, handlers);
