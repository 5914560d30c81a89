/**
 * A fixed journal for the report tests (America/New_York, EST = UTC−5), every number worked out
 * by hand below. An account of $50,000 (house), three engine deployments funded from it:
 *
 * - `fixed` (fixed-weight, $10,000): Fri Jan 31 buys 60 AAPL and 40 MSFT at 100 (fees 0.30, 0.20);
 *   Tue Feb 4 sells the 60 AAPL at 103 (fee 0.30): a round trip of +180 realized, 0.60 fees.
 * - `trend` (momentum, $10,000): Jan 31 buys 50 NVDA at 100 (fee 0.25); Feb 4 sells 20 to `dip`
 *   inside the account at 103 (an internal cross: no fee, no broker order) and 30 at 105
 *   (fee 0.15): a round trip of +210 realized, 0.40 fees.
 * - `dip` (mean-reversion, $5,000): Mon Feb 3 buys and sells 10 AMZN at 200 / 210 (fees 0.05
 *   each): +100 realized; Feb 4 holds the 20 NVDA crossed at 103.
 *
 * Marks: Jan 31 close AAPL 101, MSFT 99, NVDA 102; Feb 3 close AAPL 102, MSFT 98, NVDA 104;
 * Feb 4 15:00 EST AAPL 104, MSFT 97.5, NVDA 106. Two rebalance runs are journaled: rb-1 (Feb 3)
 * and rb-2 (Feb 4, the cross); rb-2's summary holds the signals and the books at its end.
 *
 * The books at rb-2's end (2025-02-04T20:30Z), which the report shows:
 *   fixed: realized 180, unrealized 40 × (97.5 − 100) = −100, fees 0.80, total 79.20, equity 10,079.20
 *   trend: realized 60 + 150 = 210, unrealized 0, fees 0.40, total 209.60, equity 10,209.60
 *   dip:   realized 100, unrealized 20 × (106 − 103) = 60, fees 0.10, total 159.90, equity 5,159.90
 *   house: 25,000 cash; account: equity 50,448.70, total P&L 448.70 (return 0.8974 %)
 * Closes: Jan 31 fixed 19.50, trend 99.75, dip 0, account 119.25; Feb 3 fixed 39.50,
 * trend 199.75, dip 99.90, account 339.15 → day change +39.70, +9.85, +60.00, +109.55 and
 * month to date +59.70, +109.85, +159.90, +329.45.
 */
import { parseJournalObject } from '../../src/app/journal/journal-codec.js';
import type { LedgerService } from '../../src/app/journal/ledger-service.js';
import { Recorder } from '../../src/app/marks/recorder.js';

export const AS_OF = '2025-02-04T20:30:00.000Z';
export const CLOSES = ['2025-01-31T21:00:00.000Z', '2025-02-03T21:00:00.000Z'];

const strategy = (
  deployment: string,
  name: string,
  signal: string,
  allocation: [string, string][],
  pnl: [string, string, string, string],
  orders: number,
  crossed: string,
) => ({
  deployment,
  strategy: name,
  signal,
  allocation: allocation.map(([symbol, weight]) => ({ symbol, weight, target_qty: '0', delta: '0' })),
  equity: pnl[0],
  realized_pnl: pnl[1],
  unrealized_pnl: pnl[2],
  total_pnl: pnl[3],
  orders_placed: orders,
  orders_filled: orders,
  crossed_qty: crossed,
  fees_saved: crossed === '0' ? '0' : '0.1',
  refused: [],
});

