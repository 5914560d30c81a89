/**
 * `subledger rebalance [--dry-run]`: runs the multi-strategy engine once on the configured store
 * and broker: prints the plan (per strategy and per symbol: what is crossed internally and what
 * goes to the broker) and, without --dry-run, executes it with progress and prints the summary.
 *
 * `--dry-run` only reads: it opens the store without the writer lease (so it runs while `serve`
 * writes) and the composition root's read-only mode, which sends nothing and journals nothing —
 * not even the house sleeve a first start would open.
 */
import type { Command } from 'commander';
import { type ConfigFlags, loadConfig } from '../config.js';
import { summaryText } from '../engine/summary-text.js';
import type { RebalanceRun } from '../engine/rebalance.js';
import { action } from './context.js';
import { addRuntimeOptions } from './serve-options.js';

const NO_DEPLOYMENTS =
  'no deployments yet: create some (POST /deployments, or `subledger demo`) with strategy fixed-weight, momentum or mean-reversion';

export function registerRebalance(program: Command): void {
  addRuntimeOptions(
    program
      .command('rebalance')
      .description(
        'run the multi-strategy rebalance once: crosses opposite wishes internally, sends the net as block orders, prints the execution summary',
      ),
  )
    .option('--dry-run', 'print the plan only: nothing is sent or journaled (no writer lease needed)')
    .option('--json', 'print the execution summary as JSON')
    .action(
      action(async (opts: ConfigFlags & { dryRun?: boolean; json?: boolean }) => {
        const config = loadConfig(opts);
        const print = (run: RebalanceRun) =>
          console.log(opts.json ? JSON.stringify(run.summary, null, 2) : summaryText(run.summary));
        if (opts.dryRun) {
          const { openReadOnlyRuntime } = await import('../read-only-runtime.js');
          const runtime = await openReadOnlyRuntime(config, { command: 'rebalance --dry-run' });
          try {
            if (runtime.app.listDeployments().length === 0) return void console.log(NO_DEPLOYMENTS);
            print(await runtime.planRebalance());
          } finally {
            await runtime.close();
          }
          return;
        }
        const { createRuntime } = await import('../server.js');
        const runtime = await createRuntime(config, { command: 'rebalance' });
        try {
          if (runtime.app.listDeployments().length === 0) return void console.log(NO_DEPLOYMENTS);
          if (!opts.json)
            console.error('rebalancing: planning, crossing internally, sending block orders (sells first)…');
          print(await runtime.rebalance());
        } finally {
          await runtime.close();
        }
      }),
    );
}
