/**
 * The broker port: the smallest surface the order router and the fill path need (DESIGN.md §2).
 * Implemented by the paper broker (src/adapters/paper) and the Alpaca adapter (src/adapters/alpaca).
 * Every implementation passes the one broker contract suite (test/contracts/broker.contract.ts).
 *
 * Numbers are `Dec`; times are ISO-8601 strings in UTC. Execution reports arrive through
 * `subscribe`, in the order the broker produced them; a report may be delivered more than once
 * (reconnects, backfill), so consumers deduplicate on `execution.id`.
 */
import type { Dec } from '../../core/decimal.js';
import type { Side } from '../../core/events.js';
import type { BrokerOrderId, ClientOrderId, FillId, Symbol } from '../../core/ids.js';
import { AppError } from '../errors.js';

export type OrderType = 'market' | 'limit';
export type TimeInForce = 'day' | 'gtc' | 'ioc';
/**
 * A stop trigger on an order (Alpaca's stop, stop_limit and trailing_stop): the order rests
 * untriggered, then works as its `type` (market: stop and trailing_stop; limit: stop_limit) once
 * the price reaches the stop. `type` stays the execution style, so every rule that looks at market
 * vs limit (wash trade, reservations) sees a stop as a market order and a stop_limit as a limit.
 */
export interface StopFields {
  /** The trigger price (stop, stop_limit); for a trailing stop, its current stop on a BrokerOrder. */
  readonly stopPrice?: Dec;
  /** A trailing stop's distance in money, or in percent of the high-water mark (exactly one). */
  readonly trailPrice?: Dec;
  readonly trailPercent?: Dec;
}

export type OrderStatus = 'pending_new' | 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired';

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired']);

export interface OrderRequest extends StopFields {
  readonly clientOrderId: ClientOrderId;
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly type: OrderType;
  readonly limitPrice?: Dec;
  readonly timeInForce: TimeInForce;
}

export interface BrokerOrder extends StopFields {
  readonly brokerOrderId: BrokerOrderId;
  readonly clientOrderId: ClientOrderId;
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly type: OrderType;
  readonly limitPrice?: Dec;
  readonly timeInForce: TimeInForce;
  readonly status: OrderStatus;
  readonly filledQty: Dec;
  /** Average fill price so far, when anything filled. */
  readonly filledAvgPrice?: Dec;
  readonly submittedAt: string;
  readonly updatedAt: string;
  /** The broker's words when it rejected or canceled the order. */
  readonly reason?: string;
  /** A trailing stop's high-water mark (the best price since it was placed). */
  readonly hwm?: Dec;
}

export interface Execution {
  /** The broker's execution id: unique forever, the fill's identity in the journal. */
  readonly id: FillId;
  readonly qty: Dec;
  readonly price: Dec;
  /** Fee in money (quote currency); 0 when the broker charges none. */
  readonly fee: Dec;
  readonly ts: string;
}

export type ReportKind = 'new' | 'fill' | 'partial_fill' | 'canceled' | 'rejected' | 'expired' | 'replaced';

/** What the broker says happened to an order (Alpaca: a `trade_updates` event). */
export interface ExecutionReport {
  readonly kind: ReportKind;
  readonly order: BrokerOrder;
  /** Present on `fill` and `partial_fill`. */
  readonly execution?: Execution;
  readonly ts: string;
}

export interface BrokerPosition {
  readonly symbol: Symbol;
  /** Signed: negative when short. */
  readonly qty: Dec;
  readonly avgEntryPrice: Dec;
}

export interface BrokerAccount {
  readonly cash: Dec;
  readonly buyingPower: Dec;
  readonly equity: Dec;
}

/** A rejection by the broker: `code` is Subledger's, `brokerMessage` the broker's own words. */
export class BrokerRejection extends Error {
  constructor(
    readonly code: string,
    readonly brokerMessage: string,
    readonly retryable = false,
  ) {
    super(brokerMessage);
    this.name = 'BrokerRejection';
  }
}

/**
 * The broker could not be reached or did not answer in time (connection refused or lost, a
 * timeout, a 5xx or a rate limit that outlasted the retries). Nothing says it refused anything: a
 * read may simply be retried later, and the outcome of a write is unknown until the order is
 * looked up. Adapters throw it (keeping their own error as `cause`) instead of their transport
 * errors, so every edge maps it the same way (`brokerUnavailable`).
 */
export class BrokerUnavailableError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
  }
}

/**
 * `503 BROKER_UNAVAILABLE` (retryable) for an error that is, or was caused by, a
 * `BrokerUnavailableError`; undefined for any other error.
 */
export function brokerUnavailable(error: unknown): AppError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof BrokerUnavailableError)
      return new AppError(
        'BROKER_UNAVAILABLE',
        `BROKER_UNAVAILABLE: could not reach the broker (${e.message}); retry later`,
        {
          retryable: true,
        },
      );
  }
  return undefined;
}

/** A corporate action the broker booked on the account (Alpaca: DIV and SPLIT activities). */
export type CorporateAction =
  | {
      readonly kind: 'dividend';
      readonly id: string;
      readonly symbol: Symbol;
      readonly amountPerShare: Dec;
      readonly ts: string;
    }
  | { readonly kind: 'split'; readonly id: string; readonly symbol: Symbol; readonly ratio: Dec; readonly ts: string };

export interface BrokerPort {
  /** Sends an order. Resolves with the broker's view of it; throws `BrokerRejection` when refused. */
  submit(order: OrderRequest): Promise<BrokerOrder>;
  /** Requests cancellation; the outcome arrives as a report. */
  cancel(brokerOrderId: BrokerOrderId): Promise<void>;
  /** Looks an order up by our id (resolves an unknown outcome after a timeout). */
  orderByClientId(clientOrderId: ClientOrderId): Promise<BrokerOrder | undefined>;
  openOrders(): Promise<BrokerOrder[]>;
  positions(): Promise<BrokerPosition[]>;
  account(): Promise<BrokerAccount>;
  /** Dividends and splits booked on the account after `after` (ISO time), oldest first. Optional. */
  corporateActions?(after?: string): Promise<CorporateAction[]>;
  /** Delivers every execution report to `handler`; returns an unsubscribe function. */
  subscribe(handler: (report: ExecutionReport) => Promise<void>): () => void;
  close(): Promise<void>;
}

export interface Quote {
  readonly symbol: Symbol;
  readonly bid?: Dec;
  readonly ask?: Dec;
  readonly last?: Dec;
  readonly ts: string;
  /** Where the price came from, shown to users ("simulated", "bars.csv", "alpaca"). */
  readonly source: string;
}

export interface MarketDataPort {
  /** Latest quotes for many symbols in one call; symbols without data are absent from the map. */
  latest(symbols: readonly Symbol[]): Promise<Map<Symbol, Quote>>;
}

/** The quote midpoint, when both sides are known. */
export function quoteMid(quote: Quote | undefined): Dec | undefined {
  return quote?.bid !== undefined && quote.ask !== undefined ? (((quote.bid + quote.ask) / 2n) as Dec) : undefined;
}

/** The price a quote stands for: its last trade, else its midpoint. */
export function quotePrice(quote: Quote | undefined): Dec | undefined {
  return quote?.last ?? quoteMid(quote);
}
