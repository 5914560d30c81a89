/**
 * What `subledger books` shows: every deployment's sleeve (views.ts `sleeveView`, in the order the
 * journal created them) and the account's totals over them. One function for both ways of getting
 * the ledger — folded from the journal, or rebuilt from the stored projections (stored-books.ts) —
 * so the two print the same bytes.
 */
import { type Dec, dec, toPlain } from '../../core/decimal.js';
import type { CostMethod } from '../../core/events.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import { type Ledger, netQuantity } from '../../core/ledger.js';
import type { DeploymentInfo } from '../journal/projections.js';
import { type SleeveView, sleeveView } from './views.js';

export interface BooksView {
  readonly deployments: SleeveView[];
  readonly account: {
    readonly deployments: number;
    /** Σ of every sleeve's quantity per symbol any sleeve ever held, by symbol. */
    readonly net_positions: Record<string, string>;
    readonly virtual_cash: string;
    readonly virtual_portfolio_value: string;
    readonly total_pnl: string;
  };
}

/** The books of `ids` (each valued by `method`, default its own cost method). */
export function booksView(
  ledger: Ledger,
  ids: readonly DeploymentId[],
  infoOf: (id: DeploymentId) => DeploymentInfo | undefined,
  method?: CostMethod,
): BooksView {
  const views = ids.map((id) => sleeveView(ledger, id, infoOf(id)!, method));
  const symbols = new Set<Symbol>();
  for (const s of ledger.sleeves.values()) for (const p of s.positions.keys()) symbols.add(p);
  return {
    deployments: views,
    account: {
      deployments: views.length,
      net_positions: Object.fromEntries([...symbols].sort().map((s) => [s, toPlain(netQuantity(ledger, s))])),
      virtual_cash: sumOf(views, 'virtual_cash'),
      virtual_portfolio_value: sumOf(views, 'virtual_portfolio_value'),
      total_pnl: sumOf(views, 'total_pnl'),
    },
  };
}

function sumOf(views: SleeveView[], field: 'virtual_cash' | 'virtual_portfolio_value' | 'total_pnl'): string {
  return toPlain(views.reduce((sum, v) => (sum + dec(v[field])) as Dec, 0n as Dec));
}
