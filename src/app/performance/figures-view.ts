/**
 * The figures (src/core/figures.ts) as users see them: snake_case exact decimal strings. Every
 * view that shows them (sleeve, history, snapshots, report lines, execution summaries) derives its
 * type from `FiguresView` and takes its values from `figuresView` (or, for rows the store already
 * holds as strings, `storedFiguresView`), so the names, the order and the return rule are one.
 *
 * Entry points: `figuresView`, `pickView`, `storedFiguresView`, `FIGURE_COLUMNS`, `SNAPSHOT_COLUMNS`, `PNL_COLUMNS`.
 */
import { toPlain } from '../../core/decimal.js';
import { type Figures, returnPercent } from '../../core/figures.js';
import type { MetricsRow } from '../ports/store-port.js';

/** The key order is the JSON key order of every view built from it. */
export interface FiguresView {
  /** initial capital + capital flows. */
  capital: string;
  cash: string;
  positions_value: string;
  equity: string;
  realized_pnl: string;
  unrealized_pnl: string;
  fees: string;
  dividends: string;
  total_pnl: string;
  /** total P&L ÷ capital × 100, 4 dp. */
  return_pct: string;
}

/** The P&L figures: the names of `FiguresView` after capital and the balances, in its order. */
export const PNL_COLUMNS = [
  'realized_pnl',
  'unrealized_pnl',
  'fees',
  'dividends',
  'total_pnl',
  'return_pct',
] as const satisfies readonly (keyof FiguresView)[];

/** The figures a `deployment_metrics` snapshot holds: all but capital, in `FiguresView`'s order. */
export const SNAPSHOT_COLUMNS = [
  'cash',
  'positions_value',
  'equity',
  ...PNL_COLUMNS,
] as const satisfies readonly (keyof FiguresView)[];

/** The names of `FiguresView`, in its order (CSV columns, response schemas). */
export const FIGURE_COLUMNS = ['capital', ...SNAPSHOT_COLUMNS] as const satisfies readonly (keyof FiguresView)[];

export function figuresView(f: Figures): FiguresView {
  return {
    capital: toPlain(f.capital),
    cash: toPlain(f.cash),
    positions_value: toPlain(f.positionsValue),
    equity: toPlain(f.equity),
    realized_pnl: toPlain(f.realized),
    unrealized_pnl: toPlain(f.unrealized),
    fees: toPlain(f.fees),
    dividends: toPlain(f.dividends),
    total_pnl: toPlain(f.totalPnl),
    return_pct: returnPercent(f.totalPnl, f.capital),
  };
}

/** Some figures of a view, in the order of `names` (the key order of the JSON they go into). */
export function pickView<K extends keyof FiguresView>(view: FiguresView, names: readonly K[]): Pick<FiguresView, K> {
  const out = {} as Pick<FiguresView, K>;
  for (const n of names) out[n] = view[n];
  return out;
}

/** The figures a stored snapshot row holds (a history row holds its capital too). */
export type StoredFigures = Pick<
  MetricsRow,
  | 'cash'
  | 'positionsValue'
  | 'equity'
  | 'realizedPnl'
  | 'unrealizedPnl'
  | 'fees'
  | 'dividends'
  | 'totalPnl'
  | 'returnPct'
>;

/**
 * The figures of a stored row as the store gave them: already exact strings, copied, not parsed
 * and printed again (so a row shows what was recorded, return % included).
 */
export function storedFiguresView(row: StoredFigures): Omit<FiguresView, 'capital'> {
  return {
    cash: row.cash,
    positions_value: row.positionsValue,
    equity: row.equity,
    realized_pnl: row.realizedPnl,
    unrealized_pnl: row.unrealizedPnl,
    fees: row.fees,
    dividends: row.dividends,
    total_pnl: row.totalPnl,
    return_pct: row.returnPct,
  };
}
