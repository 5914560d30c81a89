/**
 * `subledger reconcile`: checks the books against the broker they track — broker = Σ sleeves +
 * house for cash and every symbol — and names that broker. Prints each difference with its likely
 * cause; exits 2 when the account does not balance (so a cron job or a CI step can alert on it).
 *
 * Only a real account can be checked (`--broker alpaca`): the paper broker is rebuilt from these
 * same books and always agrees with them, and `--broker emulator` starts an empty one, so with
 * either it says there is nothing to check and exits 0 without claiming a balance.
 *
 * It reads without the writer lease (it runs while `serve` writes), except for one thing: when
 * the broker booked dividends or splits that are not journaled yet, it takes the lease to journal
 * them first and says so. While another process holds the lease, that writer books them (serve
 * does every 5 minutes): the check then says they are pending and goes on without them.
 */
import type { Command } from 'commander';
import type { AccountView } from '../app/api.js';
import { type ConfigFlags, type RuntimeConfig, loadConfig } from '../config.js';
import { action } from './context.js';
import { printAccount } from './print.js';
import { addRuntimeOptions } from './serve-options.js';

/** Why the configured broker cannot be checked against, or undefined when it can. */
function nothingToCheck(config: RuntimeConfig): string | undefined {
  if (config.broker === 'alpaca') return undefined;
  const why =
    config.broker === 'paper'
      ? 'the paper broker is rebuilt from these same books, so it always agrees with them'
      : 'the emulator this command would start is empty, not the account these books track';
  return `nothing to check: ${why}. reconcile checks the books against a real account: --broker alpaca, with APCA_API_KEY_ID and APCA_API_SECRET_KEY set.`;
}

export function registerReconcile(program: Command): void {
  addRuntimeOptions(
    program
      .command('reconcile')
      .description(
        'check that the broker equals Σ sleeves + house, per symbol and for cash (a real broker: --broker alpaca); exit 2 when it does not',
      ),
  )
    .option('--json', 'print the reconciliation as JSON')
    .action(
      action(async (opts: ConfigFlags & { json?: boolean }) => {
        const config = loadConfig(opts);
        const { LeaseHeldError } = await import('../app/cluster/writer-lease.js');
        const { bookCorporateActions, openReadOnlyRuntime } = await import('../read-only-runtime.js');
        // The books are read even when there is nothing to check them against: a store that is
        // missing or a journal that cannot be read back still fails loudly.
        let runtime = await openReadOnlyRuntime(config, { command: 'reconcile' });
        const none = nothingToCheck(config);
        if (none !== undefined) {
          await runtime.close();
          console.log(
            opts.json ? JSON.stringify({ broker: config.broker, checked: false, reason: none }, null, 2) : none,
          );
          return 0;
        }
        let pending: number;
        let booked = 0;
        try {
          pending = await runtime.app.pendingCorporateActions();
        } catch (error) {
          await runtime.close();
          throw error;
        }
        if (pending > 0) {
          await runtime.close();
          try {
            booked = await bookCorporateActions(config, { command: 'reconcile' });
            pending = 0;
          } catch (error) {
            if (!(error instanceof LeaseHeldError)) throw error;
            const h = error.lease.holder;
            console.error(
              `note: ${pending} corporate action(s) at the broker are not journaled yet, and pid ${h.pid} on ${h.host} (${h.command}) writes this store: it books them; checked without them`,
            );
          }
          runtime = await openReadOnlyRuntime(config, { command: 'reconcile' });
        }
        let account: AccountView;
        try {
          account = await runtime.app.account();
          if (opts.json)
            console.log(
              JSON.stringify(
                {
                  broker: runtime.broker.source,
                  checked: true,
                  booked_corporate_actions: booked,
                  pending_corporate_actions: pending,
                  reconciled: account.reconciled,
                  differences: account.differences,
                  as_of: account.as_of,
                },
                null,
                2,
              ),
            );
          else {
            console.log(`checked against ${runtime.broker.source}`);
            if (booked > 0)
              console.log(
                `booked ${booked} corporate action(s) from the broker first (dividends and splits; as the store's writer)`,
              );
            printAccount(account);
            for (const d of account.differences.filter((x) => x.likely_cause))
              console.log(`  ${d.item}: ${d.difference} — likely ${d.likely_cause}`);
          }
        } finally {
          await runtime.close();
        }
        return account.reconciled ? 0 : 2;
      }),
    );
}
