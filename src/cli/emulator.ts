/**
 * `subledger emulator --port N [--seed S] [--symbols N] [--step-ms MS]`: runs the local Alpaca
 * emulator (src/emulator) until Ctrl-C, printing its URLs and the environment variables that point
 * a bot — or Subledger's `--broker alpaca` — at it.
 *
 * Entry points: `registerEmulator(program)`, `runEmulator(flags, io)` (the action, testable).
 * Invariant: flags are checked before anything starts; a bad one is one line naming the flag.
 */
import type { Command } from 'commander';
import type { EmulatorHandle } from '../emulator/index.js';
import { action } from './context.js';

export interface EmulatorFlags {
  port: string;
  host: string;
  seed: string;
  symbols: string;
  stepMs: string;
  rateLimit: string;
  keyId: string;
  secretKey: string;
  textFrames?: boolean;
}

export interface EmulatorIo {
  /** Where the banner goes. Default: console.log. */
  readonly print?: (line: string) => void;
  /** Resolves when the emulator should stop. Default: Ctrl-C (SIGINT) or SIGTERM. */
  readonly until?: (handle: EmulatorHandle) => Promise<void>;
}

const whole = (flag: string, text: string, min: number, max: number): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
};

const stopSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

/** Starts the emulator, prints how to use it, and runs until `io.until` resolves. */
export async function runEmulator(flags: EmulatorFlags, io: EmulatorIo = {}): Promise<void> {
  const print = io.print ?? ((line: string) => console.log(line));
  const port = whole('--port', flags.port, 0, 65535);
  const seed = whole('--seed', flags.seed, 0, 2 ** 31 - 1);
  const symbols = whole('--symbols', flags.symbols, 1, 500);
  const stepMs = whole('--step-ms', flags.stepMs, 10, 3_600_000);
  const rate = whole('--rate-limit', flags.rateLimit, 0, 1_000_000);
  const { startEmulator } = await import('../emulator/index.js'); // Fastify: not for `emulator --help`
  const handle = await startEmulator({
    port,
    host: flags.host,
    seed,
    symbols,
    stepMs,
    autoStep: true,
    keyId: flags.keyId,
    secretKey: flags.secretKey,
    rateLimitPerMinute: rate === 0 ? false : rate,
    frames: flags.textFrames ? 'text' : 'binary',
  });
  const traded = handle.control.venue.symbols.join(' ');
  for (const line of [
    `Alpaca emulator on ${handle.url} (trade_updates: ${handle.wsUrl})`,
    `simulated market: seed ${seed}, ${traded}; one step every ${stepMs} ms; $100,000 cash; ${rate === 0 ? 'no rate limit' : `${rate} requests/min`}`,
    '',
    'Point a bot or Subledger at it:',
    `  export APCA_API_KEY_ID=${handle.keyId}`,
    `  export APCA_API_SECRET_KEY=${handle.secretKey}`,
    `  export APCA_API_BASE_URL=${handle.url}`,
    `  export APCA_DATA_URL=${handle.url}       # the JS SDK v3 reads APCA_DATA_BASE_URL`,
    `  export APCA_STREAM_URL=${handle.wsUrl}   # the JS SDK v3 reads APCA_API_STREAM_URL`,
    '  subledger serve --broker alpaca',
    '',
    `Test controls: POST ${handle.url}/_control/{advance,price,partial-fills,drop-streams,accept-streams,delay,rate-limit,frames,dividend}`,
    'Ctrl-C to stop.',
  ])
    print(line);
  try {
    await (io.until ?? stopSignal)(handle);
  } finally {
    await handle.close();
  }
}

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description(
      "Run a local Alpaca emulator (Trading API v2 subset, market data, trade_updates) on Subledger's simulation, to try bots and Subledger offline.",
    )
    .option('--port <n>', 'port to listen on (0: any free port)', '8790')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <s>', 'seed of the simulated prices and ids', '42')
    .option('--symbols <n>', 'how many demo equities (AAPL, MSFT, …), traded with BTC/USD and ETH/USD', '5')
    .option('--step-ms <ms>', 'milliseconds between market steps', '1000')
    .option('--rate-limit <n>', 'requests per minute per key (0: off)', '200')
    .option('--key-id <id>', 'the APCA-API-KEY-ID it accepts', 'emulator-key')
    .option('--secret-key <secret>', 'the APCA-API-SECRET-KEY it accepts', 'emulator-secret')
    .option('--text-frames', 'send trade_updates in text frames (default: binary, like paper)')
    .action(action(async (flags: EmulatorFlags) => runEmulator(flags)));
}
