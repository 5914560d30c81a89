/** `subledger books`: every deployment's sleeve, as a table or as JSON with decimal strings. */
import type { Command } from 'commander';
import { type Dec, dec, toPlain } from '../core/decimal.js';
import type { CostMethod } from '../core/events.js';
import { type Symbol } from '../core/ids.js';
import { netQuantity } from '../core/ledger.js';
import { LedgerService } from '../app/ledger-service.js';
import { type SleeveView, sleeveView } from '../app/views.js';
import { money, printSleeve } from './print.js';
import { DB_HELP, DEFAULT_DB, action, progressBar, withStore } from './context.js';

export function registerBooks(program: Command): void {
  program
    .command('books')
    .description(
      "print every deployment's sleeve: cash, positions, realized and unrealized P&L, fees, dividends, equity, return %",
    )
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
          const views = service
            .deploymentIds()
            .map((id) => sleeveView(service.ledger, id, service.deploymentInfo(id)!, method));
          const symbols = new Set<Symbol>();
          for (const s of service.ledger.sleeves.values()) for (const p of s.positions.keys()) symbols.add(p);
          const account = {
            deployments: views.length,
            net_positions: Object.fromEntries(
              [...symbols].sort().map((s) => [s, toPlain(netQuantity(service.ledger, s))]),
            ),
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
            `account: ${views.length} deployment(s), cash ${money(account.virtual_cash)}, value ${money(account.virtual_portfolio_value)}, total P&L ${money(account.total_pnl)}; net ${
              Object.entries(account.net_positions)
                .map(([s, q]) => `${s} ${q}`)
                .join(', ') || 'no positions'
            }`,
          );
        });
      }),
    );
}

function sumOf(views: SleeveView[], field: 'virtual_cash' | 'virtual_portfolio_value' | 'total_pnl'): string {
  return toPlain(views.reduce((sum, v) => (sum + dec(v[field])) as Dec, 0n as Dec));
}