/** rb-2's execution summary: the P&L figures are the books above, as decimal strings. */
export const RB2_SUMMARY = {
  id: 'rb-2',
  started_at: '2025-02-04T14:59:00.000Z',
  finished_at: AS_OF,
  dry_run: false,
  strategies: [
    strategy(
      'fixed',
      'fixed-weight',
      'HOLD: fixed weights MSFT 40%',
      [['MSFT', '0.4']],
      ['10079.2', '180', '-100', '79.2'],
      1,
      '0',
    ),
    strategy(
      'trend',
      'momentum',
      'BEARISH: NVDA momentum -0.50%, to cash',
      [],
      ['10209.6', '210', '0', '209.6'],
      1,
      '20',
    ),
    strategy(
      'dip',
      'mean-reversion',
      'BULLISH: NVDA -1.20% over 30 prices, expecting a reversion',
      [['NVDA', '0.4']],
      ['5159.9', '100', '60', '159.9'],
      0,
      '20',
    ),
  ],
  symbols: [
    {
      symbol: 'NVDA',
      reference_price: '103',
      reference_source: 'quote_mid:sim',
      crossed: [
        { deployment: 'trend', side: 'sell', qty: '20' },
        { deployment: 'dip', side: 'buy', qty: '20' },
      ],
      broker: null,
      unsent_residual: null,
    },
  ],
  unpriced_symbols: [],
  unknown_strategies: [],
  account: {
    reconciled: true,
    differences: [
      { item: 'cash', broker: '44428.7', books: '44428.7', difference: '0' },
      { item: 'MSFT', broker: '40', books: '40', difference: '0' },
      { item: 'NVDA', broker: '20', books: '20', difference: '0' },
    ],
  },
};

const RB1_SUMMARY = {
  ...RB2_SUMMARY,
  id: 'rb-1',
  started_at: '2025-02-03T14:59:00.000Z',
  finished_at: '2025-02-03T15:00:00.000Z',
  strategies: RB2_SUMMARY.strategies.map((s) => ({
    ...s,
    signal: `${s.signal} (Feb 3)`,
    orders_placed: 0,
    orders_filled: 0,
    crossed_qty: '0',
    fees_saved: '0',
  })),
  symbols: [],
};

const order = (id: string, deployment: string, symbol: string, side: string, qty: string, ts: string) => ({
  type: 'order_submitted',
  id,
  deployment,
  symbol,
  side,
  qty,
  order_type: 'market',
  limit_price: null,
  time_in_force: 'day',
  reserve_price: '100',
  idempotency_key: null,
  ts,
});
const filled = (id: string, qty: string, price: string, ts: string) => ({
  type: 'order_updated',
  id,
  status: 'filled',
  filled_qty: qty,
  filled_avg_price: price,
  broker_order_id: `b-${id}`,
  reason: null,
  ts,
});

