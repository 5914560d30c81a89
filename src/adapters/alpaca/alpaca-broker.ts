/**
 * The Alpaca adapter: `BrokerPort` and `MarketDataPort` over Alpaca's Trading API v2, its
 * `trade_updates` websocket and its market-data API — or the local emulator standing in for it.
 *
 * Entry points: `new AlpacaBroker(options)`, the port methods, and `ready()`, `idle()`,
 * `backfillNow()`, `positionDetails()`, `activities()`, `clock()`, `assets()`, `allOrders()`, `stats()`.
 * Invariants — never lose a fill:
 *  - the stream connects on the first `subscribe` (or `ready`); after every connection, and at
 *    start-up, a backfill from the stored cursor (recovery.ts, backfill.ts) delivers
 *    what the stream missed; the cursor moves only after every report of a backfill was taken by
 *    every handler, so a crash re-delivers rather than skips (subscribers dedupe by execution id);
 *  - executions are deduplicated (delivery.ts); reports arrive in one ordered queue;
 *  - a POST whose outcome is unknown (timeout, lost connection, 5xx) is resolved by looking the
 *    order up by `client_order_id`; only when Alpaca has no such order is it sent once more — safe,
 *    because Alpaca refuses a second order with the same `client_order_id` (422), which is then
 *    resolved by the same lookup;
 *  - every REST call takes a slot of the account's shared budget (200/min); reads back off on 429.
 * Rejections (403/422 …) become `BrokerRejection`s with the broker's words (rejections.ts); an
 * unreachable or timing-out Alpaca (or 5xx/429 beyond the retries) becomes the port's
 * `BrokerUnavailableError` (errors.ts `toPortError`). Every port call is logged with its outcome
 * and duration through the injected `logger` (submit, cancel and lookups at info, reads at debug).
 */
import type { MarketInfoPort } from '../../app/ports/market-info-port.js';
import { corporateActionsOf } from './corporate-actions.js';
import { BrokerRejection, BrokerUnavailableError, type CorporateAction } from '../../app/ports/broker-port.js';
import { type LogFields, type Logger, silentLogger } from '../../app/ports/logger.js';
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
import { type Dec, abs, neg, toPlain } from '../../core/decimal.js';
import type { BrokerOrderId, ClientOrderId, Symbol } from '../../core/ids.js';
import type { CursorStore } from './backfill.js';
import { type AlpacaConfig, streamUrlFor } from './config.js';
import { ReportDelivery } from './delivery.js';
import { AlpacaHttpError, AlpacaTransportError, toPortError } from './errors.js';
import { AlpacaHttp } from './http.js';
import { toBrokerOrder, toOrderBody, toReport } from './mapping.js';
import { AlpacaMarketData } from './market-data.js';
import { FillRecovery } from './recovery.js';
import { toBrokerRejection } from './rejections.js';
import { RequestBudget, type Timers, realTimers } from './request-budget.js';
import { type AuthForm, TradeStream } from './trade-stream.js';
import { type ActivityQuery, type OrderQuery, TradingApi } from './trading-api.js';

export interface AlpacaBrokerOptions {
  readonly config: AlpacaConfig;
  /** Where the backfill cursor is kept between runs. */
  readonly cursors: CursorStore;
  /** Cursor name. Default `alpaca:<key id>:fills`. */
  readonly cursorName?: string;
  /** With no stored cursor: start at the broker's latest fill (`now`, default) or replay all (`beginning`). */
  readonly startFrom?: 'now' | 'beginning';
  /** The account's trading request budget; share one instance per API key. Default 200/min. */
  readonly budget?: RequestBudget;
  /** The market-data budget. Default 200/min. */
  readonly dataBudget?: RequestBudget;
  /** Per REST attempt, ms. Default 10,000. */
  readonly timeoutMs?: number;
  readonly readRetries?: number;
  readonly backoffMs?: number;
  readonly stream?: {
    readonly authForm?: AuthForm;
    readonly backoffMs?: { initial?: number; max?: number };
    readonly pingIntervalMs?: number;
  };
  /** Periodic backfill (also catches a silently dead socket); 0 = only after connects. Default 60,000. */
  readonly backfillEveryMs?: number;
  /** How far before the cursor orders are listed for status changes. Default 7 days. */
  readonly orderLookbackMs?: number;
  readonly fetch?: typeof fetch;
  readonly timers?: Timers;
  /** Stream, backfill and handler failures. Default: logged through `logger` when given, else console.error. */
  readonly onError?: (error: unknown, context: string) => void;
  /** Where broker calls and their outcome, backfills and stream failures are logged. Default: nowhere. */
  readonly logger?: Logger;
}

