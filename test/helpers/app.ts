/** A real Subledger on a temporary SQLite file and a seeded paper broker, for end-to-end tests. */
import { join } from 'node:path';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { simulatedPaperBroker, type PaperBroker } from '../../src/adapters/paper/index.js';
import { LedgerService } from '../../src/app/ledger-service.js';
import { Subledger } from '../../src/app/subledger.js';
import type { StorePort } from '../../src/app/store-port.js';
import type { LiquidityOptions } from '../../src/sim/index.js';
import { tempDir } from './tmp.js';

export interface TestApp {
  app: Subledger;
  broker: PaperBroker;
  store: StorePort;
  dbPath: string;
  /** Advances the market until `done()` or `max` steps. */
  runUntil(done: () => boolean, max?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApp(
  options: {
    seed?: number;
    rules?: Record<string, boolean>;
    errors?: unknown[];
    liquidity?: LiquidityOptions;
    symbols?: number;
  } = {},
): Promise<TestApp> {
  const { dir, cleanup } = tempDir('subledger-app-');
  const dbPath = join(dir, 'app.db');
  const store = await openWriterStore(dbPath, 'test');
  const broker = simulatedPaperBroker({
    seed: options.seed ?? 7,
    symbols: options.symbols ?? 3,
    rules: options.rules ?? {},
    ...(options.liquidity ? { liquidity: options.liquidity } : {}),
  });
  const service = await LedgerService.load(store, { now: () => broker.clock.now() });
  const errors = options.errors ?? [];
  const app = new Subledger({ service, broker, market: broker, clock: broker.clock, onError: (e) => errors.push(e) });
  await app.start();
  return {
    app,
    broker,
    store,
    dbPath,
    async runUntil(done, max = 50) {
      for (let i = 0; i < max && !done(); i++) await broker.step();
    },
    async close() {
      await app.stop();
      await broker.close();
      await store.close();
      cleanup();
    },
  };
}
