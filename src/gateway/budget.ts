/**
 * The account's request budget at the broker (Alpaca: 200 requests/min per key), shared fairly
 * among the deployments trading through the gateway. Reads never reach the broker (they are
 * answered from the ledger); every request that does — submit, replace, cancel, close — is
 * counted against its deployment's share: the budget divided by the deployments holding a live
 * key. A bot over its share gets 429 with `Retry-After`; the others are not affected.
 *
 * Entry point: `RequestBudget` — `take(deployment)`.
 * Invariant: per deployment, at most `share` counted requests in any 60-second window.
 */
export interface BudgetOptions {
  /** The account's requests per minute at the broker. */
  readonly perMinute: number;
  /** How many deployments share it now (those with a live gateway key; at least 1). */
  readonly sharers: () => number;
  readonly now?: () => number;
}

export type Take =
  { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number; readonly share: number };

const WINDOW_MS = 60_000;

export class RequestBudget {
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly options: BudgetOptions) {}

  /** This deployment's share per minute now. */
  share(): number {
    return Math.max(1, Math.floor(this.options.perMinute / Math.max(1, this.options.sharers())));
  }

  /** Counts one request of `deployment`, or says when it may retry. */
  take(deployment: string): Take {
    const now = (this.options.now ?? Date.now)();
    const times = (this.recent.get(deployment) ?? []).filter((t) => t > now - WINDOW_MS);
    const share = this.share();
    if (times.length >= share) {
      this.recent.set(deployment, times);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000)), share };
    }
    times.push(now);
    this.recent.set(deployment, times);
    return { ok: true };
  }
}