export interface PositionDetail extends BrokerPosition {
  /** Shares not held by open orders (Alpaca `qty_available`), signed like `qty`. */
  readonly qtyAvailable: Dec;
}

export class AlpacaBroker implements BrokerPort, MarketDataPort {
  readonly api: TradingApi;
  private readonly data: AlpacaMarketData;
  private readonly delivery: ReportDelivery;
  private readonly stream: TradeStream;
  private readonly recovery: FillRecovery;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly log: Logger;
  private readonly timers: Timers;
  private started = false;
  private closed = false;
  /** Resolves with the backfill that followed the first connection's `listening`. */
  private listeningOnce!: (backfilled: Promise<void>) => void;
  private readonly listening = new Promise<void>((resolve) => (this.listeningOnce = resolve));

  constructor(private readonly options: AlpacaBrokerOptions) {
    const { config } = options;
    this.timers = options.timers ?? realTimers;
    const http = (budget: RequestBudget) =>
      new AlpacaHttp({
        keyId: config.keyId,
        secretKey: config.secretKey,
        budget,
        timers: this.timers,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.readRetries !== undefined ? { readRetries: options.readRetries } : {}),
        ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    this.api = new TradingApi(
      http(options.budget ?? new RequestBudget(200, this.timers)),
      config.baseUrl.replace(/\/+$/, ''),
    );
    this.data = new AlpacaMarketData(
      http(options.dataBudget ?? new RequestBudget(200, this.timers)),
      config.dataUrl.replace(/\/+$/, ''),
      config.feed,
    );
    this.log = options.logger ?? silentLogger;
    const logger = options.logger;
    this.onError =
      options.onError ??
      (logger
        ? (error, context) =>
            // A handler failure needs a person; the stream and backfill retry by themselves.
            logger[context.startsWith('a report handler') ? 'error' : 'warn'](
              { err: error, context },
              `alpaca: ${context}`,
            )
        : (error, context) => console.error(`alpaca: ${context}:`, error));
    this.delivery = new ReportDelivery((error, report) =>
      this.onError(error, `a report handler failed on ${report.kind} ${report.order.clientOrderId}`),
    );
    this.recovery = new FillRecovery(this.api, this.delivery, {
      cursors: options.cursors,
      cursorName: options.cursorName ?? `alpaca:${config.keyId}:fills`,
      startFrom: options.startFrom ?? 'now',
      everyMs: options.backfillEveryMs ?? 60_000,
      orderLookbackMs: options.orderLookbackMs ?? 7 * 86_400_000,
      onError: this.onError,
      log: this.log,
    });
    this.stream = new TradeStream({
      url: config.streamUrl ?? streamUrlFor(config.baseUrl),
      keyId: config.keyId,
      secretKey: config.secretKey,
      ...options.stream,
      onUpdate: (update) => {
        const report = toReport(update);
        if (report) void this.recovery.deliverLive(report);
      },
      onListening: () => this.listeningOnce(this.backfillNow()),
      onError: (error) => this.onError(error, 'trade stream'),
    });
  }

  /** Connects the stream (once) and resolves when it listens and a backfill after that is done. */
  async ready(): Promise<void> {
    this.start();
    await this.listening;
  }

  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.stream.start();
    this.recovery.start();
  }

  /** Runs a backfill now (queued behind pending deliveries); resolves when it is done. */
  backfillNow(): Promise<void> {
    return this.recovery.run();
  }

