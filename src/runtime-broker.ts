/**
 * The broker the runtime runs on, whichever it is: the paper broker (simulated or CSV bars; the
 * embedded default), Alpaca (paper or live), or Alpaca's local emulator started in this process.
 * Part of the composition root: the only other place that chooses adapters.
 *
 * `step()` moves the market on: the paper market's next simulated minute; against Alpaca, a wait
 * of `stepMs`; against the in-process emulator, its next simulated step (then a short wait for the
 * stream to deliver the resulting trade updates).
 *
 * The simulated market has trading minutes only (US equity hours, 14:30–21:00 UTC on weekdays, the
 * calendar the marks keep): the step after a close is the next weekday's open, so it never trades
 * or moves while the market is closed.
 */
import type { MarketInfoPort } from './app/ports/market-info-port.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { AlpacaBroker, RequestBudget } from './adapters/alpaca/index.js';
import { PaperBroker, barsMarketFromCsv, simulatedPaperBroker } from './adapters/paper/index.js';
import type { BrokerPort, ExecutionReport, MarketDataPort } from './app/ports/broker-port.js';
import { type Clock, systemClock } from './app/ports/clock-port.js';
import { brokerStateFromBooks } from './app/trading/paper-resume.js';
import type { LedgerService } from './app/journal/ledger-service.js';
import type { Logger } from './app/ports/logger.js';
import { type MarketHours, usEquityHours } from './app/marks/market-hours.js';
import type { StorePort } from './app/ports/store-port.js';
import { dec } from './core/decimal.js';
import type { Symbol } from './core/ids.js';
import type { RuntimeConfig } from './config.js';
import { type EmulatorHandle, startEmulator } from './emulator/index.js';
import { demoSymbols, sessionClock } from './sim/index.js';

export interface RuntimeBroker extends BrokerPort, MarketDataPort {
  /** Where prices come from, for people ("simulated", "bars:prices.csv", "alpaca https://…"). */
  readonly source: string;
  /** The symbols the engine and the demo trade. */
  readonly symbols: readonly Symbol[];
  readonly clock: Clock;
  step(): Promise<boolean>;
  /** Resolves once the broker is connected (the Alpaca stream listening). */
  ready(): Promise<void>;
  /**
   * The calendar the market keeps, when it keeps one: the simulated market has US equity hours'
   * minutes only. Absent when the market's own data decide (bars, Alpaca).
   */
  readonly hours?: MarketHours;
  /** Steps of data left before the market ends (bars); absent when it never ends. */
  remaining?(): number;
  /** The account's market-data stream and key pair (Alpaca, the emulator), for the gateway to share. */
  readonly dataStream?: { readonly url: string; readonly keyId: string; readonly secretKey: string };
  /** The broker's own clock and calendar (Alpaca's), for the gateway to pass through. */
  readonly marketInfo?: MarketInfoPort;
}

/** The simulated market's first minute on a fresh store: the US open on 2025-01-02 (a Thursday). */
const SIMULATED_START = '2025-01-02T14:30:00.000Z';

/** Whether the US equity market trades at `ms` (any symbol that is not crypto). */
const equityTrades = (ms: number) => usEquityHours.isOpen('SPY', new Date(ms));

/**
 * `port` with `extras` in front: every other property reads through to `port` (methods bound to
 * it), so the port's whole surface passes on, including optional methods added later.
 */
