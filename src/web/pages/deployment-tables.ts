/**
 * The deployment page's tables: positions (with weight in the sleeve), trades (realized P&L per
 * closing trade), orders (status and rejection reason), capital flows, the daily history and the
 * gateway keys (id, status, last request; the API never answers a secret).
 * Column definitions only; the page (deployment.ts) loads the data and places them.
 */
import type { CapitalFlowView, GatewayKeyView, HistoryView, OrderView, PositionView, TradePage } from '../api.js';
import { type Column, h } from '../dom.js';
import { DASH, age, money, percent, qty, ratioPercent, weight, when } from '../format.js';
import { moneyCell, pnlCell } from '../page.js';

type Trade = TradePage['trades'][number];
type HistoryRow = HistoryView['rows'][number];

const side = (s: string) => h('span', { class: `side side-${s}` }, s);

export function positionColumns(equity: string, asOf: string): Column<PositionView>[] {
  return [
    { key: 'symbol', label: 'Symbol', cell: (p) => p.symbol },
    { key: 'qty', label: 'Qty', numeric: true, cell: (p) => ({ text: qty(p.qty), value: p.qty }) },
    {
      key: 'avg_cost',
      label: 'Avg cost',
      numeric: true,
      cell: (p) => (p.qty === '0' ? DASH : { text: money(p.avg_cost, 4), value: p.avg_cost }),
    },
    {
      key: 'mark',
      label: 'Mark',
      numeric: true,
      cell: (p) => ({ text: p.mark === null ? DASH : money(p.mark, 2), value: p.mark }),
    },
    { key: 'market_value', label: 'Value', numeric: true, cell: (p) => moneyCell(p.market_value) },
    { key: 'unrealized', label: 'Unrealized', numeric: true, cell: (p) => pnlCell(p.unrealized_pnl) },
    { key: 'realized', label: 'Realized', numeric: true, cell: (p) => pnlCell(p.realized_pnl) },
    {
      key: 'weight',
      label: 'Weight',
      numeric: true,
      cell: (p) => (p.qty === '0' ? DASH : weight(p.market_value, equity)),
    },
    {
      key: 'mark_age',
      label: 'Mark age',
      numeric: true,
      cell: (p) =>
        p.qty === '0'
          ? DASH
          : p.mark_ts === null
            ? { text: 'no mark', className: 'stale' }
            : {
                text: `${age(p.mark_ts, asOf)}${p.mark_stale ? ' (stale)' : ''}`,
                className: p.mark_stale ? 'stale' : undefined,
                title: `${when(p.mark_ts)} UTC, ${p.mark_source ?? ''}`,
              },
    },
  ];
}

export const tradeColumns: Column<Trade>[] = [
  { key: 'ts', label: 'Time (UTC)', cell: (t) => when(t.ts) },
  { key: 'symbol', label: 'Symbol', cell: (t) => t.symbol },
  { key: 'side', label: 'Side', cell: (t) => side(t.side) },
  { key: 'qty', label: 'Qty', numeric: true, cell: (t) => ({ text: qty(t.qty), value: t.qty }) },
  { key: 'price', label: 'Price', numeric: true, cell: (t) => ({ text: money(t.price, 2), value: t.price }) },
  { key: 'fee', label: 'Fee', numeric: true, cell: (t) => ({ text: money(t.fee, 2), value: t.fee }) },
  // An opening trade realizes nothing: a dash, so the closing trades' P&L stands out.
  {
    key: 'realized',
    label: 'Realized P&L',
    numeric: true,
    cell: (t) => (t.realized_pnl === '0' ? { text: DASH, value: t.realized_pnl } : pnlCell(t.realized_pnl)),
  },
  { key: 'fill', label: 'Fill', cell: (t) => h('code', {}, t.fill_id) },
];

