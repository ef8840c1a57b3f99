import { events, type EventName, type EventPayload } from '../../src-shared/contract';

export type EventSink = (name: EventName, payload: unknown) => void;

/**
 * Fan-out of main's events to every connected view. Bursts are coalesced: per event name at
 * most one delivery every `intervalMs` (default 100 ms, so ≤ 10 updates a second), and the
 * last payload of a burst always arrives.
 */
export class EventHub {
  private readonly sinks = new Set<EventSink>();
  private readonly pending = new Map<EventName, unknown>();
  private readonly lastSent = new Map<EventName, number>();
  private readonly timers = new Map<EventName, ReturnType<typeof setTimeout>>();

  constructor(private readonly intervalMs = 100) {}

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const checked = events[name].parse(payload);
    const wait = (this.lastSent.get(name) ?? -Infinity) + this.intervalMs - Date.now();
    if (wait <= 0 && !this.timers.has(name)) {
      this.deliver(name, checked);
      return;
    }
    this.pending.set(name, checked);
    if (!this.timers.has(name)) {
      const t = setTimeout(
        () => {
          this.timers.delete(name);
          const p = this.pending.get(name);
          this.pending.delete(name);
          this.deliver(name, p);
        },
        Math.max(0, wait),
      );
      t.unref?.();
      this.timers.set(name, t);
    }
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
    this.sinks.clear();
  }

  private deliver(name: EventName, payload: unknown): void {
    this.lastSent.set(name, Date.now());
    for (const sink of this.sinks) sink(name, payload);
  }
}
