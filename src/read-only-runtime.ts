/**
 * The composition root's read-only mode, beside `createRuntime` (src/server.ts): the books as the
 * store holds them and the configured broker, for commands that only look — `rebalance --dry-run`
 * and `reconcile`. It never claims the writer lease, so it runs while a `serve` writes the same
 * store; it never starts the application (no house sleeve opened, no broker report booked, no
 * order resolved), never generates a secret, and its store refuses every write (it holds no
 * lease), so nothing it does can reach the journal.
 *
 * Entry points: `openReadOnlyRuntime(config)`; `bookCorporateActions(config)`, the one write
 * `reconcile` may need, done as the store's writer and nothing else.
 */
import { randomBytes } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { type Clock, systemClock } from './app/ports/clock-port.js';
import { LedgerService, type LoadProgress } from './app/journal/ledger-service.js';
import type { Logger } from './app/ports/logger.js';
import { usEquityHours } from './app/marks/market-hours.js';
import type { StorePort } from './app/ports/store-port.js';
import { Subledger } from './app/subledger.js';
import { acquireWriterLease, leaseSettingsFromEnv } from './app/cluster/writer-lease.js';
import { openStoreAt, thisProcess } from './main/adapters.js';
import type { RuntimeConfig } from './config.js';
import { Engine } from './engine/engine.js';
import { DEFAULT_SMART } from './engine/execution.js';
import type { RebalanceRun } from './engine/rebalance.js';
import { sampleStrategies } from './engine/strategies/index.js';
import { createLogger, safeLocation } from './logging.js';
import { type RuntimeBroker, openBroker } from './runtime-broker.js';

export interface ReadOnlyRuntime {
  /** The application, never started: it reads the books and asks the broker, and writes nothing. */
  readonly app: Subledger;
  readonly broker: RuntimeBroker;
  readonly store: StorePort;
  readonly logger: Logger;
  /**
   * Whether the broker is an account of its own that the books can be checked against: Alpaca
   * (`--broker alpaca`). The paper broker is rebuilt from these very books (it always agrees with
   * them) and `--broker emulator` starts an empty emulator: neither is one.
   */
  readonly realBroker: boolean;
  /** The rebalance the engine would run now and its summary: nothing is sent or journaled. */
  planRebalance(): Promise<RebalanceRun>;
  close(): Promise<void>;
}

export interface ReadOnlyOptions {
  /** For the log lines (default 'read-only'). */
  readonly command?: string;
  readonly onLoad?: LoadProgress;
  /** The logger (default: pino on stderr at `config.logLevel`). */
  readonly logger?: PinoLogger;
}

/** Opens the store (it must exist) and the broker for reading; claims nothing. */
export async function openReadOnlyRuntime(
  config: RuntimeConfig,
  options: ReadOnlyOptions = {},
): Promise<ReadOnlyRuntime> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const command = options.command ?? 'read-only';
  logger.info(
    { command, store: safeLocation(config.db), broker: config.broker, read_only: true },
    'starting read-only (no writer lease)',
  );
  const store = await openStoreAt(config.db, true);
  try {
    // The service needs a clock before the broker (whose clock it is) can be built: bind it late.
    const clockRef: { current: Clock } = { current: systemClock };
    const service = await LedgerService.load(store, {
      now: () => clockRef.current.now(),
      ...(options.onLoad ? { onProgress: options.onLoad } : {}),
    });
    const broker = await openBroker(config, service, store, `ro${Date.now().toString(36)}`, logger);
    clockRef.current = broker.clock;
    const app = new Subledger({ service, broker, market: broker, clock: broker.clock, hours: usEquityHours });
    const engine = new Engine(
      {
        app: app.engine,
        market: broker,
        clock: broker.clock,
        registry: sampleStrategies(),
        wait: () => Promise.reject(new Error('a read-only runtime sends no order, so it never waits for one')),
      },
      { universe: broker.symbols, policy: config.execution === 'smart' ? DEFAULT_SMART : { kind: 'market' } },
    );
    return {
      app,
      broker,
      store,
      logger,
      realBroker: config.broker === 'alpaca',
      planRebalance: () => engine.rebalance(true),
      async close() {
        await broker.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * Books the broker's dividends and splits not journaled yet, as the store's one writer (the lease
 * claimed for `command`, freed at the end), and nothing else: no house sleeve, no order
 * resolution, no stream. Returns how many were booked.
 */
export async function bookCorporateActions(
  config: RuntimeConfig,
  options: { command?: string; logger?: PinoLogger } = {},
): Promise<number> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const command = options.command ?? 'reconcile';
  const store = await openStoreAt(config.db, false);
  try {
    const lease = await acquireWriterLease(store, thisProcess(command), {
      takeOver: config.takeOver,
      settings: leaseSettingsFromEnv(),
      onNote: (message) => logger.warn({ lease: 'take-over' }, message),
    });
    logger.info({ lease: 'taken', epoch: lease.epoch, command }, 'writer lease taken');
    try {
      const service = await LedgerService.load(store);
      const broker = await openBroker(config, service, store, `ca${randomBytes(3).toString('hex')}`, logger);
      try {
        const app = new Subledger({ service, broker, market: broker, clock: broker.clock });
        const booked = await app.syncCorporateActions();
        logger.info({ command, booked }, `booked ${booked} corporate action(s) from the broker`);
        return booked;
      } finally {
        await broker.close();
      }
    } finally {
      await store.releaseLease();
      logger.info({ lease: 'released' }, 'writer lease released');
    }
  } finally {
    await store.close();
  }
}
