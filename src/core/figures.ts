/**
 * The figures every sleeve, strategy and account line reports (DESIGN.md §4), and their sums.
 *
 * Entry points: `Figures`, `NO_FIGURES`, `addFigures`, `sumFigures`, `returnPercent`.
 * Guarantees: sums are exact (bigint); a sum of figures that each satisfy
 * equity = cash + positions value = capital + total P&L and
 * total P&L = realized + unrealized − fees + dividends satisfies them too.
 */
import { type Dec, ZERO, percentString } from './decimal.js';

export interface Figures {
  /** initial + flows: the capital the return is measured against. */
  readonly capital: Dec;
  readonly cash: Dec;
  readonly positionsValue: Dec;
  /** cash + positions value. */
  readonly equity: Dec;
  readonly realized: Dec;
  readonly unrealized: Dec;
  readonly fees: Dec;
  readonly dividends: Dec;
  /** realized + unrealized − fees + dividends. */
  readonly totalPnl: Dec;
}

export type FigureName = keyof Figures;

/** Every figure, in the order the views print them. */
export const FIGURE_NAMES: readonly FigureName[] = [
  'capital',
  'cash',
  'positionsValue',
  'equity',
  'realized',
  'unrealized',
  'fees',
  'dividends',
  'totalPnl',
];

/** The figures of nothing (an empty sum). */
export const NO_FIGURES: Figures = {
  capital: ZERO,
  cash: ZERO,
  positionsValue: ZERO,
  equity: ZERO,
  realized: ZERO,
  unrealized: ZERO,
  fees: ZERO,
  dividends: ZERO,
  totalPnl: ZERO,
};

/** a + b, figure by figure (only the figures: a sleeve's other fields are not copied). */
export function addFigures(a: Figures, b: Figures): Figures {
  return {
    capital: (a.capital + b.capital) as Dec,
    cash: (a.cash + b.cash) as Dec,
    positionsValue: (a.positionsValue + b.positionsValue) as Dec,
    equity: (a.equity + b.equity) as Dec,
    realized: (a.realized + b.realized) as Dec,
    unrealized: (a.unrealized + b.unrealized) as Dec,
    fees: (a.fees + b.fees) as Dec,
    dividends: (a.dividends + b.dividends) as Dec,
    totalPnl: (a.totalPnl + b.totalPnl) as Dec,
  };
}

/**
 * Σ of `items`, figure by figure; `NO_FIGURES` when there are none. With `names`, only those
 * figures are summed (for shapes that carry some of them, e.g. a report's sleeves without cash),
 * and the result has them in that order.
 */
export function sumFigures(items: Iterable<Figures>): Figures;
export function sumFigures<K extends FigureName>(
  items: Iterable<Pick<Figures, K>>,
  names: readonly K[],
): Pick<Figures, K>;
export function sumFigures(items: Iterable<Partial<Figures>>, names?: readonly FigureName[]): Partial<Figures> {
  if (!names) {
    let total = NO_FIGURES;
    for (const item of items as Iterable<Figures>) total = addFigures(total, item);
    return total;
  }
  const total: Partial<Record<FigureName, bigint>> = {};
  for (const n of names) total[n] = 0n;
  for (const item of items) for (const n of names) total[n]! += item[n]!;
  return total as Partial<Figures>;
}

/** Return % = total P&L ÷ capital × 100, to 4 dp ("0.7500"); "0.0000" when capital is 0. */
export function returnPercent(totalPnl: Dec, capital: Dec): string {
  return percentString(totalPnl, capital, 4);
}
