/**
 * A real Subledger on a temporary SQLite file and a seeded paper broker, for end-to-end tests.
 * `link.down = true` cuts the app off from the broker (every broker call fails with
 * `BrokerUnavailableError`, as an adapter reports a refused connection or a timeout) until it is
 * set back to false; the market keeps its state.
 */
import { join } from 'node:path';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { simulatedPaperBroker, type PaperBroker } from '../../src/adapters/paper/index.js';
import { type BrokerPort, BrokerUnavailableError } from '../../src/app/ports/broker-port.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { Subledger } from '../../src/app/subledger.js';
import type { StorePort } from '../../src/app/ports/store-port.js';
import type { LiquidityOptions } from '../../src/sim/index.js';
import { tempDir } from './tmp.js';

export interface TestApp {
  app: Subledger;
  broker: PaperBroker;
  store: StorePort;
  dbPath: string;
  /** The app's line to the broker: while `down`, every broker call fails as unreachable. */
  link: { down: boolean };
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
  const link = { down: false };
  const port = overLink(broker, link);
  const app = new Subledger({
    service,
    broker: port,
    market: port,
    clock: broker.clock,
    onError: (e) => errors.push(e),
  });
  await app.start();
  return {
    app,
    broker,
    store,
    dbPath,
    link,
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

/** Calls that cross the network on a real broker: they fail while the link is down. */
const REMOTE = new Set<string | symbol>([
  'submit',
  'cancel',
  'orderByClientId',
  'openOrders',
  'positions',
  'account',
  'latest',
]);

/** The paper broker as the app sees it through `link`: the same object while the link is up. */
function overLink(broker: PaperBroker, link: { down: boolean }): BrokerPort & PaperBroker {
  return new Proxy(broker, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        link.down && REMOTE.has(name)
          ? Promise.reject(new BrokerUnavailableError(`paper broker ${String(name)}: connection refused`))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}
