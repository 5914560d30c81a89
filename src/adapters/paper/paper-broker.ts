/**
 * The paper broker: a `BrokerPort` and `MarketDataPort` on top of the simulation's matching
 * engine (src/sim). Prices come from a seeded simulated market or from bars the user supplies;
 * time is the market's (one step at a time), never the wall clock.
 *
 * Entry points: `new PaperBroker(options)`, `step()`, `run(steps)`, `idle()`, the `BrokerPort`
 * and `MarketDataPort` methods, `clock` (simulation time as an app `Clock`).
 * Invariants: execution reports reach subscribers through `subscribe` only, in the order the
 * engine produced them, one report at a time: every handler's promise is awaited before the next
 * handler or report; a handler that throws is reported to `onError` and delivery goes on.
 * `submit` and `cancel` queue their report and do not wait for its delivery (as with a real broker,
 * whose stream lags its REST answer); `step` resolves after every report produced so far has been
 * delivered.
 * Handlers may call `submit` and `cancel`, but must not await `step`, `run` or `idle` (deadlock).
 * Rejections are thrown as `BrokerRejection` with the simulation's code and Alpaca's words.
 */
import type {
  BrokerAccount,
  BrokerOrder,
  BrokerPort,
  BrokerPosition,
  ExecutionReport,
  MarketDataPort,
  OrderRequest,
  Quote,
} from '../../app/ports/broker-port.js';
import { BrokerRejection } from '../../app/ports/broker-port.js';
import type { Clock } from '../../app/ports/clock-port.js';
import { type Dec, dec } from '../../core/decimal.js';
import type { BrokerOrderId, ClientOrderId, Symbol } from '../../core/ids.js';
import {
  type AccountRules,
  type FeeSchedule,
  type LiquidityOptions,
  type Market,
  type Rejection,
  MatchingEngine,
  type SimPosition,
} from '../../sim/index.js';

export interface PaperBrokerOptions {
  /** Where prices come from: `new SimulatedMarket({seed, symbols})` or `barsMarketFromCsv(path)`. */
  readonly market: Market;
  /** Default 100,000 (Alpaca paper's default balance). */
  readonly startingCash?: Dec;
  /** Positions already held: resume a paper account from its books after a restart. */
  readonly openingPositions?: readonly SimPosition[];
  /** Basis points fills move against the trader. Default 0. */
  readonly slippageBps?: Dec;
  readonly fees?: FeeSchedule;
  /** The partial-fill cap (per symbol and side per step). Default: unlimited. */
  readonly liquidity?: LiquidityOptions;
  /** Alpaca's account rules to enforce; default all on (wash trade, flip, qty available, buying power). */
  readonly rules?: Partial<AccountRules>;
  /** Prefix of order and execution ids. Default "paper". */
  readonly idPrefix?: string;
  /** Told when a report handler throws; delivery continues. Default: console.error. */
  readonly onError?: (error: unknown, report: ExecutionReport) => void;
}

type Handler = (report: ExecutionReport) => Promise<void>;

export class PaperBroker implements BrokerPort, MarketDataPort {
  readonly market: Market;
  private readonly engine: MatchingEngine;
  private readonly handlers = new Set<Handler>();
  private readonly onError: (error: unknown, report: ExecutionReport) => void;
  private delivered: Promise<void> = Promise.resolve();
  private closed = false;

  /** Simulation time as the app's clock port: the current step's timestamp. */
  readonly clock: Clock = { now: () => new Date(this.market.now()) };

  constructor(options: PaperBrokerOptions) {
    this.market = options.market;
    this.engine = new MatchingEngine({
      market: options.market,
      startingCash: options.startingCash ?? dec('100000'),
      ...(options.openingPositions ? { openingPositions: options.openingPositions } : {}),
      slippageBps: options.slippageBps,
      fees: options.fees,
      liquidity: options.liquidity,
      rules: options.rules,
      idPrefix: options.idPrefix,
    });
    this.onError =
      options.onError ??
      ((error, report) =>
        console.error(`paper broker: a report handler failed on ${report.kind} ${report.order.clientOrderId}`, error));
  }

