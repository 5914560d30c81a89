/** `subledger books`: every deployment's sleeve, as a table or as JSON with decimal strings. */
import Table from 'cli-table3';
import type { Command } from 'commander';
import { type Dec, dec, formatMoney, toPlain } from '../core/decimal.js';
import type { CostMethod } from '../core/events.js';
import { type Symbol } from '../core/ids.js';
import { netQuantity } from '../core/ledger.js';
import { LedgerService } from '../app/ledger-service.js';
import { type SleeveView, sleeveView } from '../app/views.js';
import { DB_HELP, DEFAULT_DB, action, progressBar, withStore } from './context.js';

const money = (text: string) => formatMoney(dec(text));
const qty = (text: string) => text;
const right = (content: string) => ({ content, hAlign: 'right' as const });

export function registerBooks(program: Command): void {
  program
    .command('books')
    .description("print every deployment's sleeve: cash, positions, realized and unrealized P&L, fees, dividends, equity, return %")
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .option('--json', 'print JSON with exact decimal strings')
    .option('--method <method>', 'cost method to report: average or fifo (default: each deployment its own)')
    .action(
      action(async (opts: { db: string; json?: boolean; method?: string }) => {
        if (opts.method !== undefined && opts.method !== 'average' && opts.method !== 'fifo') {
          throw new Error(`--method must be "average" or "fifo", not "${opts.method}"`);
        }
        const method = opts.method as CostMethod | undefined;
        return withStore(opts.db, async (store) => {
          const bar = progressBar('loading journal', Boolean(opts.json));
          const service = await LedgerService.load(store, { onProgress: bar.update });
          bar.stop();
          const views = service.deploymentIds().map((id) => sleeveView(service.ledger, id, service.deploymentInfo(id)!, method));
          const symbols = new Set<Symbol>();
          for (const s of service.ledger.sleeves.values()) for (const p of s.positions.keys()) symbols.add(p);
          const account = {
            deployments: views.length,
            net_positions: Object.fromEntries([...symbols].sort().map((s) => [s, toPlain(netQuantity(service.ledger, s))])),
            virtual_cash: sumOf(views, 'virtual_cash'),
            virtual_portfolio_value: sumOf(views, 'virtual_portfolio_value'),
            total_pnl: sumOf(views, 'total_pnl'),
          };
          if (opts.json) {
            console.log(JSON.stringify({ deployments: views, account }, null, 2));
            return;
          }
          if (views.length === 0) {
            console.log(`no deployments in ${store.location} yet: run \`subledger import FILE\` or \`subledger demo\``);
            return;
          }
          for (const v of views) printSleeve(v);
          console.log(
            `account: ${views.length} deployment(s), cash ${money(account.virtual_cash)}, value ${money(account.virtual_portfolio_value)}, total P&L ${money(account.total_pnl)}; net ${Object.entries(account.net_positions).map(([s, q]) => `${s} ${q}`).join(', ') || 'no positions'}`,
          );
        });
      }),
    );
}

function sumOf(views: SleeveView[], field: 'virtual_cash' | 'virtual_portfolio_value' | 'total_pnl'): string {
  return toPlain(views.reduce((sum, v) => (sum + dec(v[field])) as Dec, 0n as Dec));
}

function printSleeve(v: SleeveView): void {
  console.log(
    `\n${v.id}${v.name !== v.id ? ` (${v.name})` : ''} · strategy ${v.strategy} · ${v.status} · ${v.cost_method} cost\n` +
      `  capital ${formatMoney((dec(v.initial_capital) + dec(v.capital_flows)) as Dec)}` +
      `  cash ${money(v.virtual_cash)}  positions ${money(v.virtual_positions_value)}  equity ${money(v.virtual_portfolio_value)}\n` +
      `  realized ${money(v.realized_pnl)}  unrealized ${money(v.unrealized_pnl)}  fees ${money(v.fees)}  dividends ${money(v.dividends)}  total P&L ${money(v.total_pnl)}  return ${v.return_pct}%`,
  );
  const open = v.positions.filter((p) => p.qty !== '0' || p.realized_pnl !== '0' || p.fees !== '0' || p.dividends !== '0');
  if (open.length === 0) return;
  const table = new Table({
    head: ['symbol', 'qty', 'avg cost', 'mark', 'value', 'realized', 'unrealized', 'fees', 'dividends'],
    style: { head: [], border: [] },
  });
  for (const p of open) {
    table.push([
      p.symbol,
      right(qty(p.qty)),
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

