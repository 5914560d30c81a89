/**
 * Every reason the simulated broker refuses an order or a cancel, with Alpaca's exact words
 * where FACTS.md records them (/work/shared/alpaca/FACTS.md §0, §1.4, §3, §4). The one place
 * these strings live: the paper broker throws them as `BrokerRejection`s and the Alpaca emulator
 * turns them into HTTP error bodies `{code: alpacaCode, message}` with `httpStatus`.
 *
 * Entry points: `Rejection`, `RejectionCode`, the `reject*` builders.
 * Invariant: `message` is the broker's text (what Alpaca would say), `code` is Subledger's stable
 * code. Wording marked UNCERTAIN in a comment is ours where FACTS.md has no observed message.
 */
import { type Dec, toPlain } from '../core/decimal.js';

export type RejectionCode =
  | 'duplicate_client_order_id'
  | 'invalid_order'
  | 'sub_penny_price'
  | 'unknown_symbol'
  | 'wash_trade'
  | 'position_flip'
  | 'opposite_order_open'
  | 'insufficient_qty'
  | 'insufficient_buying_power'
  | 'order_not_found'
  | 'order_not_cancelable';

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
  readonly httpStatus: number;
  /** Alpaca's 8-digit error code (first three digits: the HTTP status, except 40010001 → 422). */
  readonly alpacaCode: number;
}

const rejection = (code: RejectionCode, httpStatus: number, alpacaCode: number, message: string): Rejection => ({
  code,
  message,
  httpStatus,
  alpacaCode,
});

/** FACTS §0.1 [obs]: 422 with code 40010001, also after the first order was canceled. */
export const rejectDuplicateClientOrderId = () =>
  rejection('duplicate_client_order_id', 422, 40010001, 'client_order_id must be unique');

/** FACTS §4 [doc]: an opposite-side open order in the same symbol could trade against it. */
export const rejectWashTrade = () =>
  rejection('wash_trade', 403, 40310000, 'potential wash trade detected. use complex orders');

/** FACTS §3 [obs]: the sell exceeds position minus shares held by open sell orders. */
export const rejectInsufficientQty = (requested: Dec, available: Dec) =>
  rejection(
    'insufficient_qty',
    403,
    40310000,
    `insufficient qty available for order (requested: ${toPlain(requested)}, available: ${toPlain(available)})`,
  );

/**
 * FACTS §3 [doc]: "An order that would flip your position … from long to short or short to long
 * is not supported and will return a 403 Forbidden." The exact message is UNCERTAIN (not
 * observed); this wording is ours.
 */
export const rejectPositionFlip = (from: 'long' | 'short') =>
  rejection(
    'position_flip',
    403,
    40310000,
    `order would flip the position from ${from} to ${from === 'long' ? 'short' : 'long'}; close the position first`,
  );

/** FACTS §3 [obs]: flat (or opening) with a pending opposite opening order. */
export const rejectOppositeOrderOpen = (side: 'buy' | 'sell') =>
  rejection(
    'opposite_order_open',
    403,
    40310000,
    side === 'sell'
      ? 'cannot open a short sell while a long buy order is open'
      : 'cannot open a long buy while a short sell order is open',
  );

/** FACTS §3 [obs]. */
export const rejectInsufficientBuyingPower = () =>
  rejection('insufficient_buying_power', 403, 40310000, 'insufficient buying power');

/** FACTS §1.4 [doc]: prices ≥ $1 at most 2 decimals, below $1 at most 4. */
export const rejectSubPenny = (field: 'limit_price' | 'stop_price' | 'trail_price', price: Dec) =>
  rejection(
    'sub_penny_price',
    422,
    42210000,
    `invalid ${field} ${toPlain(price)}. sub-penny increment does not fulfill minimum pricing criteria`,
  );

/** Malformed order fields. Wording ours (Alpaca answers 422 "Input parameters are not recognized"). */
export const rejectInvalidOrder = (problem: string) => rejection('invalid_order', 422, 42210000, problem);

/** Wording UNCERTAIN: Alpaca answers 422 for an unknown asset; the exact text is not recorded. */
export const rejectUnknownSymbol = (symbol: string) =>
  rejection('unknown_symbol', 422, 42210000, `asset "${symbol}" not found`);

/** FACTS §5: the 404 text and code are UNCERTAIN. */
export const rejectOrderNotFound = () => rejection('order_not_found', 404, 40410000, 'order not found');

/** FACTS §1.4: DELETE answers 422 when the order is not cancelable; wording UNCERTAIN. */
export const rejectNotCancelable = (status: string) =>
  rejection('order_not_cancelable', 422, 42210000, `order is already in "${status}" state`);
