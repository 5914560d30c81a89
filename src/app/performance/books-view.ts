/**
 * What `subledger books` shows: every deployment's sleeve (views.ts `sleeveView`, in the order the
 * journal created them) and the account's totals over them. One function for both ways of getting
 * the ledger — folded from the journal, or rebuilt from the stored projections (stored-books.ts) —
 * so the two print the same bytes.
 */
import { toPlain } from '../../core/decimal.js';
import type { CostMethod } from '../../core/events.js';
import { sumFigures } from '../../core/figures.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import { type Ledger, netQuantity } from '../../core/ledger.js';
import type { DeploymentInfo } from '../journal/projections.js';
import { type SleeveView, sleeveViewOf, valuedSleeve } from './views.js';

export interface BooksView {
  readonly deployments: SleeveView[];
  readonly account: {
    readonly deployments: number;
    /** Σ of every sleeve's quantity per symbol any sleeve ever held, by symbol. */
    readonly net_positions: Record<string, string>;
  } & Readonly<Pick<SleeveView, 'virtual_cash' | 'virtual_portfolio_value' | 'total_pnl'>>;
}

/** The books of `ids` (each valued by `method`, default its own cost method). */
export function booksView(
  ledger: Ledger,
  ids: readonly DeploymentId[],
  infoOf: (id: DeploymentId) => DeploymentInfo | undefined,
  method?: CostMethod,
): BooksView {
  // Each sleeve valued once: its view and the account's totals are both read from that value.
  const values = ids.map((id) => valuedSleeve(ledger, id, method));
  const views = values.map((v, i) => sleeveViewOf(v, ids[i]!, infoOf(ids[i]!)!));
  const sum = sumFigures(values, ['cash', 'equity', 'totalPnl']);
  const symbols = new Set<Symbol>();
  for (const s of ledger.sleeves.values()) for (const p of s.positions.keys()) symbols.add(p);
  return {
    deployments: views,
    account: {
      deployments: views.length,
      net_positions: Object.fromEntries([...symbols].sort().map((s) => [s, toPlain(netQuantity(ledger, s))])),
      virtual_cash: toPlain(sum.cash),
      virtual_portfolio_value: toPlain(sum.equity),
      total_pnl: toPlain(sum.totalPnl),
    },
  };
}