export const FIXED_JOURNAL: object[] = [
  {
    type: 'deployment',
    deployment: 'house',
    initial_capital: '50000',
    name: 'House',
    strategy: 'house',
    ts: '2025-01-30T14:00:00Z',
  },
  {
    type: 'deployment',
    deployment: 'fixed',
    initial_capital: '10000',
    name: 'Fixed 60/40',
    strategy: 'fixed-weight',
    ts: '2025-01-30T14:00:00Z',
  },
  { type: 'capital_flow', id: 'allocate:fixed', deployment: 'house', amount: '-10000', ts: '2025-01-30T14:00:00Z' },
  {
    type: 'deployment',
    deployment: 'trend',
    initial_capital: '10000',
    name: 'Trend',
    strategy: 'momentum',
    ts: '2025-01-30T14:00:00Z',
  },
  { type: 'capital_flow', id: 'allocate:trend', deployment: 'house', amount: '-10000', ts: '2025-01-30T14:00:00Z' },
  {
    type: 'deployment',
    deployment: 'dip',
    initial_capital: '5000',
    name: 'Dip',
    strategy: 'mean-reversion',
    ts: '2025-01-30T14:00:00Z',
  },
  { type: 'capital_flow', id: 'allocate:dip', deployment: 'house', amount: '-5000', ts: '2025-01-30T14:00:00Z' },
  // Fri Jan 31
  {
    type: 'fill',
    id: 'e1',
    deployment: 'fixed',
    symbol: 'AAPL',
    side: 'buy',
    qty: '60',
    price: '100',
    fee: '0.30',
    ts: '2025-01-31T15:00:00Z',
  },
  {
    type: 'fill',
    id: 'e2',
    deployment: 'fixed',
    symbol: 'MSFT',
    side: 'buy',
    qty: '40',
    price: '100',
    fee: '0.20',
    ts: '2025-01-31T15:00:00Z',
  },
  {
    type: 'fill',
    id: 'e3',
    deployment: 'trend',
    symbol: 'NVDA',
    side: 'buy',
    qty: '50',
    price: '100',
    fee: '0.25',
    ts: '2025-01-31T15:00:00Z',
  },
  { type: 'mark', symbol: 'AAPL', price: '101', ts: '2025-01-31T21:00:00Z' },
  { type: 'mark', symbol: 'MSFT', price: '99', ts: '2025-01-31T21:00:00Z' },
  { type: 'mark', symbol: 'NVDA', price: '102', ts: '2025-01-31T21:00:00Z' },
  // Mon Feb 3
  { type: 'rebalance_completed', id: 'rb-1', summary: RB1_SUMMARY, ts: '2025-02-03T15:00:00Z' },
  {
    type: 'fill',
    id: 'e4',
    deployment: 'dip',
    symbol: 'AMZN',
    side: 'buy',
    qty: '10',
    price: '200',
    fee: '0.05',
    ts: '2025-02-03T15:30:00Z',
  },
  {
    type: 'fill',
    id: 'e5',
    deployment: 'dip',
    symbol: 'AMZN',
    side: 'sell',
    qty: '10',
    price: '210',
    fee: '0.05',
    ts: '2025-02-03T16:00:00Z',
  },
  { type: 'mark', symbol: 'AAPL', price: '102', ts: '2025-02-03T21:00:00Z' },
  { type: 'mark', symbol: 'MSFT', price: '98', ts: '2025-02-03T21:00:00Z' },
  { type: 'mark', symbol: 'NVDA', price: '104', ts: '2025-02-03T21:00:00Z' },
  // Tue Feb 4: rb-2 crosses 20 NVDA from trend to dip, fixed and trend sell through the broker
  {
    type: 'fill',
    id: 'cross:rb-2:NVDA',
    symbol: 'NVDA',
    price: '103',
    ts: '2025-02-04T15:00:00Z',
    legs: [
      { deployment: 'trend', side: 'sell', qty: '20' },
      { deployment: 'dip', side: 'buy', qty: '20' },
    ],
  },
  order('s.fixed.o1', 'fixed', 'AAPL', 'sell', '60', '2025-02-04T15:04:00Z'),
  {
    type: 'fill',
    id: 'e6',
    deployment: 'fixed',
    symbol: 'AAPL',
    side: 'sell',
    qty: '60',
    price: '103',
    fee: '0.30',
    ts: '2025-02-04T15:05:00Z',
    order_id: 's.fixed.o1',
  },
  filled('s.fixed.o1', '60', '103', '2025-02-04T15:05:00Z'),
  order('s.trend.o1', 'trend', 'NVDA', 'sell', '30', '2025-02-04T15:09:00Z'),
  {
    type: 'fill',
    id: 'e7',
    deployment: 'trend',
    symbol: 'NVDA',
    side: 'sell',
    qty: '30',
    price: '105',
    fee: '0.15',
    ts: '2025-02-04T15:10:00Z',
    order_id: 's.trend.o1',
  },
  filled('s.trend.o1', '30', '105', '2025-02-04T15:10:00Z'),
  { type: 'mark', symbol: 'AAPL', price: '104', ts: '2025-02-04T20:00:00Z' },
  { type: 'mark', symbol: 'MSFT', price: '97.5', ts: '2025-02-04T20:00:00Z' },
  { type: 'mark', symbol: 'NVDA', price: '106', ts: '2025-02-04T20:00:00Z' },
  { type: 'rebalance_completed', id: 'rb-2', summary: RB2_SUMMARY, ts: AS_OF },
];

/**
 * Journals the events (as the running app wrote them: with its own rebalance runs and orders,
 * which `subledger import` refuses), then writes the two day closes and the rebalance runs'
 * history rows (as the running app would).
 */
export async function loadFixedJournal(service: LedgerService): Promise<void> {
  const events = FIXED_JOURNAL.map((o) => {
    const parsed = parseJournalObject(o);
    if ('problems' in parsed) throw new Error(JSON.stringify(parsed.problems));
    return parsed.event;
  });
  await service.append(events, { snapshotAt: events.reduce((max, e) => (e.ts > max ? e.ts : max), '') });
  const recorder = new Recorder(service);
  await recorder.closeDays(CLOSES);
  await recorder.appendHistory('rebalance', '2025-02-03T15:00:00.000Z');
  await recorder.appendHistory('rebalance', AS_OF);
}