  async submit(order: OrderRequest): Promise<BrokerOrder> {
    this.assertOpen();
    const body = toOrderBody(order);
    return this.call(
      'submit',
      {
        client_order_id: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        qty: body.qty,
        type: body.type,
      },
      async () => {
        try {
          return toBrokerOrder(await this.api.submitOrder(body));
        } catch (error) {
          if (!outcomeUnknown(error)) throw rejectionOf(error);
          this.log.warn(
            { broker_call: 'submit', client_order_id: order.clientOrderId, error: (error as Error).message },
            'broker submit: outcome unknown; looking the order up by client_order_id',
          );
          return this.resolveUnknownSubmit(order.clientOrderId, body, error);
        }
      },
      orderOutcome,
    );
  }

  private async resolveUnknownSubmit(
    clientOrderId: ClientOrderId,
    body: Record<string, string>,
    cause: unknown,
  ): Promise<BrokerOrder> {
    const found = await this.api.orderByClientId(clientOrderId);
    if (found) return toBrokerOrder(found);
    try {
      return toBrokerOrder(await this.api.submitOrder(body));
    } catch (error) {
      const duplicate = error instanceof AlpacaHttpError && /client_order_id must be unique/i.test(error.brokerMessage);
      if (duplicate || outcomeUnknown(error)) {
        const now = await this.api.orderByClientId(clientOrderId);
        if (now) return toBrokerOrder(now);
        throw outcomeUnknown(error) ? error : cause;
      }
      throw rejectionOf(error);
    }
  }

  async cancel(brokerOrderId: BrokerOrderId): Promise<void> {
    this.assertOpen();
    await this.call('cancel', { broker_order_id: brokerOrderId }, async () => {
      try {
        await this.api.cancelOrder(brokerOrderId);
      } catch (error) {
        // No answer or a 5xx says nothing about the order: unavailable, not refused.
        throw outcomeUnknown(error) ? error : rejectionOf(error);
      }
    });
  }

  async orderByClientId(clientOrderId: ClientOrderId): Promise<BrokerOrder | undefined> {
    return this.call(
      'lookup',
      { client_order_id: clientOrderId },
      async () => {
        const order = await this.api.orderByClientId(clientOrderId);
        return order && toBrokerOrder(order);
      },
      (order) => (order ? orderOutcome(order) : { found: false }),
    );
  }

  async openOrders(): Promise<BrokerOrder[]> {
    return this.call(
      'open orders',
      {},
      async () => (await this.api.ordersAll({ status: 'open' })).map(toBrokerOrder),
      (orders) => ({ count: orders.length }),
      'debug',
    );
  }

  /** Orders by submission time, oldest first (Alpaca `GET /v2/orders`, all pages). */
  async allOrders(query: Omit<OrderQuery, 'direction' | 'limit'> = { status: 'all' }): Promise<BrokerOrder[]> {
    return (await this.api.ordersAll(query)).map(toBrokerOrder);
  }

  async positions(): Promise<BrokerPosition[]> {
    return this.call(
      'positions',
      {},
      async () =>
        (await this.positionDetails()).map(({ symbol, qty, avgEntryPrice }) => ({ symbol, qty, avgEntryPrice })),
      (positions) => ({ count: positions.length }),
      'debug',
    );
  }

  /** Positions with `qty_available` (what open orders do not hold). */
  async positionDetails(): Promise<PositionDetail[]> {
    return (await this.api.positions()).map((p) => {
      const sign = (value: Dec) => (p.side === 'short' ? neg(abs(value)) : abs(value));
      return {
        symbol: p.symbol as Symbol,
        qty: sign(p.qty),
        avgEntryPrice: p.avg_entry_price,
        qtyAvailable: sign(p.qty_available ?? p.qty),
      };
    });
  }

  async account(): Promise<BrokerAccount> {
    return this.call(
      'account',
      {},
      async () => {
        const a = await this.api.account();
        return { cash: a.cash, buyingPower: a.buying_power, equity: a.equity };
      },
      () => ({}),
      'debug',
    );
  }

  /** Account activities (FILL, DIV, SPLIT, CFEE, …), all pages after the token or time, oldest first. */
  activities(query: Omit<ActivityQuery, 'direction' | 'pageSize'> = {}) {
    return this.api.activitiesAll(query);
  }

