/**
 * Projection rows from the ledger: the seed's tables as the store keeps them. Pure functions of
 * the ledger state, so a replay of the journal produces exactly the rows the live path wrote.
 */
import { type Dec, toPlain } from '../../core/decimal.js';
import { returnPercent } from '../../core/figures.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import type { Ledger, Sleeve, TradeBooked } from '../../core/ledger.js';
import type { Lot, PositionState, RoundTrip } from '../../core/position.js';
import { averageCostText, sleeveTotals } from '../../core/valuation.js';
import type { DeploymentSettings } from './journal-codec.js';
import type { OrderState } from '../../core/orders.js';
import type {
  BalanceRow,
  DeploymentRow,
  MarkRow,
  MetricsRow,
  OrderRow,
  PositionRow,
  RoundTripRow,
  TradeRow,
} from '../ports/store-port.js';

export type DeploymentStatus = 'active' | 'paused' | 'stopped';

export interface DeploymentInfo extends DeploymentSettings {
  readonly status: DeploymentStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function deploymentRow(sleeve: Sleeve, info: DeploymentInfo): DeploymentRow {
  return {
    id: sleeve.deployment,
    name: info.name,
    strategy: info.strategy,
    initialCapital: toPlain(sleeve.initialCapital),
    costMethod: sleeve.costMethod,
    status: info.status,
    limits: JSON.stringify(info.limits),
    createdAt: info.createdAt,
    updatedAt: info.updatedAt,
  };
}

export function balanceRow(sleeve: Sleeve): BalanceRow {
  return { deploymentId: sleeve.deployment, cash: toPlain(sleeve.cash), capitalFlows: toPlain(sleeve.flows) };
}

export function positionRow(deployment: DeploymentId, pos: PositionState): PositionRow {
  return {
    deploymentId: deployment,
    symbol: pos.symbol,
    qty: toPlain(pos.qty),
    costBasis: toPlain(pos.cost),
    avgCost: averageCostText(pos.cost, pos.qty), // the average method's, as a view shows it
    realizedPnlAverage: toPlain(pos.realizedAverage),
    realizedPnlFifo: toPlain(pos.realizedFifo),
    fees: toPlain(pos.fees),
    dividends: toPlain(pos.dividends),
    lots: lotsText(pos.lots),
    trip: tripText(pos.tripOpenedAt, pos.tripRealized, pos.tripFees),
  };
}

/** `JSON.stringify({ openedAt, realized, fees })` of the current round trip, "null" when flat. */
function tripText(openedAt: string | null, realized: Dec, fees: Dec): string {
  if (openedAt === null) return 'null';
  return `{"openedAt":${JSON.stringify(openedAt)},"realized":"${toPlain(realized)}","fees":"${toPlain(fees)}"}`;
}

/**
 * `JSON.stringify(lots.map((l) => [toPlain(l.qty), toPlain(l.cost), l.ts]))`, printed afresh: a
 * lot's text kept in a WeakMap (and a position's last row, likewise) cost more in the young
 * generation's collections than it saved in printing (bench/ingest-memory.ts: 3.9 → 2.9 s of CPU
 * for 100,000 fills without them).
 */
function lotsText(lots: readonly Lot[]): string {
  if (lots.length === 0) return '[]';
  let text = '[';
  for (let i = 0; i < lots.length; i++) {
    const lot = lots[i]!;
    text += `${i === 0 ? '' : ','}["${toPlain(lot.qty)}","${toPlain(lot.cost)}",${JSON.stringify(lot.ts)}]`;
  }
  return `${text}]`;
}

export function tradeRow(trade: TradeBooked, seq: number): TradeRow {
  return {
    fillId: trade.fillId,
    leg: trade.leg,
    seq,
    deploymentId: trade.deployment,
    symbol: trade.symbol,
    side: trade.side,
    qty: toPlain(trade.qty),
    price: toPlain(trade.price),
    fee: toPlain(trade.fee),
    feeCurrency: trade.feeCurrency,
    feeExpense: toPlain(trade.feeExpense),
    realizedPnl: toPlain(trade.realizedPnl),
    realizedPnlAverage: toPlain(trade.realizedAverage),
    realizedPnlFifo: toPlain(trade.realizedFifo),
    orderId: trade.orderId,
    ts: trade.ts,
  };
}

export function orderRow(o: OrderState): OrderRow {
  return {
    id: o.id,
    deploymentId: o.deployment,
    brokerOrderId: o.brokerOrderId,
    symbol: o.symbol,
    side: o.side,
    qty: toPlain(o.qty),
    orderType: o.orderType,
    limitPrice: o.limitPrice === null ? null : toPlain(o.limitPrice),
    timeInForce: o.timeInForce,
    reservePrice: toPlain(o.reservePrice),
    status: o.status,
    filledQty: toPlain(o.filledQty),
    filledAvgPrice: o.filledAvgPrice === null ? null : toPlain(o.filledAvgPrice),
    reason: o.reason,
    idempotencyKey: o.idempotencyKey,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

export function markRow(ledger: Ledger, symbol: Symbol): MarkRow {
  const mark = ledger.marks.get(symbol)!;
  return {
    symbol,
    price: toPlain(mark.price),
    splitDivisor: mark.splitDivisor === undefined ? null : toPlain(mark.splitDivisor),
    ts: mark.ts,
    source: mark.source,
  };
}

export function roundTripRow(trip: RoundTrip & { deployment: DeploymentId }, seq: number, idx: number): RoundTripRow {
  return {
    seq,
    idx,
    deploymentId: trip.deployment,
    symbol: trip.symbol,
    openedAt: trip.openedAt,
    closedAt: trip.closedAt,
    realizedPnl: toPlain(trip.realized),
    fees: toPlain(trip.fees),
  };
}

/** A `deployment_metrics` snapshot of a sleeve at the current marks, by its own cost method. */
export function metricsRow(ledger: Ledger, sleeve: Sleeve, ts: string): MetricsRow {
  const v = sleeveTotals(sleeve, ledger.marks);
  return {
    deploymentId: sleeve.deployment,
    ts,
    cash: toPlain(v.cash),
    positionsValue: toPlain(v.positionsValue),
    equity: toPlain(v.equity),
    realizedPnl: toPlain(v.realized),
    unrealizedPnl: toPlain(v.unrealized),
    fees: toPlain(v.fees),
    dividends: toPlain(v.dividends),
    totalPnl: toPlain(v.totalPnl),
    returnPct: returnPercent(v.totalPnl, v.capital),
  };
}
