/**
 * `subledger demo`: the README's main job. On a fresh SQLite file and the paper broker it creates
 * deployments (seed 000's A and B with $10,000 each trading AAPL, and two rule-based bots), runs a
 * short simulated session with a progress bar, prints each sleeve and the account reconciliation,
 * then serves the API until Ctrl-C (`--no-serve` to exit at the end).
 */
import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { runDemoSession } from '../engine/demo-session.js';
import { summaryText } from '../engine/summary-text.js';
import { sleeveView } from '../app/views.js';
import { type ConfigFlags, loadConfig } from '../config.js';
import { createRuntime } from '../server.js';
import { action, progressBar } from './context.js';
import { printAccount, printSleeve } from './print.js';
import { printAccess, untilSignal } from './serve.js';
import { addRuntimeOptions } from './serve-options.js';

const DEMO_DB = './subledger-demo.db';

export function registerDemo(program: Command): void {
  addRuntimeOptions(
    program
      .command('demo')
      .description(
        'run a simulated multi-bot session on the paper broker, print every sleeve and the reconciliation, then serve the API',
      ),
    { db: DEMO_DB },
  )
    .option('--steps <n>', "simulated minutes to trade (the default reaches the first day's close, 21:00 UTC)", '420')
    .option('--no-serve', 'exit after printing instead of serving the API')
    .option('--keep', 'keep an existing demo database instead of starting fresh')
    .action(
      action(async (opts: ConfigFlags & { steps: string; serve: boolean; keep?: boolean }) => {
        const steps = Number(opts.steps);
        if (!Number.isInteger(steps) || steps < 1 || steps > 100_000)
          throw new Error(`--steps must be a whole number from 1 to 100000, not "${opts.steps}"`);
        const config = loadConfig(opts);
        if (!opts.keep && !config.db.startsWith('postgres') && existsSync(config.db)) {
          for (const suffix of ['', '-wal', '-shm']) rmSync(config.db + suffix, { force: true });
        }
        const runtime = await createRuntime(config, { idPrefix: `demo${Date.now().toString(36)}` });
        try {
          console.log(
            `demo: ${config.broker} broker, prices: ${runtime.broker.source} (seed ${config.seed}), store ${config.db}`,
          );
          const bar = progressBar(`trading ${steps} simulated minutes`, false, true);
          const result = await runDemoSession(
            {
              app: runtime.app,
              broker: runtime.broker,
              market: runtime.broker,
              universe: runtime.broker.symbols,
              rebalance: () => runtime.rebalance(),
              afterStep: async () => void (await runtime.scheduler.tick()),
            },
            steps,
            bar.update,
          );
          bar.stop();
          console.log(
            `${result.orders} bot orders sent (${result.rejections.length} refused by the risk check or the broker); ${result.rebalances.length} multi-strategy rebalances`,
          );
          for (const r of result.rejections.slice(0, 5)) console.log(`  refused: ${r}`);
          const last = result.rebalances.at(-1);
          if (last) console.log(`\nlast ${summaryText(last.summary)}`);
          const service = runtime.app.service;
          for (const id of service.deploymentIds())
            printSleeve(sleeveView(service.ledger, id, service.deploymentInfo(id)!));
          printAccount(await runtime.app.account());
          if (!opts.serve) return;
          const url = await runtime.serve();
          printAccess(runtime, url);
          await untilSignal(runtime);
        } finally {
          if (!opts.serve) await runtime.close();
        }
      }),
    );
}
