import type { AccountView } from '../../src-shared/contract';
import type { EventHub } from '../ipc/events';

// setTimeout's limit; a later expiry is re-armed when the timer fires.
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Announces `accounts.tokenExpired` when a temporary key's recorded expiry passes, so views can
 * ask for fresh keys and the transfer queue can pause instead of failing its jobs one by one.
 */
export class TokenWatch {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly hub: EventHub,
    private readonly listAccounts: () => Promise<AccountView[]>,
  ) {}

  async refresh(): Promise<void> {
    const accounts = await this.listAccounts();
    this.stop();
    for (const a of accounts) if (a.tokenExpiresAt) this.arm(a.id, a.tokenExpiresAt);
  }

  /** Something met ExpiredToken before our timer did (clock skew, a shorter-lived token). */
  report(accountId: string, expiresAt: string): void {
    this.hub.emit('accounts.tokenExpired', { accountId, expiresAt });
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private arm(accountId: string, expiresAt: string): void {
    const at = Date.parse(expiresAt);
    if (!Number.isFinite(at)) return;
    const delay = at - Date.now();
    const t = setTimeout(
      () => {
        this.timers.delete(accountId);
        if (Date.now() >= at) this.report(accountId, expiresAt);
        else this.arm(accountId, expiresAt);
      },
      Math.max(0, Math.min(delay, MAX_DELAY_MS)),
    );
    t.unref?.();
    this.timers.set(accountId, t);
  }
}
