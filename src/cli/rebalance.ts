/**
 * `subledger rebalance [--dry-run]`: runs the multi-strategy engine once on the configured store
 * and broker: prints the plan (per strategy and per symbol: what is crossed internally and what
 * goes to the broker) and, without --dry-run, executes it with progress and prints the summary.
 */
import type { Command } from 'commander';
import { type ConfigFlags, loadConfig } from '../config.js';
import { createRuntime } from '../server.js';
import { summaryText } from '../engine/summary-text.js';
import { action } from './context.js';
import { addRuntimeOptions } from './serve-options.js';

export function registerRebalance(program: Command): void {
  addRuntimeOptions(
    program
      .command('rebalance')
      .description(
        'run the multi-strategy rebalance once: crosses opposite wishes internally, sends the net as block orders, prints the execution summary',
      ),
  )
    .option('--dry-run', 'print the plan only: nothing is sent or journaled')
    .option('--json', 'print the execution summary as JSON')
    .action(
      action(async (opts: ConfigFlags & { dryRun?: boolean; json?: boolean }) => {
        const runtime = await createRuntime(loadConfig(opts));
        try {
          if (runtime.app.listDeployments().length === 0) {
            console.log(
              'no deployments yet: create some (POST /deployments, or `subledger demo`) with strategy fixed-weight, momentum or mean-reversion',
            );
            return;
          }
          if (!opts.dryRun && !opts.json)
            console.error('rebalancing: planning, crossing internally, sending block orders (sells first)…');
          const run = await runtime.rebalance(Boolean(opts.dryRun));
          console.log(opts.json ? JSON.stringify(run.summary, null, 2) : summaryText(run.summary));
        } finally {
          await runtime.close();
        }
      }),
    );
}
