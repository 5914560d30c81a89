/**
 * The `subledger` command line. One file per command; each registers itself here.
 */
import { Command } from 'commander';
import { failureMessage } from './context.js';
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

// Whatever escapes a command (a promise nobody awaited, a throw in a callback) still ends the
// process with one line and exit code 1, never a hang nor a half-alive server.
const crash = (error: unknown) => {
  console.error(`error: ${failureMessage(error)}`);
  if (process.env.SUBLEDGER_DEBUG) console.error(error);
  process.exit(1);
};
process.on('unhandledRejection', crash);
process.on('uncaughtException', crash);

await buildProgram().parseAsync(process.argv);
