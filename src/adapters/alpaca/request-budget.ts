/**
 * The account's request budget: Alpaca allows 200 requests per minute per API key (FACTS §5), so
 * every REST call of the adapter — orders, lookups, backfill, positions — takes a slot from one
 * shared budget before it goes out; when the broker still answers 429, the budget pauses until the
 * time the broker named.
 *
 * Entry points: `RequestBudget` — `take()`, `pauseUntil(ms)`; `Timers` (injectable time).
 * Invariant: at most `perMinute` calls start within any sliding 60-second window (while nothing
 * else shares the key).
 */

export interface Timers {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RequestBudget {
  private readonly started: number[] = [];
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly perMinute = 200,
    private readonly timers: Timers = realTimers,
    private readonly windowMs = 60_000,
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new RangeError('RequestBudget: perMinute must be ≥ 1');
  }

  /** Resolves when a request may start; callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Holds every request until `untilMs` (epoch ms), e.g. after a 429. */
  pauseUntil(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = this.timers.now();
      while (this.started.length && this.started[0]! <= now - this.windowMs) this.started.shift();
      const until = Math.max(
        this.pausedUntil,
        this.started.length >= this.perMinute ? this.started[0]! + this.windowMs : 0,
      );
      if (until <= now) {
        this.started.push(now);
        return;
      }
      await this.timers.sleep(until - now);
    }
  }
}
