/**
 * Field checks on a new order, before any account rule: the broker's 4xx answers for malformed
 * input (FACTS.md §1.3–1.4).
 *
 * Entry point: `validateOrder(request, knownSymbols, duplicateClientId)`.
 * Invariant: pure; returns the first problem as a `Rejection`, or undefined.
 */
import type { OrderRequest } from '../app/ports/broker-port.js';
import type { Symbol } from '../core/ids.js';
import { isOnTick } from './ticks.js';
import {
  type Rejection,
  rejectDuplicateClientOrderId,
  rejectInvalidOrder,
  rejectSubPenny,
  rejectUnknownSymbol,
} from './rejections.js';

/** Alpaca's current limit (FACTS §1.1); Subledger itself stays at 48. */
const MAX_CLIENT_ORDER_ID = 128;
/** Quantities have at most 9 decimals: a multiple of 10^-9, i.e. of 10^9 Dec units. */
const QTY_UNIT = 10n ** 9n;

export function validateOrder(
  request: OrderRequest,
  knownSymbols: readonly Symbol[],
  duplicateClientId: boolean,
): Rejection | undefined {
  const id = request.clientOrderId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CLIENT_ORDER_ID) {
    return rejectInvalidOrder(`client_order_id must be 1–${MAX_CLIENT_ORDER_ID} characters`);
  }
  if (duplicateClientId) return rejectDuplicateClientOrderId();
  if (!knownSymbols.includes(request.symbol)) return rejectUnknownSymbol(request.symbol);
  if (request.side !== 'buy' && request.side !== 'sell') return rejectInvalidOrder('side must be buy or sell');
  if (request.type !== 'market' && request.type !== 'limit') return rejectInvalidOrder('type must be market or limit');
  if (!['day', 'gtc', 'ioc'].includes(request.timeInForce))
    return rejectInvalidOrder('time_in_force must be day, gtc or ioc');
  if (typeof request.qty !== 'bigint' || request.qty <= 0n) return rejectInvalidOrder('qty must be > 0');
  if (request.qty % QTY_UNIT !== 0n) return rejectInvalidOrder('qty must have at most 9 decimal places');
  if (request.type === 'limit') {
    if (request.limitPrice === undefined || request.limitPrice <= 0n)
      return rejectInvalidOrder('limit_price is required and must be > 0 for a limit order');
    if (!isOnTick(request.limitPrice)) return rejectSubPenny('limit_price', request.limitPrice);
  } else if (request.limitPrice !== undefined) {
    return rejectInvalidOrder('limit_price must not be set for a market order');
  }
  if (request.stopPrice !== undefined && (request.stopPrice <= 0n || !isOnTick(request.stopPrice)))
    return request.stopPrice <= 0n
      ? rejectInvalidOrder('stop_price must be > 0')
      : rejectSubPenny('stop_price', request.stopPrice);
  const trail = request.trailPrice ?? request.trailPercent;
  if (trail !== undefined && (trail <= 0n || request.type !== 'market' || request.stopPrice !== undefined))
    return rejectInvalidOrder('a trailing stop takes one positive trail_price or trail_percent and no other price');
  return undefined;
}
