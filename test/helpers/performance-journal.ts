/**
 * A fixed journal for the pinned statistics (LEAN's "expected statistics" idea), six trading days
 * from Monday 2025-01-06 to Monday 2025-01-13, closes at 21:00 UTC:
 *
 * - `sharpe` (strategy alpha): all-in 100 X @ 100; closing marks give daily returns
 *   [1 %, −2 %, 1.5 %, −0.5 %, 2 %, −1 %] → Sharpe 1.6846, Sortino 2.8284, max drawdown −2.00 %
 *   (ACCOUNTING.md §6).
 * - `flows` (strategy beta): 10,000 → 10,200; +5,000 deposited at the start of day 2; 15,300;
 *   15,000 → TWR 0.6579 % over the first three days (flat afterwards).
 * - `trader` (strategy alpha): three round trips in Y, net of fees +49, −11, +10.
 */
import { importJournal } from '../../src/app/journal/import-journal.js';
import type { LedgerService } from '../../src/app/journal/ledger-service.js';

const day = ['2025-01-06', '2025-01-07', '2025-01-08', '2025-01-09', '2025-01-10', '2025-01-13'];
const close = (i: number) => `${day[i]}T21:00:00Z`;
const at = (i: number, hm: string) => `${day[i]}T${hm}:00Z`;

export const PERFORMANCE_JOURNAL: object[] = [
  { type: 'deployment', deployment: 'sharpe', initial_capital: '10000', strategy: 'alpha', ts: at(0, '14:00') },
  { type: 'deployment', deployment: 'trader', initial_capital: '1000', strategy: 'alpha', ts: at(0, '14:00') },
  { type: 'deployment', deployment: 'flows', initial_capital: '10000', strategy: 'beta', ts: at(0, '14:00') },
  {
    type: 'fill',
    id: 's1',
    deployment: 'sharpe',
    symbol: 'X',
    side: 'buy',
    qty: '100',
    price: '100',
    ts: at(0, '14:30'),
  },
  {
    type: 'fill',
    id: 'f1',
    deployment: 'flows',
    symbol: 'Z',
    side: 'buy',
    qty: '100',
    price: '100',
    ts: at(0, '14:30'),
  },
  { type: 'mark', symbol: 'X', price: '101', ts: close(0) },
  { type: 'mark', symbol: 'Z', price: '102', ts: close(0) },
  { type: 'capital_flow', id: 'dep1', deployment: 'flows', amount: '5000', ts: at(1, '14:00') },
  {
    type: 'fill',
    id: 't1',
    deployment: 'trader',
    symbol: 'Y',
    side: 'buy',
    qty: '10',
    price: '50',
    ts: at(1, '15:00'),
  },
  { type: 'mark', symbol: 'X', price: '98.98', ts: close(1) },
  { type: 'mark', symbol: 'Z', price: '103', ts: close(1) },
  {
    type: 'fill',
    id: 't2',
    deployment: 'trader',
    symbol: 'Y',
    side: 'sell',
    qty: '10',
    price: '55',
    fee: '1',
    ts: at(2, '15:00'),
  },
  { type: 'mark', symbol: 'X', price: '100.4647', ts: close(2) },
  { type: 'mark', symbol: 'Z', price: '100', ts: close(2) },
  {
    type: 'fill',
    id: 't3',
    deployment: 'trader',
    symbol: 'Y',
    side: 'buy',
    qty: '5',
    price: '60',
    fee: '0.5',
    ts: at(3, '15:00'),
  },
  { type: 'mark', symbol: 'X', price: '99.962377', ts: close(3) },
  {
    type: 'fill',
    id: 't4',
    deployment: 'trader',
    symbol: 'Y',
    side: 'sell',
    qty: '5',
    price: '58',
    fee: '0.5',
    ts: at(4, '15:00'),
  },
  { type: 'mark', symbol: 'X', price: '101.96162454', ts: close(4) },
  { type: 'fill', id: 't5', deployment: 'trader', symbol: 'Y', side: 'buy', qty: '2', price: '40', ts: at(5, '15:00') },
  {
    type: 'fill',
    id: 't6',
    deployment: 'trader',
    symbol: 'Y',
    side: 'sell',
    qty: '2',
    price: '45',
    ts: at(5, '16:00'),
  },
  { type: 'mark', symbol: 'X', price: '100.9420082946', ts: close(5) },
];

export const PERFORMANCE_CLOSES = day.map((_, i) => new Date(close(i)).toISOString());

/** Imports the journal into `service` (throws on any problem). */
export async function importPerformanceJournal(service: LedgerService): Promise<void> {
  const result = await importJournal(service, PERFORMANCE_JOURNAL.map((o) => JSON.stringify(o)).join('\n'));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
}