export const orderColumns: Column<OrderView>[] = [
  { key: 'created', label: 'Created (UTC)', cell: (o) => when(o.created_at) },
  { key: 'symbol', label: 'Symbol', cell: (o) => o.symbol },
  { key: 'side', label: 'Side', cell: (o) => side(o.side) },
  { key: 'type', label: 'Type', cell: (o) => `${o.type} · ${o.time_in_force}` },
  { key: 'qty', label: 'Qty', numeric: true, cell: (o) => ({ text: qty(o.qty), value: o.qty }) },
  { key: 'limit', label: 'Limit', numeric: true, cell: (o) => ({ text: money(o.limit_price), value: o.limit_price }) },
  { key: 'status', label: 'Status', cell: (o) => h('span', { class: `badge order-${o.status}` }, o.status) },
  { key: 'filled', label: 'Filled', numeric: true, cell: (o) => ({ text: qty(o.filled_qty), value: o.filled_qty }) },
  {
    key: 'avg_price',
    label: 'Avg fill',
    numeric: true,
    cell: (o) => ({ text: money(o.filled_avg_price), value: o.filled_avg_price }),
  },
  { key: 'reason', label: 'Reason', cell: (o) => (o.reason ? h('span', { class: 'reason' }, o.reason) : DASH) },
];

export const flowColumns: Column<CapitalFlowView>[] = [
  { key: 'ts', label: 'Time (UTC)', cell: (f) => when(f.ts) },
  { key: 'amount', label: 'Amount', numeric: true, cell: (f) => pnlCell(f.amount) },
  {
    key: 'direction',
    label: 'Direction',
    cell: (f) => (f.amount.startsWith('-') ? 'withdrawn to the house' : 'added from the house'),
  },
  { key: 'id', label: 'Id', cell: (f) => h('code', {}, f.id) },
];

export const historyColumns: Column<HistoryRow>[] = [
  { key: 'period', label: 'Day', cell: (r) => r.period },
  { key: 'equity', label: 'Equity', numeric: true, cell: (r) => moneyCell(r.equity) },
  { key: 'capital', label: 'Capital', numeric: true, cell: (r) => moneyCell(r.capital) },
  { key: 'realized', label: 'Realized', numeric: true, cell: (r) => pnlCell(r.realized_pnl) },
  { key: 'unrealized', label: 'Unrealized', numeric: true, cell: (r) => pnlCell(r.unrealized_pnl) },
  { key: 'total_pnl', label: 'Total P&L', numeric: true, cell: (r) => pnlCell(r.total_pnl) },
  { key: 'pnl_change', label: 'Day P&L', numeric: true, cell: (r) => pnlCell(r.pnl_change) },
  { key: 'period_return', label: 'Day return', numeric: true, cell: (r) => pnlCell(r.period_return, ratioPercent) },
  { key: 'return', label: 'Return', numeric: true, cell: (r) => pnlCell(r.return_pct, percent) },
  { key: 'open_positions', label: 'Open positions', numeric: true, cell: (r) => String(r.open_positions) },
];

/** What "last request" says for a key not used since the server started (the API keeps it in memory). */
export const NO_REQUEST_YET = 'none since the server started';

export const gatewayKeyColumns: Column<GatewayKeyView>[] = [
  { key: 'key_id', label: 'Key id', cell: (k) => h('code', {}, k.key_id) },
  { key: 'created', label: 'Created (UTC)', cell: (k) => ({ text: when(k.created_at), value: k.created_at }) },
  {
    key: 'status',
    label: 'Status',
    cell: (k) =>
      k.revoked_at === null
        ? h('span', { class: 'badge key-active' }, 'active')
        : h('span', { class: 'badge key-revoked', 'data-value': k.revoked_at }, `revoked at ${when(k.revoked_at)} UTC`),
  },
  {
    key: 'last_request',
    label: 'Last request (UTC)',
    cell: (k) =>
      k.last_used_at === null
        ? { text: NO_REQUEST_YET, className: 'muted' }
        : { text: when(k.last_used_at), value: k.last_used_at, title: k.last_used_at },
  },
];
