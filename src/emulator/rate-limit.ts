/**
 * Alpaca's request budget (FACTS §5: 200 requests per minute per API key; beyond it HTTP 429),
 * counted in fixed one-minute windows per key and per API (trading and market data are budgeted
 * separately, as they are separate hosts at Alpaca).
 *
 * Entry point: `RateLimit` — `take(key, nowMs)` → the verdict and the `X-RateLimit-*` values.
 * Invariant: at most `perMinute` requests per key are allowed in any window; `undefined` turns the
 * limit off.
 */

export interface RateVerdict {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Unix seconds when the window resets. */
  readonly reset: number;
}

export class RateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(public perMinute: number | undefined) {}

  take(key: string, nowMs: number): RateVerdict | undefined {
    if (this.perMinute === undefined) return undefined;
    let window = this.windows.get(key);
    if (!window || nowMs - window.start >= 60_000) {
      window = { start: nowMs, count: 0 };
      this.windows.set(key, window);
    }
    const allowed = window.count < this.perMinute;
    if (allowed) window.count += 1;
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.max(0, this.perMinute - window.count),
      reset: Math.ceil((window.start + 60_000) / 1000),
    };
  }

  /** Forgets every window (a new budget starts with the next request). */
  reset(): void {
    this.windows.clear();
  }
}
