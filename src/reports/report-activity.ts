/**
 * The period's trading in the report model: closed positions (round trips flat → flat closed in
 * the period, the "Recent Closed Positions P&L" section) and orders placed and crossed internally.
 * Pure functions of the gathered input and the period's bounds [from, to] (ms, inclusive).
 */
import { type Dec, ZERO, dec, toPlain } from '../core/decimal.js';
import { HOUSE } from '../core/ids.js';
import type { Activity, ActivityLine, ClosedPosition, ClosedPositions, ReportInput } from './report-model.js';

const within = (ts: string, from: number, to: number) => {
  const t = Date.parse(ts);
  return t >= from && t <= to;
};

export function buildClosedPositions(input: ReportInput, from: number, to: number): ClosedPositions {
  const strategyOf = new Map(input.sleeves.map((s) => [s.id, s.strategy]));
  const trips = input.roundTrips
    .filter((t) => within(t.closedAt, from, to))
    .sort((a, b) => Date.parse(b.closedAt) - Date.parse(a.closedAt) || b.seq - a.seq || b.idx - a.idx);
  let realized = ZERO;
  let fees = ZERO;
  const byStrategy = new Map<string, { count: number; net: Dec }>();
  const all = trips.map((t): ClosedPosition => {
    const net = (dec(t.realizedPnl) - dec(t.fees)) as Dec;
    realized = (realized + dec(t.realizedPnl)) as Dec;
    fees = (fees + dec(t.fees)) as Dec;
    const strategy = strategyOf.get(t.deploymentId) ?? (t.deploymentId === HOUSE ? 'house' : t.deploymentId);
    const g = byStrategy.get(strategy) ?? { count: 0, net: ZERO };
    byStrategy.set(strategy, { count: g.count + 1, net: (g.net + net) as Dec });
    return {
      deployment: t.deploymentId,
      strategy,
      symbol: t.symbol,
      opened_at: t.openedAt,
      closed_at: t.closedAt,
      realized_pnl: t.realizedPnl,
      fees: t.fees,
      net_pnl: toPlain(net),
    };
  });
  return {
    count: all.length,
    shown: all.slice(0, input.maxTrips ?? 25),
    realized_pnl: toPlain(realized),
    fees: toPlain(fees),
    net_pnl: toPlain((realized - fees) as Dec),
    by_strategy: [...byStrategy]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([strategy, g]) => ({ strategy, count: g.count, net_pnl: toPlain(g.net) })),
  };
}

export function buildActivity(input: ReportInput, from: number, to: number): Activity {
  const orders = input.orders.filter((o) => within(o.created_at, from, to));
  const runs = input.runs.filter((r) => !r.summary.dry_run && within(r.ts, from, to));
  const lines: ActivityLine[] = input.sleeves
    .filter((s) => s.id !== HOUSE)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => {
      const mine = orders.filter((o) => o.deployment === s.id);
      let crossed = ZERO;
      let saved = ZERO;
      for (const r of runs) {
        for (const st of r.summary.strategies) {
          if (st.deployment !== s.id) continue;
          crossed = (crossed + dec(st.crossed_qty)) as Dec;
          saved = (saved + dec(st.fees_saved)) as Dec;
        }
      }
      return {
        deployment: s.id,
        strategy: s.strategy,
        orders_placed: mine.length,
        orders_filled: mine.filter((o) => dec(o.filled_qty) > ZERO).length,
        crossed_qty: toPlain(crossed),
        fees_saved: toPlain(saved),
      };
    });
  let crossedShares = ZERO;
  for (const r of runs)
    for (const sym of r.summary.symbols)
      for (const leg of sym.crossed) if (leg.side === 'buy') crossedShares = (crossedShares + dec(leg.qty)) as Dec;
  const blocks = new Set(orders.filter((o) => o.block !== null).map((o) => o.block));
  return {
    lines,
    rebalance_runs: runs.length,
    broker_orders: orders.filter((o) => o.block === null).length + blocks.size,
    crossed_shares: toPlain(crossedShares),
    fees_saved: toPlain(lines.reduce((s, l) => s + dec(l.fees_saved), 0n) as Dec),
  };
}
