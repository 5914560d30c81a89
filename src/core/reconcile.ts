/**
 * Reconciliation: for every symbol and for cash, broker = Σ sleeves + house. Each difference is
 * reported with its amounts and the likely cause, never absorbed (DESIGN.md §5).
 * Entry point: `reconcile(broker, books)`; pure.
 */
import { type Dec, ZERO, abs, div, isMultipleOf, toPlain } from './decimal.js';

export interface Holding {
  readonly symbol: string;
  readonly qty: Dec;
}

export interface Difference {
  readonly item: string;
  readonly broker: string;
  readonly books: string;
  readonly difference: string;
  readonly likely_cause: string | null;
}

const ONE = (10n ** 18n) as Dec;

/** Why a symbol's quantity differs, as far as the numbers tell. */
function symbolCause(broker: Dec, books: Dec): string {
  if (books === 0n)
    return 'a position opened outside Subledger (a manual trade or another tool): book it to the house, or backfill the fills';
  if (broker === 0n) return 'the broker holds none: closed outside Subledger, or the closing fills are not booked yet';
  if (broker !== 0n && books !== 0n && broker > 0n === books > 0n) {
    const ratio = div(abs(broker), abs(books));
    if (isMultipleOf(ratio, ONE) || isMultipleOf(div(ONE, ratio), ONE)) {
      if (ratio !== ONE) return `a split (ratio ${toPlain(ratio)}) the books have not applied yet`;
    }
  }
  return 'fills not booked yet (stream delay; the backfill catches up) or executed outside Subledger';
}

export function reconcile(
  broker: { cash: Dec; positions: readonly Holding[] },
  books: { cash: Dec; positions: readonly Holding[] },
): { reconciled: boolean; differences: Difference[] } {
  const symbols = [
    ...new Set([...broker.positions.map((p) => p.symbol), ...books.positions.map((p) => p.symbol)]),
  ].sort();
  const qty = (list: readonly Holding[], symbol: string) => list.find((p) => p.symbol === symbol)?.qty ?? ZERO;
  const differences: Difference[] = [];
  let symbolDrift = false;
  for (const symbol of symbols) {
    const b = qty(broker.positions, symbol);
    const k = qty(books.positions, symbol);
    const d = (b - k) as Dec;
    if (d !== 0n) symbolDrift = true;
    differences.push({
      item: symbol,
      broker: toPlain(b),
      books: toPlain(k),
      difference: toPlain(d),
      likely_cause: d === 0n ? null : symbolCause(b, k),
    });
  }
  const cashDiff = (broker.cash - books.cash) as Dec;
  differences.unshift({
    item: 'cash',
    broker: toPlain(broker.cash),
    books: toPlain(books.cash),
    difference: toPlain(cashDiff),
    likely_cause:
      cashDiff === 0n
        ? null
        : symbolDrift
          ? 'follows the position differences (their fills move cash too)'
          : 'cash moved outside trading: broker fees or interest, a deposit or withdrawal, or a dividend not booked yet',
  });
  return { reconciled: differences.every((d) => d.difference === '0'), differences };
}
