import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type {
  InterruptedOperationView,
  OperationView,
  StartOperationRequest,
} from '../../../src-shared/contract';
import { bridge } from '../bridge/store';

type Waiter = (v: OperationView) => void;

/**
 * Main's bulk operations (delete, copy, move, metadata, storage class), kept current by the
 * `operations.progress` event; `run` starts one and resolves when it ends. `interrupted` are
 * the ones a previous run left unfinished (crash, kill -9), asked for once at start, to resume
 * or dismiss.
 */
export const useOperationsStore = defineStore('operations', () => {
  const operations = shallowRef<readonly OperationView[]>([]);
  const interrupted = shallowRef<readonly InterruptedOperationView[]>([]);
  const waiters = new Map<string, Waiter[]>();
  let stop: (() => void) | undefined;

  const running = computed(() => operations.value.filter((o) => isRunning(o)));

  function isRunning(o: OperationView): boolean {
    return o.state === 'listing' || o.state === 'running';
  }

  function apply(list: readonly OperationView[]): void {
    operations.value = list;
    for (const o of list) {
      if (isRunning(o)) continue;
      const w = waiters.get(o.id);
      if (!w) continue;
      waiters.delete(o.id);
      for (const f of w) f(o);
    }
  }

  function watchEvents(): void {
    if (stop) return;
    stop = bridge().events.on('operations.progress', (p) => apply(p.operations));
    void bridge()
      .operations.list({})
      .then((r) => apply(r.operations))
      .catch(() => undefined);
    void bridge()
      .operations.listInterrupted({})
      .then((r) => (interrupted.value = r.operations))
      .catch(() => undefined);
  }

  function forget(id: string): void {
    interrupted.value = interrupted.value.filter((o) => o.id !== id);
  }

  /** Runs the rest of an interrupted operation: it goes on as a new operation with counts. */
  async function resumeInterrupted(id: string): Promise<OperationView> {
    try {
      const v = await bridge().operations.resumeInterrupted({ id });
      if (!operations.value.some((o) => o.id === v.id)) upsert(v);
      return v;
    } finally {
      // Resumed, or not known any more (resumed elsewhere): either way no longer to offer.
      forget(id);
    }
  }

  async function dismissInterrupted(id: string): Promise<void> {
    await bridge().operations.dismissInterrupted({ id });
    forget(id);
  }

  function upsert(v: OperationView): void {
    const rest = operations.value.filter((o) => o.id !== v.id);
    apply([v, ...rest]);
  }

  /** Starts an operation; resolves with its final view (done, cancelled or failed). */
  async function run(req: StartOperationRequest): Promise<OperationView> {
    watchEvents();
    const v = await bridge().operations.start(req);
    const ended = new Promise<OperationView>((resolve) => {
      waiters.set(v.id, [...(waiters.get(v.id) ?? []), resolve]);
    });
    if (!operations.value.some((o) => o.id === v.id)) upsert(v);
    // The end may have been announced before we listened: ask once.
    void bridge()
      .operations.get({ id: v.id })
      .then((now) => {
        if (!isRunning(now)) upsert(now);
      })
      .catch(() => undefined);
    return ended;
  }

  async function cancel(id: string): Promise<void> {
    upsert(await bridge().operations.cancel({ id }));
  }

  async function clear(): Promise<void> {
    await bridge().operations.clear({});
    operations.value = operations.value.filter((o) => isRunning(o));
  }

  return {
    operations,
    interrupted,
    running,
    watchEvents,
    run,
    cancel,
    clear,
    isRunning,
    resumeInterrupted,
    dismissInterrupted,
  };
});
