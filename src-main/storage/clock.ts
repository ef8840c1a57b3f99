/**
 * The server's clock as seen from here: local time plus an offset learned from the `Date`
 * header of the server's answers. Signatures (COS q-sign-time, SigV4 X-Amz-Date) and
 * pre-signed links are stamped with `serverNow()`, so a computer whose clock is off still
 * talks to a server that enforces a skew window.
 */

/** `Date` has a precision of one second: smaller differences are noise, not skew. */
export const SMALL_OFFSET_MS = 5_000;
/**
 * A bodyless 403 (a HEAD) whose `Date` is this far from the time we signed with is taken for a
 * skew error: COS and S3 refuse signatures 15 minutes off, stricter servers a few minutes.
 */
export const SKEW_SUSPECT_MS = 60_000;

export class ServerClock {
  /** Server time minus local time, in ms. */
  offsetMs = 0;
  /** Whether any answer of this server has been seen yet. */
  known = false;

  constructor(readonly now: () => number = Date.now) {}

  /** The server's time now, as best known. */
  serverNow(): number {
    return this.now() + this.offsetMs;
  }

  /**
   * Learns from a `Date` header received at local time `receivedAt`. An offset within a few
   * seconds of what is known is ignored unless `force` (the server said the clock is off: then
   * anything over a second counts). Returns whether the offset changed.
   */
  observe(dateHeader: string | undefined, receivedAt = this.now(), force = false): boolean {
    const server = Date.parse(dateHeader ?? '');
    if (!Number.isFinite(server)) return false;
    this.known = true;
    // The header is the server's current second, truncated: its middle is the best guess.
    const estimate = server + 500 - receivedAt;
    const change = Math.abs(estimate - this.offsetMs);
    if (change < (force ? 1_000 : SMALL_OFFSET_MS)) return false;
    this.offsetMs = !force && Math.abs(estimate) < SMALL_OFFSET_MS ? 0 : estimate;
    return true;
  }

  /** How far a `Date` header is from a local instant (ms, signed: server minus local), or undefined. */
  static distance(dateHeader: string | undefined, localMs: number): number | undefined {
    const server = Date.parse(dateHeader ?? '');
    return Number.isFinite(server) ? server + 500 - localMs : undefined;
  }
}

// One clock per server and per local clock function: every client of a server shares what any
// of them learned (a link signed after browsing uses the offset browsing found). A test that
// injects its own `now` gets clocks of its own.
const registry = new WeakMap<() => number, Map<string, ServerClock>>();

export function serverClock(serverKey: string, now: () => number = Date.now): ServerClock {
  let byKey = registry.get(now);
  if (!byKey) registry.set(now, (byKey = new Map()));
  let clock = byKey.get(serverKey);
  if (!clock) byKey.set(serverKey, (clock = new ServerClock(now)));
  return clock;
}

/** What names "the same server" for clock purposes: the account's endpoint (COS: its domain). */
export function serverKeyOf(
  account:
    { kind: 'cos'; endpointTemplate?: string; serviceEndpoint?: string } | { kind: 's3'; endpoint: string },
): string {
  if (account.kind === 's3') return `s3 ${account.endpoint}`;
  return `cos ${account.endpointTemplate ?? 'myqcloud.com'}`;
}

/** "2 hours", "30 minutes", "45 seconds": for messages about clock skew. */
export function describeOffset(ms: number): { en: string; zh: string } {
  const s = Math.round(Math.abs(ms) / 1000);
  // By the rounded minutes: an offset measured a second short of 2 hours (the request's own
  // latency) is "2 hours", not "120 minutes".
  if (Math.round(s / 60) >= 120)
    return { en: `${Math.round(s / 3600)} hours`, zh: `${Math.round(s / 3600)} 小时` };
  if (s >= 120) return { en: `${Math.round(s / 60)} minutes`, zh: `${Math.round(s / 60)} 分钟` };
  return { en: `${s} seconds`, zh: `${s} 秒` };
}
