/**
 * The price updater: re-prices every symbol any sleeve holds, in ONE batched market-data call,
 * and journals the prices as marks (with their time and source). Equities are asked for only
 * while their market is open (`MarketHours`); crypto always.
 *
 * Entry points: `update(options)` (one cycle), `status()` (for /health), `isStale(markTs)`
 * (the positions API's `mark_stale`), `heldSymbols()`.
 * Invariants: a failed fetch journals nothing — every position keeps its last mark — and is
 * recorded (status, log) before `update` throws `PriceFetchError`; a symbol without a usable
 * quote (absent, or no positive last/mid price) keeps its last mark and is listed as missing;
 * a price is never zeroed. A quote already journaled (same symbol, time and source) is skipped.
 */
import type { Symbol } from '../../core/ids.js';
import { heldSymbols } from '../../core/ledger.js';
import { type MarketDataPort, type Quote, quotePrice } from '../ports/broker-port.js';
import type { Clock } from '../ports/clock-port.js';
import { type JournalEvent, journalKey } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import { type MarketHours, usEquityHours } from './market-hours.js';

export interface PriceUpdaterOptions {
  readonly service: LedgerService;
  readonly market: MarketDataPort;
  readonly clock: Clock;
  readonly hours?: MarketHours;
  /** A mark older than this is stale (default 300 s). */
  readonly staleAfterSeconds?: number;
  /** Told about failures and recoveries (default: console.error / console.log). */
  readonly log?: (level: 'error' | 'info', message: string) => void;
}

/** One cycle's outcome. */
export interface PriceRun {
  readonly at: string;
  /** Symbols given a new mark. */
  readonly marked: readonly Symbol[];
  /** Held equities not asked for: their market is closed. */
  readonly closed: readonly Symbol[];
  /** Asked for, but no usable quote came back: they keep their last mark. */
  readonly missing: readonly Symbol[];
}

/** How the price feed is doing, as /health shows it. */
export interface PriceStatusView {
  status: 'ok' | 'failing' | 'not_run';
  last_run_at: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  /** Symbols of the last successful run without a usable quote (they keep their last mark). */
  missing: string[];
  stale_after_seconds: number;
}

/** The market-data call failed; nothing was journaled and every last mark is kept. */
export class PriceFetchError extends Error {
  constructor(
    message: string,
    readonly retryable = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PriceFetchError';
  }
}

export class PriceUpdater {
  private readonly hours: MarketHours;
  private readonly staleAfterMs: number;
  private readonly log: (level: 'error' | 'info', message: string) => void;
  private lastRunAt: string | null = null;
  private lastSuccessAt: string | null = null;
  private lastFailureAt: string | null = null;
  private lastError: string | null = null;
  private failures = 0;
  private missing: readonly Symbol[] = [];

  constructor(private readonly options: PriceUpdaterOptions) {
    this.hours = options.hours ?? usEquityHours;
    const stale = options.staleAfterSeconds ?? 300;
    if (!(Number.isFinite(stale) && stale > 0)) throw new RangeError(`staleAfterSeconds must be > 0, got ${stale}`);
    this.staleAfterMs = stale * 1000;
    this.log = options.log ?? ((level, message) => (level === 'error' ? console.error(message) : console.log(message)));
  }

  /** Every symbol some sleeve holds (qty ≠ 0), sorted. */
  heldSymbols(): Symbol[] {
    return heldSymbols(this.options.service.ledger);
  }

  /**
   * One cycle: fetch the open symbols' quotes in one call and journal them as marks, through
   * `commit` when given (the recorder, to write a snapshot in the same transaction) or the ledger
   * service. `commit` is called even with no events, so a snapshot is never skipped.
   * Throws `PriceFetchError` when the market-data call fails (recorded in `status()` first).
   */
  async update(options: { commit?: (events: readonly JournalEvent[]) => Promise<unknown> } = {}): Promise<PriceRun> {
    const now = this.options.clock.now();
    const at = now.toISOString();
    this.lastRunAt = at;
    const held = this.heldSymbols();
    const open = held.filter((s) => this.hours.isOpen(s, now));
    const closed = held.filter((s) => !this.hours.isOpen(s, now));
    let quotes: Map<Symbol, Quote>;
    try {
      quotes = open.length > 0 ? await this.options.market.latest(open) : new Map();
    } catch (error) {
      this.failures++;
      this.lastFailureAt = at;
      this.lastError = (error as Error)?.message ?? String(error);
      this.log(
        'error',
        `price update failed at ${at} (${open.length} symbols; every last mark kept, failure ${this.failures} in a row): ${this.lastError}`,
      );
      throw new PriceFetchError(`price update failed: ${this.lastError}`, true, { cause: error });
    }
    const events: JournalEvent[] = [];
    const missing: Symbol[] = [];
    for (const symbol of open) {
      const event = markOf(symbol, quotes.get(symbol));
      if (!event) missing.push(symbol);
      else if (!this.options.service.ledger.applied.has(journalKey(event))) events.push(event);
    }
    if (options.commit) await options.commit(events);
    else if (events.length > 0) await this.options.service.append(events);
    if (this.failures > 0) this.log('info', `price update recovered at ${at} after ${this.failures} failure(s)`);
    this.failures = 0;
    this.lastSuccessAt = at;
    this.missing = missing;
    return { at, marked: events.map((e) => (e as { symbol: Symbol }).symbol), closed, missing };
  }

  /** True when a position's mark is missing or older than the threshold at the clock's now. */
  isStale(markTs: string | null): boolean {
    if (markTs === null) return true;
    const t = Date.parse(markTs);
    return Number.isNaN(t) || this.options.clock.now().getTime() - t > this.staleAfterMs;
  }

  status(): PriceStatusView {
    return {
      status: this.lastRunAt === null ? 'not_run' : this.failures > 0 ? 'failing' : 'ok',
      last_run_at: this.lastRunAt,
      last_success_at: this.lastSuccessAt,
      last_failure_at: this.lastFailureAt,
      last_error: this.lastError,
      consecutive_failures: this.failures,
      missing: [...this.missing],
      stale_after_seconds: this.staleAfterMs / 1000,
    };
  }
}

/** The mark a quote gives: its last trade, else the bid/ask midpoint; none without a positive price. */
export function markOf(symbol: Symbol, q: Quote | undefined): JournalEvent | undefined {
  if (!q) return undefined;
  const price = quotePrice(q);
  if (price === undefined || price <= 0n) return undefined;
  return { type: 'mark', symbol, price, ts: q.ts, source: q.source };
}
