/** Terse builders for ledger events in tests: decimal strings in, core events out. */
import { dec } from '../../src/core/decimal.js';
import type { CostMethod, FeeCurrency, LedgerEvent, Side } from '../../src/core/events.js';
import { type DeploymentId, type FillId, type Symbol } from '../../src/core/ids.js';
import { applyEvent, newLedger, type Ledger } from '../../src/core/ledger.js';

let counter = 0;
const T0 = Date.UTC(2025, 0, 2, 15, 0, 0);
/** A deterministic, increasing event time. */
export const nextTs = () => new Date(T0 + 1000 * counter++).toISOString();

export const deployment = (id: string, capital: string, costMethod: CostMethod = 'average'): LedgerEvent => ({
  type: 'deployment',
  deployment: id as DeploymentId,
  initialCapital: dec(capital),
  costMethod,
  ts: nextTs(),
});

export function fill(
  id: string,
  who: string,
  symbol: string,
  side: Side,
  qty: string,
  price: string,
  fee = '0',
  feeCurrency: FeeCurrency = 'quote',
): LedgerEvent {
  return {
    type: 'fill',
    id: id as FillId,
    symbol: symbol as Symbol,
    price: dec(price),
    ts: nextTs(),
    legs: [{ deployment: who as DeploymentId, side, qty: dec(qty), fee: dec(fee), feeCurrency }],
  };
}

export const mark = (symbol: string, price: string): LedgerEvent => ({
  type: 'mark',
  symbol: symbol as Symbol,
  price: dec(price),
  ts: nextTs(),
  source: 'test',
});

export const split = (symbol: string, ratio: string): LedgerEvent => ({
  type: 'split',
  symbol: symbol as Symbol,
  ratio: dec(ratio),
  ts: nextTs(),
});

export const dividend = (symbol: string, amount: string): LedgerEvent => ({
  type: 'dividend',
  symbol: symbol as Symbol,
  amountPerShare: dec(amount),
  ts: nextTs(),
});

export const flow = (id: string, who: string, amount: string): LedgerEvent => ({
  type: 'capital_flow',
  id,
  deployment: who as DeploymentId,
  amount: dec(amount),
  ts: nextTs(),
});

/** Folds events into a fresh ledger. */
export function fold(events: readonly LedgerEvent[]): Ledger {
  const ledger = newLedger();
  for (const event of events) applyEvent(ledger, event);
  return ledger;
}
