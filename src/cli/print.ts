/** Tables for people: a sleeve with its positions, the account reconciliation. */
import Table from 'cli-table3';
import { type Dec, dec, formatMoney } from '../core/decimal.js';
import type { AccountView } from '../app/api.js';
import type { SleeveView } from '../app/performance/views.js';

export const money = (text: string) => formatMoney(dec(text));
const right = (content: string) => ({ content, hAlign: 'right' as const });

export function printSleeve(v: SleeveView): void {
  console.log(
    `\n${v.id}${v.name !== v.id ? ` (${v.name})` : ''} · strategy ${v.strategy} · ${v.status} · ${v.cost_method} cost\n` +
      `  capital ${formatMoney((dec(v.initial_capital) + dec(v.capital_flows)) as Dec)}` +
      `  cash ${money(v.virtual_cash)}  positions ${money(v.virtual_positions_value)}  equity ${money(v.virtual_portfolio_value)}\n` +
      `  realized ${money(v.realized_pnl)}  unrealized ${money(v.unrealized_pnl)}  fees ${money(v.fees)}  dividends ${money(v.dividends)}  total P&L ${money(v.total_pnl)}  return ${v.return_pct}%`,
  );
  const open = v.positions.filter(
    (p) => p.qty !== '0' || p.realized_pnl !== '0' || p.fees !== '0' || p.dividends !== '0',
  );
  if (open.length === 0) return;
  const table = new Table({
    head: ['symbol', 'qty', 'avg cost', 'mark', 'value', 'realized', 'unrealized', 'fees', 'dividends'],
    style: { head: [], border: [] },
  });
  for (const p of open) {
    table.push([
      p.symbol,
      right(p.qty),
      right(p.qty === '0' ? '-' : formatMoney(dec(roundedAvg(p.avg_cost)), 4)),
      right(p.mark === null ? '-' : p.mark),
      right(money(p.market_value)),
      right(money(p.realized_pnl)),
      right(money(p.unrealized_pnl)),
      right(money(p.fees)),
      right(money(p.dividends)),
    ]);
  }
  console.log(table.toString().replace(/^/gm, '  '));
}

/** The average is a ≥ 20-digit quotient; trim it to 18 fractional digits for `dec`. */
function roundedAvg(avg: string): string {
  const [whole, frac = ''] = avg.split('.');
  return frac ? `${whole}.${frac.slice(0, 18)}` : whole!;
}

/** The reconciliation: broker vs Σ sleeves + house, per item; differences flagged. */
export function printAccount(account: AccountView): void {
  const table = new Table({
    head: ['item', 'broker', 'Σ sleeves + house', 'difference'],
    style: { head: [], border: [] },
  });
  for (const d of account.differences) {
    const isCash = d.item === 'cash';
    table.push([
      d.item,
      right(isCash ? money(d.broker) : d.broker),
      right(isCash ? money(d.books) : d.books),
      right(d.difference === '0' ? '0' : `${d.difference}  <-- DRIFT`),
    ]);
  }
  console.log(
    `\naccount reconciliation (${account.reconciled ? 'balanced: Σ sleeves + house = broker' : 'NOT BALANCED'}):`,
  );
  console.log(table.toString().replace(/^/gm, '  '));
  console.log(
    `  house sleeve (unallocated): cash ${money(account.house.cash)}${account.house.positions.length ? `, ${account.house.positions.map((p) => `${p.symbol} ${p.qty}`).join(', ')}` : ''}`,
  );
}
