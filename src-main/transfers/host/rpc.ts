/**
 * Calls both ways over one MessagePort (a worker and the thread that started it): `ask` sends
 * a request and settles with its reply, `tell` sends one-way messages, handlers answer the
 * other side's requests. Errors cross as data: an AppError keeps its code, message and details
 * (what the router shows); anything else arrives as a plain Error with its message and name.
 * Written by hand: a few dozen lines over postMessage, where an RPC library (comlink) would
 * add proxies and a dependency for what is a fixed, small set of calls.
 */
import { AppError, type AppErrorPayload } from '../../../src-shared/errors';

export interface Port {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (m: unknown) => void): unknown;
}

type Wire =
  | { t: 'ask'; id: number; op: string; args: unknown[] }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: ErrorData }
  | { t: 'tell'; op: string; args: unknown[] };

interface ErrorData {
  app?: AppErrorPayload;
  message: string;
  name?: string;
  code?: string;
}

export type Handler = (...args: never[]) => unknown;

export class Rpc {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private closed: Error | undefined;

  constructor(
    private readonly port: Port,
    private readonly handlers: Record<string, Handler>,
    /** Calls in flight went from none to some (true) or back (false): a worker is ref'd meanwhile. */
    private readonly onBusy?: (busy: boolean) => void,
  ) {
    port.on('message', (m) => this.receive(m as Wire));
  }

  /** Requests waiting for their reply. */
  get pending(): number {
    return this.waiting.size;
  }

  ask<T>(op: string, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.waiting.size === 1) this.onBusy?.(true);
      this.port.postMessage({ t: 'ask', id, op, args } satisfies Wire);
    });
  }

  tell(op: string, ...args: unknown[]): void {
    if (!this.closed) this.port.postMessage({ t: 'tell', op, args } satisfies Wire);
  }

  /** The other side is gone: every call in flight fails with `err`, and so does every next one. */
  fail(err: Error): void {
    this.closed = err;
    const ws = [...this.waiting.values()];
    this.waiting.clear();
    if (ws.length) this.onBusy?.(false);
    for (const w of ws) w.reject(err);
  }

  private receive(m: Wire): void {
    if (m.t === 'reply') {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.onBusy?.(false);
      if (m.ok) w.resolve(m.value);
      else w.reject(rebuild(m.error));
      return;
    }
    const h = this.handlers[m.op] as ((...a: unknown[]) => unknown) | undefined;
    if (m.t === 'tell') {
      if (h)
        void Promise.resolve()
          .then(() => h(...m.args))
          .catch(() => undefined);
      return;
    }
    void Promise.resolve()
      .then(() => {
        if (!h) throw new Error(`no handler for ${m.op}`);
        return h(...m.args);
      })
      .then(
        (value) => this.port.postMessage({ t: 'reply', id: m.id, ok: true, value } satisfies Wire),
        (e: unknown) =>
          this.port.postMessage({ t: 'reply', id: m.id, ok: false, error: errorData(e) } satisfies Wire),
      );
  }
}

function errorData(e: unknown): ErrorData {
  if (e instanceof AppError) return { app: e.toPayload(), message: e.message };
  if (e instanceof Error)
    return { message: e.message, name: e.name, code: (e as NodeJS.ErrnoException).code };
  return { message: String(e) };
}

function rebuild(d: ErrorData): Error {
  if (d.app) return AppError.fromPayload(d.app);
  const e = Object.assign(new Error(d.message), d.code ? { code: d.code } : {});
  if (d.name) e.name = d.name;
  return e;
}