  /** Price source label ("simulated", "bars:<file>"). */
  get source(): string {
    return this.market.source;
  }

  /** Nothing to connect: resolves at once (the same call connects a remote broker). */
  async ready(): Promise<void> {}

  /** The symbols the market quotes. */
  get symbols(): readonly Symbol[] {
    return this.market.symbols;
  }

  /**
   * Advances the market one step, matches, and delivers the step's reports (and any still
   * queued). Resolves false, delivering nothing new, when the market has no more data.
   */
  async step(): Promise<boolean> {
    this.assertOpen();
    const outcome = this.engine.advance();
    if (outcome) for (const report of outcome.reports) this.enqueue(report);
    await this.delivered;
    return outcome !== undefined;
  }

  /** Runs up to `steps` steps; resolves with how many ran (fewer when the bars run out). */
  async run(steps: number): Promise<number> {
    let done = 0;
    while (done < steps && (await this.step())) done++;
    return done;
  }

  /** Resolves when every report produced so far has been delivered. */
  idle(): Promise<void> {
    return this.delivered;
  }

  async submit(order: OrderRequest): Promise<BrokerOrder> {
    this.assertOpen();
    const outcome = this.engine.submit(order);
    if (!outcome.accepted) throw toBrokerRejection(outcome.rejection);
    this.enqueue(outcome.report);
    return outcome.order;
  }

  async cancel(brokerOrderId: BrokerOrderId): Promise<void> {
    this.assertOpen();
    const outcome = this.engine.cancel(brokerOrderId);
    if (!outcome.accepted) throw toBrokerRejection(outcome.rejection);
    this.enqueue(outcome.report);
  }

  async orderByClientId(clientOrderId: ClientOrderId): Promise<BrokerOrder | undefined> {
    return this.engine.orderByClientId(clientOrderId);
  }

  async openOrders(): Promise<BrokerOrder[]> {
    return this.engine.openOrders();
  }

  /** Every order accepted so far, oldest first (Alpaca: `GET /v2/orders?status=all`). */
  async allOrders(): Promise<BrokerOrder[]> {
    return this.engine.allOrders();
  }

  async positions(): Promise<BrokerPosition[]> {
    return this.engine.positions().map((p) => ({ symbol: p.symbol, qty: p.qty, avgEntryPrice: p.avgEntryPrice }));
  }

  async account(): Promise<BrokerAccount> {
    return this.engine.accountView();
  }

  subscribe(handler: Handler): () => void {
    // Wrapped so the same function subscribed twice is delivered to twice, like two listeners.
    const entry: Handler = (report) => handler(report);
    this.handlers.add(entry);
    return () => {
      this.handlers.delete(entry);
    };
  }

  async latest(symbols: readonly Symbol[]): Promise<Map<Symbol, Quote>> {
    const quotes = new Map<Symbol, Quote>();
    for (const symbol of symbols) {
      const q = this.market.latest(symbol);
      if (q) quotes.set(symbol, { symbol, bid: q.bid, ask: q.ask, last: q.last, ts: q.ts, source: this.market.source });
    }
    return quotes;
  }

  /** Stops accepting calls, delivers what is queued, and drops every subscriber. */
  async close(): Promise<void> {
    this.closed = true;
    await this.delivered;
    this.handlers.clear();
  }

  private enqueue(report: ExecutionReport): void {
    this.delivered = this.delivered.then(() => this.deliver(report));
  }

  private async deliver(report: ExecutionReport): Promise<void> {
    for (const handler of [...this.handlers]) {
      try {
        await handler(report);
      } catch (error) {
        try {
          this.onError(error, report);
        } catch {
          // An onError that throws must not stop delivery either.
        }
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PaperBroker: closed');
  }
}

function toBrokerRejection(rejection: Rejection): BrokerRejection {
  return new BrokerRejection(rejection.code, rejection.message, false);
}
