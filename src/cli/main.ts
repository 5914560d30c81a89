/**
 * The `subledger` command line. One file per command; each registers itself here.
 */
import { Command } from 'commander';
import { registerBooks } from './books.js';
import { registerHistory } from './history.js';
import { registerDemo } from './demo.js';
import { registerServe } from './serve.js';
import { registerImport } from './import.js';
import { registerReplay } from './replay.js';
import { registerRebalance } from './rebalance.js';
import { registerSummary } from './summary.js';
import { registerReport } from './report.js';
import { registerEmulator } from './emulator.js';
import { registerReconcile } from './reconcile.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('subledger')
    .description(
      'Per-bot sub-accounts (sleeves) on one brokerage account: exact P&L per deployment that always adds up to the broker.',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  registerDemo(program);
  registerServe(program);
  registerImport(program);
  registerBooks(program);
  registerReplay(program);
  registerReconcile(program);
  registerRebalance(program);
  registerSummary(program);
  registerReport(program);
  registerEmulator(program);
  registerHistory(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