  /** DIV and SPLIT activities as corporate actions (a split's REMOVE/ADD legs give its ratio). */
  async corporateActions(after?: string): Promise<CorporateAction[]> {
    return this.call(
      'corporate actions',
      after ? { after } : {},
      async () =>
        corporateActionsOf(await this.api.activitiesAll({ types: ['DIV', 'SPLIT'], ...(after ? { after } : {}) })),
      (actions) => ({ count: actions.length }),
      'debug',
    );
  }

  clock() {
    return this.api.clock();
  }

  /** The broker's clock and trading days, for the gateway to pass through (src/app/ports/market-info-port.ts). */
  readonly marketInfo: MarketInfoPort = {
    assets: () => this.api.assetsRaw(),
    clock: async () => {
      const c = await this.api.clock();
      return { timestamp: c.timestamp, isOpen: c.is_open, nextOpen: c.next_open, nextClose: c.next_close };
    },
    calendar: async (start, end) =>
      (await this.api.calendar(start, end)).map((d) => ({
        date: d.date,
        open: d.open,
        close: d.close,
        ...(d.session_open ? { sessionOpen: d.session_open } : {}),
        ...(d.session_close ? { sessionClose: d.session_close } : {}),
        ...(d.settlement_date ? { settlementDate: d.settlement_date } : {}),
      })),
  };

  assets(query: { status?: string; assetClass?: string } = {}) {
    return this.api.assets(query);
  }

  latest(symbols: readonly Symbol[]): Promise<Map<Symbol, Quote>> {
    return this.call(
      'latest quotes',
      { symbols: symbols.length },
      () => this.data.latest(symbols),
      (quotes) => ({ quotes: quotes.size }),
      'debug',
    );
  }

  subscribe(handler: (report: ExecutionReport) => Promise<void>): () => void {
    const unsubscribe = this.delivery.subscribe(handler);
    this.start();
    return unsubscribe;
  }

  /** Resolves when every report received so far has been delivered. */
  idle(): Promise<void> {
    return this.delivery.idle();
  }

  stats() {
    return {
      delivered: this.delivery.delivered,
      duplicates: this.delivery.duplicates,
      connections: this.stream.connections,
      backfills: this.recovery.runs,
    };
  }

  /** Stops the stream and timers, delivers what is queued, and drops every subscriber. */
  async close(): Promise<void> {
    this.closed = true;
    this.stream.close();
    this.recovery.close();
    await this.delivery.idle();
    this.delivery.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('AlpacaBroker: closed');
  }

  /**
   * One port call: logs it with its outcome and duration, and turns an unreachable or timing-out
   * Alpaca into `BrokerUnavailableError` (what the rest of Subledger understands).
   */
  private async call<T>(
    op: string,
    fields: LogFields,
    work: () => Promise<T>,
    outcome: (result: T) => LogFields = () => ({}),
    level: 'info' | 'debug' = 'info',
  ): Promise<T> {
    const started = performance.now();
    const duration = () => Math.round((performance.now() - started) * 10) / 10;
    try {
      const result = await work();
      this.log[level](
        { broker_call: op, ...fields, outcome: 'ok', ...outcome(result), duration_ms: duration() },
        `broker ${op}`,
      );
      return result;
    } catch (error) {
      const mapped = toPortError(error);
      this.log.warn(
        {
          broker_call: op,
          ...fields,
          outcome:
            mapped instanceof BrokerRejection
              ? 'rejected'
              : mapped instanceof BrokerUnavailableError
                ? 'unavailable'
                : 'failed',
          ...(mapped instanceof BrokerRejection ? { code: mapped.code } : {}),
          error: (mapped as Error)?.message ?? String(mapped),
          duration_ms: duration(),
        },
        `broker ${op} failed`,
      );
      throw mapped;
    }
  }
}

/** What a log line says about the broker's view of an order. */
function orderOutcome(order: BrokerOrder): LogFields {
  return { status: order.status, broker_order_id: order.brokerOrderId, filled_qty: toPlain(order.filledQty) };
}

/** A timeout, a lost connection or a 5xx: Alpaca may or may not have taken the order. */
function outcomeUnknown(error: unknown): boolean {
  return error instanceof AlpacaTransportError || (error instanceof AlpacaHttpError && error.status >= 500);
}

function rejectionOf(error: unknown): unknown {
  return error instanceof AlpacaHttpError ? toBrokerRejection(error) : error;
}
