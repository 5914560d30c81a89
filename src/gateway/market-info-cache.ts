/**
 * The broker's clock and calendar as the gateway serves them to bots: passed through, and cached
 * so that bots polling them cost the account's request budget next to nothing.
 *
 * Entry point: `MarketInfoCache` (`clock()`, `calendar(start, end)`, `assets()`).
 * Invariants: the clock's `is_open`, `next_open` and `next_close` are the broker's, kept until the
 * earlier of its next open and next close (or an hour) has passed, then asked again; its
 * `timestamp` is the broker's time of the answer moved on by the time elapsed here since, so it
 * stays on the broker's clock (a simulated market's included). A calendar range, and the asset
 * list, are kept an hour.
 */
import type { BrokerAsset, BrokerClock, CalendarDay, MarketInfoPort } from '../app/ports/market-info-port.js';

const HOUR_MS = 3_600_000;
/** Calendar ranges kept at most (a bot asks for a few; anything more is dropped, oldest first). */
const MAX_RANGES = 64;

interface ClockAnswer {
  readonly value: BrokerClock;
  /** Local ms when the broker answered, and the broker's own ms at that moment. */
  readonly at: number;
  readonly brokerAt: number;
  /** Local ms until which the answer holds. */
  readonly until: number;
}

export class MarketInfoCache {
  private answer: ClockAnswer | undefined;
  private readonly ranges = new Map<string, { days: CalendarDay[]; until: number }>();
  private assetList: { assets: readonly BrokerAsset[]; until: number } | undefined;

  constructor(
    private readonly info: MarketInfoPort,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async clock(): Promise<BrokerClock> {
    const now = this.nowMs();
    if (!this.answer || now >= this.answer.until) {
      const value = await this.info.clock();
      const brokerAt = Date.parse(value.timestamp);
      const change = Math.min(Date.parse(value.nextOpen), Date.parse(value.nextClose)) - brokerAt;
      const holds = Number.isFinite(change) && change > 0 ? Math.min(change, HOUR_MS) : 0;
      this.answer = { value, at: now, brokerAt, until: now + holds };
    }
    const { value, at, brokerAt } = this.answer;
    return Number.isNaN(brokerAt) ? value : { ...value, timestamp: new Date(brokerAt + (now - at)).toISOString() };
  }

  /** The broker's assets, asked again once an hour. */
  async assets(): Promise<readonly BrokerAsset[]> {
    const now = this.nowMs();
    if (!this.assetList || now >= this.assetList.until)
      this.assetList = { assets: await this.info.assets(), until: now + HOUR_MS };
    return this.assetList.assets;
  }

  async calendar(start: string, end: string): Promise<CalendarDay[]> {
    const key = `${start} ${end}`;
    const now = this.nowMs();
    const kept = this.ranges.get(key);
    if (kept && now < kept.until) return kept.days;
    const days = await this.info.calendar(start, end);
    this.ranges.delete(key);
    if (this.ranges.size >= MAX_RANGES) this.ranges.delete(this.ranges.keys().next().value!);
    this.ranges.set(key, { days, until: now + HOUR_MS });
    return days;
  }
}
