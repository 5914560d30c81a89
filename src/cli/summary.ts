/** `subledger summary [ID]`: a rebalance run's execution summary (the latest by default). */
import type { Command } from 'commander';
import { LedgerService } from '../app/journal/ledger-service.js';
import type { ExecutionSummary } from '../engine/summary.js';
import { summaryText } from '../engine/summary-text.js';
import { DB_HELP, DEFAULT_DB, action, withStore } from './context.js';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description(
      "print a rebalance run's execution summary: per strategy allocation, signal, realized / unrealized / total P&L, orders, internal crossing",
    )
    .argument('[id]', 'the run id (default: the latest run)')
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .option('--json', 'print JSON (the same document GET /rebalances/{id} returns)')
    .action(
      action(async (id: string | undefined, opts: { db: string; json?: boolean }) =>
        withStore(opts.db, async (store) => {
          const runs = (await LedgerService.load(store)).state.rebalances;
          const run = id === undefined ? [...runs.values()].at(-1) : runs.get(id);
          if (!run) {
            console.error(
              id === undefined
                ? `no rebalance has run in ${store.location} yet: try \`subledger rebalance\``
                : `no rebalance run '${id}' in ${store.location}`,
            );
            return 1;
          }
          const summary = run.summary as unknown as ExecutionSummary;
          console.log(opts.json ? JSON.stringify(summary, null, 2) : summaryText(summary));
        }),
      ),
    );
}
