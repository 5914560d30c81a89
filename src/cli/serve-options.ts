/** The options `serve` and `demo` share: store, HTTP, tokens, broker and market, logging. */
import type { Command } from 'commander';
import { LOG_LEVELS } from '../app/ports/logger.js';
import { DB_HELP } from './context.js';

export function addRuntimeOptions(command: Command, defaults: { db?: string } = {}): Command {
  return command
    .option('--db <target>', DB_HELP, defaults.db)
    .option('--host <host>', 'HTTP host (env SUBLEDGER_HOST, default 127.0.0.1)')
    .option('--port <port>', 'HTTP port (env SUBLEDGER_PORT, default 8080)')
    .option(
      '--gateway-port <port>',
      "serve the Alpaca-compatible gateway on this port too: bots use Alpaca's own clients with a deployment's gateway key (env SUBLEDGER_GATEWAY_PORT)",
    )
    .option(
      '--admin-token <token>',
      'admin API token, ≥ 16 chars (env SUBLEDGER_ADMIN_TOKEN; default: generated once and kept in the store)',
    )
    .option(
      '--token-secret <secret>',
      'secret deployment tokens derive from (env SUBLEDGER_TOKEN_SECRET; default: generated once and kept)',
    )
    .option(
      '--broker <kind>',
      'paper (default, simulated), alpaca (APCA_* env: paper or live), or emulator (a local Alpaca emulator in this process) (env SUBLEDGER_BROKER)',
    )
    .option(
      '--universe <symbols>',
      "symbols the engine trades, comma-separated (env SUBLEDGER_UNIVERSE; default: the market's)",
    )
    .option('--seed <n>', 'seed of the simulated market (env SUBLEDGER_SEED, default 42)')
    .option('--symbols <n>', 'number of simulated symbols (env SUBLEDGER_SYMBOLS, default 5)')
    .option('--prices <file.csv>', 'replay real bars from a CSV instead of the simulated market (docs/prices-csv.md)')
    .option('--step-ms <ms>', 'paper market: one price step every N ms while serving (default 1000)')
    .option(
      '--mark-seconds <s>',
      'mark held positions every N seconds of market time (simulated seconds on the paper broker; default 60)',
    )
    .option(
      '--rebalance-cron <expr>',
      'run the multi-strategy rebalance on this cron schedule, wall clock (env SUBLEDGER_REBALANCE_CRON), e.g. "*/15 * * * *"',
    )
    .option(
      '--execution <policy>',
      'how rebalance orders execute: market (default) or smart (limit at an improved price, re-priced, then market)',
    )
    .option(
      '--take-over',
      "take the store's writer lease from a process that is gone (killed, crashed) or, on another host, once its lease expires (env SUBLEDGER_LEASE_SECONDS sets the lease's life, default 15)",
    )
    .option(
      '--log-level <level>',
      `JSON log lines on stderr from this level up: ${LOG_LEVELS.join(', ')} (env SUBLEDGER_LOG_LEVEL, default info)`,
    );
}
