/**
 * The broker the runtime runs on, whichever it is: the paper broker (simulated or CSV bars; the
 * embedded default), Alpaca (paper or live), or Alpaca's local emulator started in this process.
 * Part of the composition root: the only other place that chooses adapters.
 *
 * `step()` moves the market on: the paper market's next simulated minute; against Alpaca, a wait
 * of `stepMs`; against the in-process emulator, its next simulated step (then a short wait for the
 * stream to deliver the resulting trade updates).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AlpacaBroker } from './adapters/alpaca/index.js';
import { PaperBroker, barsMarketFromCsv, simulatedPaperBroker } from './adapters/paper/index.js';
import type { BrokerPort, MarketDataPort } from './app/broker-port.js';
import { type Clock, systemClock } from './app/clock-port.js';
import { brokerStateFromBooks } from './app/paper-resume.js';
import type { LedgerService } from './app/ledger-service.js';
import type { StorePort } from './app/store-port.js';
import { dec } from './core/decimal.js';
import type { Symbol } from './core/ids.js';
import type { RuntimeConfig } from './config.js';
import { type EmulatorHandle, startEmulator } from './emulator/index.js';
import { demoSymbols, stepClock } from './sim/index.js';

export interface RuntimeBroker extends BrokerPort, MarketDataPort {
  /** Where prices come from, for people ("simulated", "bars:prices.csv", "alpaca https://…"). */
  readonly source: string;
  /** The symbols the engine and the demo trade. */
  readonly symbols: readonly Symbol[];
  readonly clock: Clock;
  step(): Promise<boolean>;
  /** Resolves once the broker is connected (the Alpaca stream listening). */
  ready(): Promise<void>;
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
): Promise<RuntimeBroker> {
  if (config.broker === 'paper') return openPaper(config, service, idPrefix);
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
  });
  const symbols = (config.universe ??
    (emulator
      ? demoSymbols(config.symbols).map((s) => s.symbol)
      : ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'])) as Symbol[];
  return {
    submit: (order) => broker.submit(order),
    cancel: (id) => broker.cancel(id),
    orderByClientId: (id) => broker.orderByClientId(id),
    openOrders: () => broker.openOrders(),
    positions: () => broker.positions(),
    account: () => broker.account(),
    subscribe: (handler) => broker.subscribe(handler),
    latest: (s) => broker.latest(s),
    ready: () => broker.ready(),
    async close() {
      await broker.close();
      await emulator?.close();
    },
    source: emulator ? `alpaca emulator ${emulator.url} (simulated prices)` : `alpaca ${alpaca.baseUrl}`,
    symbols,
    clock: systemClock,
    async step() {
      if (emulator) {
        emulator.control.advance(1);
        await sleep(20); // let the stream deliver the step's trade updates
        await broker.idle();
      } else await sleep(config.stepMs);
      return true;
    },
  };
}

async function openPaper(config: RuntimeConfig, service: LedgerService, idPrefix: string): Promise<RuntimeBroker> {
  // The paper account lives in memory: resume it from the books (Σ sleeves + house = broker).
  const resume = brokerStateFromBooks(service.ledger);
  const paper = {
    idPrefix,
    ...(resume.cash !== undefined ? { startingCash: resume.cash, openingPositions: resume.positions } : {}),
  };
  const broker: PaperBroker = config.prices
    ? new PaperBroker({ market: await barsMarketFromCsv(config.prices), ...paper })
    : simulatedPaperBroker({
        seed: config.seed,
        symbols: demoSymbols(config.symbols).map((s) => ({
          ...s,
          start: resume.lastPrices.get(s.symbol as Symbol) ?? s.start,
        })),
        ...(resume.lastTs ? { clock: stepClock(nextMinute(resume.lastTs), 60) } : {}),
        fees: { perShare: dec('0.005') },
        slippageBps: dec('1'),
        liquidity: { volumeShare: dec('0.05') },
        ...paper,
      });
  return broker;
}
