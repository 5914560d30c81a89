/**
 * When a symbol trades, and when a trading day closes: the calendar the price updater, the
 * snapshots and the daily history run on. Time always comes in as an argument (no clock here).
 *
 * Entry points: `MarketHours` (the port a broker adapter may implement with its own clock, e.g.
 * Alpaca's /v2/clock and /v2/calendar), `usEquityHours` (the default: regular US equity hours,
 * 14:30–21:00 UTC Monday to Friday, both ends included so the closing minute is marked),
 * `isCrypto`, `tradingDay`.
 * Invariants: a crypto symbol (one with a "/", as Alpaca spells them: "BTC/USD") is always open;
 * `closesBetween` lists close times in increasing order, each in `Date#toISOString` form.
 * Known simplification of the default: no exchange holidays and no daylight-saving shift (the
 * paper broker's simulated market keeps these fixed UTC hours).
 */

export interface MarketHours {
  /** Whether `symbol` can be priced at `at` (its market is open). */
  isOpen(symbol: string, at: Date): boolean;
  /** Every trading day's close time t with from < t ≤ to, ascending, ISO-8601 UTC. */
  closesBetween(from: Date, to: Date): string[];
}

/** Alpaca spells crypto pairs with a slash ("BTC/USD"); nothing else has one. */
export const isCrypto = (symbol: string): boolean => symbol.includes('/');

/** The UTC calendar day (YYYY-MM-DD) of a time. */
export const tradingDay = (ts: string | Date): string =>
  (typeof ts === 'string' ? new Date(ts) : ts).toISOString().slice(0, 10);

const DAY_MS = 86_400_000;

/**
 * Fixed UTC session hours on weekdays. `openMinute` and `closeMinute` count minutes after
 * midnight UTC (default 14:30 and 21:00, US regular hours in winter time).
 */
export function fixedHours(openMinute = 14 * 60 + 30, closeMinute = 21 * 60): MarketHours {
  if (!(openMinute >= 0 && openMinute < closeMinute && closeMinute <= 24 * 60)) {
    throw new RangeError(
      `market hours: the open (${openMinute}) must come before the close (${closeMinute}) within a day`,
    );
  }
  const isWeekday = (d: Date) => d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
  return {
    isOpen(symbol, at) {
      if (isCrypto(symbol)) return true;
      if (!isWeekday(at)) return false;
      const minute = (at.getTime() % DAY_MS) / 60_000;
      return minute >= openMinute && minute <= closeMinute;
    },
    closesBetween(from, to) {
      const out: string[] = [];
      let day = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
      for (; day <= to.getTime(); day += DAY_MS) {
        const close = day + closeMinute * 60_000;
        if (close > from.getTime() && close <= to.getTime() && isWeekday(new Date(day)))
          out.push(new Date(close).toISOString());
      }
      return out;
    },
  };
}

/** The default calendar: US equity regular hours, 14:30–21:00 UTC, Monday to Friday. */
export const usEquityHours: MarketHours = fixedHours();
