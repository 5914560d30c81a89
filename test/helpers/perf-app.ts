/**
 * The real app (SQLite file, seeded paper broker) with the issue-6 pieces wired as src/server.ts
 * wires them — price updater, recorder, scheduler, performance read side — and a market-data
 * wrapper the test controls: `market.fail = 'reason'` makes the next fetches throw,
 * `market.override(symbol, quote | null)` replaces or drops a symbol's quote.
 */
import { join } from 'node:path';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { simulatedPaperBroker, type PaperBroker } from '../../src/adapters/paper/index.js';
import type { MarketDataPort, Quote } from '../../src/app/ports/broker-port.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { type MarketHours, usEquityHours } from '../../src/app/marks/market-hours.js';
import { Performance } from '../../src/app/performance/performance.js';
import { Recorder } from '../../src/app/marks/recorder.js';
import { MarkScheduler, type ScheduleOptions } from '../../src/app/marks/scheduler.js';
import type { StorePort } from '../../src/app/ports/store-port.js';
import { Subledger } from '../../src/app/subledger.js';
import type { Symbol } from '../../src/core/ids.js';
import { tempDir } from './tmp.js';

export class ControlledMarket implements MarketDataPort {
  fail: string | undefined;
  calls: Symbol[][] = [];
  private readonly overrides = new Map<Symbol, Quote | null>();

  constructor(private readonly inner: MarketDataPort) {}

  override(symbol: string, quote: Quote | null | undefined): void {
    if (quote === undefined) this.overrides.delete(symbol as Symbol);
    else this.overrides.set(symbol as Symbol, quote);
  }

  async latest(symbols: readonly Symbol[]): Promise<Map<Symbol, Quote>> {
    this.calls.push([...symbols]);
    if (this.fail !== undefined) throw new Error(this.fail);
    const quotes = await this.inner.latest(symbols);
    for (const [symbol, q] of this.overrides) {
      if (!symbols.includes(symbol)) continue;
      if (q === null) quotes.delete(symbol);
      else quotes.set(symbol, q);
    }
    return quotes;
  }
}

export interface PerfApp {
  app: Subledger;
  broker: PaperBroker;
  market: ControlledMarket;
  store: StorePort;
  service: LedgerService;
  recorder: Recorder;
  scheduler: MarkScheduler;
  performance: Performance;
  logs: string[];
  dir: string;
  close(): Promise<void>;
}

export async function startPerfApp(
  options: {
    seed?: number;
    hours?: MarketHours;
    staleMarkSeconds?: number;
    schedule?: Partial<ScheduleOptions>;
    dbPath?: string;
  } = {},
): Promise<PerfApp> {
  const { dir, cleanup } = tempDir('subledger-perf-');
  const store = await openWriterStore(options.dbPath ?? join(dir, 'app.db'), 'test');
  const broker = simulatedPaperBroker({ seed: options.seed ?? 7, symbols: 3, rules: {} });
  const market = new ControlledMarket(broker);
  const service = await LedgerService.load(store, { now: () => broker.clock.now() });
  const hours = options.hours ?? usEquityHours;
  const logs: string[] = [];
  const log = (level: 'error' | 'info', m: string) => void logs.push(`${level}: ${m}`);
  const app = new Subledger({
    service,
    broker,
    market,
    clock: broker.clock,
    hours,
    log,
    ...(options.staleMarkSeconds !== undefined ? { staleMarkSeconds: options.staleMarkSeconds } : {}),
  });
  await app.start();
  const recorder = new Recorder(service);
  const scheduler = new MarkScheduler({
    prices: app.prices,
    recorder,
    hours,
    clock: broker.clock,
    store,
    options: options.schedule ?? {},
    log,
  });
  return {
    app,
    broker,
    market,
    store,
    service,
    recorder,
    scheduler,
    performance: new Performance(store),
    logs,
    dir,
    async close() {
      await app.stop();
      await broker.close();
      await store.close();
      cleanup();
    },
  };
}
