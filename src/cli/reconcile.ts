/**
 * `subledger reconcile`: syncs the broker's corporate actions, then checks broker = Σ sleeves +
 * house for cash and every symbol. Prints each difference with its likely cause; exits 2 when the
 * account does not balance (so a cron job or a CI step can alert on it).
 */
import type { Command } from 'commander';
import { type ConfigFlags, loadConfig } from '../config.js';
import { createRuntime } from '../server.js';
import { action } from './context.js';
import { printAccount } from './print.js';
import { addRuntimeOptions } from './serve-options.js';

export function registerReconcile(program: Command): void {
  addRuntimeOptions(
    program
      .command('reconcile')
      .description('check that the broker equals Σ sleeves + house, per symbol and for cash; exit 2 when it does not'),
  )
    .option('--json', 'print the reconciliation as JSON')
    .action(
      action(async (opts: ConfigFlags & { json?: boolean }) => {
        const runtime = await createRuntime(loadConfig(opts));
        try {
          const added = await runtime.app.syncCorporateActions();
          const account = await runtime.app.account();
          if (opts.json)
            console.log(
              JSON.stringify(
                { reconciled: account.reconciled, differences: account.differences, as_of: account.as_of },
                null,
                2,
              ),
            );
          else {
            if (added) console.log(`booked ${added} corporate action(s) from the broker`);
            printAccount(account);
            for (const d of account.differences.filter((x) => x.likely_cause))
              console.log(`  ${d.item}: ${d.difference} — likely ${d.likely_cause}`);
          }
          return account.reconciled ? 0 : 2;
        } finally {
          await runtime.close();
        }
      }),
    );
}