export function withExtras<P extends object, E extends object>(port: P, extras: E): Omit<P, keyof E> & E {
  return new Proxy(port, {
    get(target, name) {
      if (Object.prototype.hasOwnProperty.call(extras, name)) return (extras as Record<PropertyKey, unknown>)[name];
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    has: (target, name) => Object.prototype.hasOwnProperty.call(extras, name) || Reflect.has(target, name),
  }) as unknown as Omit<P, keyof E> & E;
}

/** The minute after `ts`, where a resumed simulated market continues. */
function nextMinute(ts: string): string {
  const ms = Date.parse(ts);
  return new Date(ms - (ms % 60_000) + 60_000).toISOString();
}

export async function openBroker(
  config: RuntimeConfig,
  service: LedgerService,
  store: StorePort,
  idPrefix: string,
  /** Where the Alpaca adapter logs its calls, backfills and stream failures. */
  logger?: Logger,
): Promise<RuntimeBroker> {
  if (config.broker === 'paper') return openPaper(config, service, idPrefix, logger);
  let emulator: EmulatorHandle | undefined;
  let alpaca = config.alpaca;
  if (config.broker === 'emulator') {
    emulator = await startEmulator({
      seed: config.seed,
      symbols: config.symbols,
      crypto: false,
      rateLimitPerMinute: false,
    });
    alpaca = {
      ...alpaca,
      keyId: emulator.keyId,
      secretKey: emulator.secretKey,
      baseUrl: emulator.url,
      dataUrl: emulator.url,
      streamUrl: emulator.wsUrl,
      dataStreamUrl: emulator.dataStreamUrl,
    };
  }
  const broker = new AlpacaBroker({
    config: {
      keyId: alpaca.keyId!,
      secretKey: alpaca.secretKey!,
      baseUrl: alpaca.baseUrl,
      dataUrl: alpaca.dataUrl,
      ...(alpaca.streamUrl ? { streamUrl: alpaca.streamUrl } : {}),
    },
    cursors: { get: (name) => store.getCursor(name), set: (name, value) => store.setCursor(name, value) },
    ...(logger ? { logger: logger.child({ broker: 'alpaca' }) } : {}),
    budget: new RequestBudget(alpaca.rateLimit),
    dataBudget: new RequestBudget(alpaca.rateLimit),
  });
  const symbols = (config.universe ??
    (emulator
      ? demoSymbols(config.symbols).map((s) => s.symbol)
      : ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'])) as Symbol[];
  // The adapter is passed whole (every port method it has, corporate actions included), with the
  // runtime's extras in front: never re-listed method by method, so none can be left out.
  const extras = {
    async close() {
      await broker.close();
      await emulator?.close();
    },
    source: emulator ? `alpaca emulator ${emulator.url} (simulated prices)` : `alpaca ${alpaca.baseUrl}`,
    symbols,
    clock: systemClock,
    dataStream: { url: alpaca.dataStreamUrl, keyId: alpaca.keyId!, secretKey: alpaca.secretKey! },
    async step() {
      if (emulator) {
        emulator.control.advance(1);
        await sleep(20); // let the stream deliver the step's trade updates
        await broker.idle();
      } else await sleep(config.stepMs);
      return true;
    },
  };
  return withExtras(broker, extras);
}

async function openPaper(
  config: RuntimeConfig,
  service: LedgerService,
  idPrefix: string,
  logger?: Logger,
): Promise<RuntimeBroker> {
  // The paper account lives in memory: resume it from the books (Σ sleeves + house = broker).
  const resume = brokerStateFromBooks(service.ledger);
  const paper = {
    idPrefix,
    ...(logger
      ? {
          onError: (error: unknown, report: ExecutionReport) =>
            logger.error(
              { err: error, broker: 'paper', client_order_id: report.order.clientOrderId, report: report.kind },
              'paper broker: a report handler failed',
            ),
        }
      : {}),
    ...(resume.cash !== undefined ? { startingCash: resume.cash, openingPositions: resume.positions } : {}),
  };
  if (config.prices) {
    const bars = await barsMarketFromCsv(config.prices);
    const broker = new PaperBroker({ market: bars, ...paper });
    return withExtras(broker, { remaining: () => bars.remaining() });
  }
  const broker: PaperBroker = simulatedPaperBroker({
    seed: config.seed,
    symbols: demoSymbols(config.symbols).map((s) => ({
      ...s,
      start: resume.lastPrices.get(s.symbol as Symbol) ?? s.start,
    })),
    // Trading minutes only; a resumed market goes on at the first one after the books' last event.
    clock: sessionClock(resume.lastTs ? nextMinute(resume.lastTs) : SIMULATED_START, equityTrades),
    fees: { perShare: dec('0.005') },
    slippageBps: dec('1'),
    liquidity: { volumeShare: dec('0.05') },
    ...paper,
  });
  return withExtras(broker, { hours: usEquityHours });
}
