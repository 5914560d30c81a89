/**
 * The broker's own word on the market: its clock and its trading days (Alpaca's /v2/clock and
 * /v2/calendar), holidays and early closes included, and its assets (/v2/assets: what is tradable,
 * fractionable, shortable). The gateway passes them through
 * to bots (cached); without this port it answers from Subledger's fixed market hours.
 *
 * Invariants: times are RFC 3339 as the broker sent them; a calendar day's `open`/`close` are the
 * exchange's local "HH:MM", as Alpaca writes them.
 */

export interface BrokerClock {
  readonly timestamp: string;
  readonly isOpen: boolean;
  readonly nextOpen: string;
  readonly nextClose: string;
}

export interface CalendarDay {
  /** YYYY-MM-DD. */
  readonly date: string;
  readonly open: string;
  readonly close: string;
  readonly sessionOpen?: string;
  readonly sessionClose?: string;
  readonly settlementDate?: string;
}

/** One of the broker's assets as it describes it (Alpaca's asset object; numbers as decimal text). */
export type BrokerAsset = Readonly<Record<string, unknown>>;

export interface MarketInfoPort {
  clock(): Promise<BrokerClock>;
  /** Every asset the broker lists (Alpaca's `GET /v2/assets`), as it describes them. */
  assets(): Promise<readonly BrokerAsset[]>;
  /** The trading days from `start` to `end` (YYYY-MM-DD, both included). */
  calendar(start: string, end: string): Promise<CalendarDay[]>;
}
