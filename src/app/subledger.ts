/**
 * `Subledger`: the application (implements `SubledgerApi`). Wires the ledger service, the order
 * router, the fill path and the broker: deployments and capital, orders, the seed's metrics /
 * positions / trades views, and the account view (broker vs Σ sleeves + house).
 *
 * The house sleeve is the account's own: created on first start with the broker's cash (and any
 * positions already held, booked at their average entry price), it funds every deployment's
 * capital, so Σ deployments + house = broker holds for cash as well as for every symbol.
 */
import { openOrdersOf } from './journal/account-state.js';
import type { EnginePort } from './ports/engine-port.js';
import { randomUUID } from 'node:crypto';
import { type Dec, ZERO, abs, formatMoney, toPlain } from '../core/decimal.js';
import { type DeploymentId, type FillId, HOUSE, type Symbol, deploymentIdProblem } from '../core/ids.js';
import { type OrderState, isOpen, reservedCash } from '../core/orders.js';
import { heldSymbols, netQuantity } from '../core/ledger.js';
import { reconcile } from '../core/reconcile.js';
import { houseOpening } from '../core/house.js';
import { buyingPower, sleeveHoldings } from '../core/risk.js';
import type {
  AccountView,
  CapitalFlowView,
  CreateDeploymentInput,
  DeploymentStatus,
  DeploymentView,
  HealthView,
  MetricsView,
  OrderView,
  SubledgerApi,
  SubmitOrderInput,
  TradePage,
  TradeQueryInput,
} from './api.js';
import { type BrokerPort, type MarketDataPort, TERMINAL_STATUSES } from './ports/broker-port.js';
import type { Clock } from './ports/clock-port.js';
import { AppError } from './errors.js';
import { idempotencyKeyProblem } from './journal/journal-bounds.js';
import { bookReport } from './trading/fill-path.js';
import { type JournalEvent, journalKey } from './journal/journal-codec.js';
import type { LedgerService } from './journal/ledger-service.js';
import { limitsToJson, limitsView } from './risk/limits.js';
import type { MarketHours } from './marks/market-hours.js';
import { DEFAULT_ROUTER_OPTIONS, OrderRouter, type RouterOptions } from './trading/order-router.js';
import type { SweepResult } from './trading/order-lifecycle.js';
import { PriceUpdater } from './marks/price-updater.js';
import { carrierOf, routeOf } from './trading/order-routes.js';
import { type PositionView, sleeveSummaryView, sleeveView } from './performance/views.js';

export interface SubledgerOptions {
  readonly service: LedgerService;
  readonly broker: BrokerPort;
  readonly market: MarketDataPort;
  readonly clock: Clock;
  readonly router?: RouterOptions;
  /** Told when booking a report fails (the report is retried by reconciliation later). */
  readonly onError?: (error: unknown) => void;
  /** When each symbol's market is open, for the price updater (default: US equity hours; crypto always). */
  readonly hours?: MarketHours;
  /** A position whose mark is older than this is flagged `mark_stale` (default 300 s). */
  readonly staleMarkSeconds?: number;
  /** Where the price updater reports failures and recoveries (default: the console). */
  readonly log?: (level: 'error' | 'info', message: string) => void;
}

export class Subledger implements SubledgerApi {
  readonly service: LedgerService;
  readonly router: OrderRouter;
  /** The price updater (marks, staleness, the feed's health). */
  readonly prices: PriceUpdater;
  private readonly broker: BrokerPort;
  private readonly clock: Clock;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: SubledgerOptions) {
    this.service = options.service;
    this.broker = options.broker;
    this.clock = options.clock;
    this.router = new OrderRouter(
      options.service,
      options.broker,
      options.market,
      options.clock,
      options.router ?? DEFAULT_ROUTER_OPTIONS,
      undefined,
      (error) =>
        options.log
          ? options.log('error', `internal book: ${(error as Error).message}`)
          : console.error('subledger: internal book:', error),
      options.hours,
    );
    this.prices = new PriceUpdater({
      service: options.service,
      market: options.market,
      clock: options.clock,
      ...(options.hours ? { hours: options.hours } : {}),
      ...(options.staleMarkSeconds !== undefined ? { staleAfterSeconds: options.staleMarkSeconds } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /** The application as the multi-strategy engine may reach it (src/app/ports/engine-port.ts). */
  get engine(): EnginePort {
    const { service, router } = this;
    return {
      get state() {
        return service.state;
      },
      get ledger() {
        return service.ledger;
      },
      deploymentIds: () => service.deploymentIds(),
      deploymentInfo: (id) => service.deploymentInfo(id),
      append: (events) => service.append(events),
      submitBlock: (request) => router.submitBlock(request),
      cancelBlock: (blockId) => router.cancelBlock(blockId),
      marketMargin: router.marketMargin,
      account: () => this.account(),
    };
  }

  /** Opens the house sleeve if needed and starts booking the broker's execution reports. */
  async start(): Promise<void> {
    await this.ensureHouse();
    await this.router.releaseWaiting(); // legs left waiting by a stop between a split order's two legs
    this.unsubscribe = this.broker.subscribe(async (report) => {
      try {
        await bookReport(this.service, report);
        // A report may be delivered from inside a symbol's lane (a paper broker answers at once):
        // what it sets off waits for that lane like any other work.
        await this.router.book.detached(() =>
          this.router.releaseWaiting(
            this.service.state.carriers.get(report.order.clientOrderId) ?? report.order.clientOrderId,
          ),
        );
        // A broker order that ended may have been in the way of orders the internal book holds.
        if (TERMINAL_STATUSES.has(report.order.status)) this.router.book.schedule(report.order.symbol);
      } catch (error) {
        (this.options.onError ?? ((e) => console.error('subledger: could not book a report:', e)))(error);
        // Rethrown so a broker that can (Alpaca) keeps the report and delivers it again later
        // instead of moving its backfill cursor past a fill that was never booked.
        throw error;
      }
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.router.book.idle();
  }

  private async ensureHouse(): Promise<void> {
    if (this.service.ledger.sleeves.has(HOUSE)) return;
    const [account, positions] = await Promise.all([this.broker.account(), this.broker.positions()]);
    const ts = this.clock.now().toISOString();
    // What the broker holds beyond the sleeves the books already have (an imported journal's).
    const opening = houseOpening(account.cash, positions, this.service.ledger);
    const events: JournalEvent[] = [
      {
        type: 'deployment',
        deployment: HOUSE,
        initialCapital: opening.capital,
        costMethod: 'average',
        name: 'House',
        strategy: 'house',
        limits: { allow_short: true },
        ts,
      },
      ...opening.positions.map((p): JournalEvent => ({
        type: 'fill',
        id: `opening:${p.symbol}:${ts}` as FillId,
        symbol: p.symbol,
        price: p.price,
        ts,
        legs: [
          { deployment: HOUSE, side: p.qty > 0n ? 'buy' : 'sell', qty: abs(p.qty), fee: ZERO, feeCurrency: 'quote' },
        ],
      })),
    ];
    await this.service.append(events);
  }

  /**
   * Re-prices every symbol any sleeve holds whose market is open (crypto always), in one batched
   * market-data call, journaling the marks (src/app/marks/price-updater.ts). A symbol without a price
   * keeps its last mark (never zeroed); a failed fetch throws `PriceFetchError` and journals
   * nothing. Returns the symbols marked.
   */
  async markToMarket(): Promise<Symbol[]> {
    return [...(await this.prices.update()).marked];
  }

  /**
   * Journals the dividends and splits the broker booked since the last sync (each applied to every
   * sleeve holding the symbol); a re-sync adds nothing (journal keys). Returns the events added.
   */
  async syncCorporateActions(): Promise<number> {
    const { events, last } = await this.brokerCorporateActions();
    const result = await this.service.append(events);
    if (last) await this.service.store.setCursor('corporate_actions.after', last);
    return result.appended;
  }

  /**
   * How many of the broker's dividends and splits since the last sync are not journaled yet
   * (what `syncCorporateActions` would add). Reads only: a read-only runtime asks this first.
   */
  async pendingCorporateActions(): Promise<number> {
    const { events } = await this.brokerCorporateActions();
    return new Set(events.map(journalKey).filter((key) => !this.service.ledger.applied.has(key))).size;
  }

  /** The broker's corporate actions since the cursor (re-read a day back), as journal events, and the last one's time. */
  private async brokerCorporateActions(): Promise<{ events: JournalEvent[]; last: string | undefined }> {
    if (!this.broker.corporateActions) return { events: [], last: undefined };
    const cursor = await this.service.store.getCursor('corporate_actions.after');
    // Re-read a day back: an action sharing the cursor's time may arrive later; duplicates are skipped.
    const after = cursor ? new Date(Date.parse(cursor) - 86_400_000).toISOString() : undefined;
    const actions = await this.broker.corporateActions(after);
    const events: JournalEvent[] = actions.map((a) =>
      a.kind === 'dividend'
        ? { type: 'dividend', symbol: a.symbol, amountPerShare: a.amountPerShare, ts: a.ts }
        : { type: 'split', symbol: a.symbol, ratio: a.ratio, ts: a.ts },
    );
    return { events, last: actions.at(-1)?.ts };
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private requireDeployment(id: DeploymentId) {
    const info = this.service.deploymentInfo(id);
    if (!info || id === HOUSE) throw new AppError('NOT_FOUND', `no deployment '${id}'`);
    return info;
  }

  /**
   * Cash a withdrawal may take: the risk check's buying power (cash − reservations of open buys −
   * what open shorts hold back), so short-sale proceeds cannot be withdrawn either; never above cash.
   */
  private freeCash(id: DeploymentId): { cash: Dec; reserved: Dec; free: Dec; openBuys: number } {
    const { ledger } = this.service;
    const sleeve = ledger.sleeves.get(id)!;
    const open = openOrdersOf(this.service.state, id);
    const power = buyingPower(sleeve.cash, sleeveHoldings(sleeve, ledger.marks), open);
    const reserved = (sleeve.cash - (power.available < sleeve.cash ? power.available : sleeve.cash)) as Dec;
    return { cash: sleeve.cash, reserved, free: (sleeve.cash - reserved) as Dec, openBuys: power.openBuys };
  }

  private requireHouseCash(amount: Dec): void {
    if (!this.service.ledger.sleeves.has(HOUSE)) return;
    const { free } = this.freeCash(HOUSE);
    if (amount > free) {
      throw new AppError(
        'INSUFFICIENT_FREE_CASH',
        `INSUFFICIENT_FREE_CASH: the account has $${formatMoney(free)} unallocated (house sleeve); $${formatMoney(amount)} was asked`,
        {
          available: toPlain(free),
          requested: toPlain(amount),
        },
      );
    }
  }

  deploymentView(id: DeploymentId): DeploymentView {
    const info = this.requireDeployment(id);
    const sleeve = this.service.ledger.sleeves.get(id)!;
    return {
      id,
      name: info.name,
      strategy: info.strategy,
      status: info.status,
      cost_method: sleeve.costMethod,
      initial_capital: toPlain(sleeve.initialCapital),
      limits: limitsView(info.limits),
      created_at: info.createdAt,
      updated_at: info.updatedAt,
    };
  }

  async createDeployment(input: CreateDeploymentInput): Promise<DeploymentView> {
    const problem = deploymentIdProblem(input.id);
    if (problem || input.id === HOUSE) {
      const message = problem ?? `"${HOUSE}" is reserved for the account's own sleeve`;
      throw new AppError('VALIDATION_FAILED', `id: ${message}`, { fields: [{ field: 'id', message }] });
    }
    if (input.initialCapital < 0n)
      throw new AppError('VALIDATION_FAILED', 'initial_capital: must not be negative', {
        fields: [{ field: 'initial_capital', message: 'must not be negative' }],
      });
    await this.service.exclusive(async (writer) => {
      if (this.service.ledger.sleeves.has(input.id))
        throw new AppError('CONFLICT', `deployment '${input.id}' already exists`);
      this.requireHouseCash(input.initialCapital);
      const ts = this.now();
      const events: JournalEvent[] = [
        {
          type: 'deployment',
          deployment: input.id,
          initialCapital: input.initialCapital,
          costMethod: input.costMethod ?? 'average',
          name: input.name ?? input.id,
          strategy: input.strategy ?? input.id,
          limits: limitsToJson(input.limits),
          ts,
        },
      ];
      if (this.service.ledger.sleeves.has(HOUSE) && input.initialCapital > 0n) {
        events.push({
          type: 'capital_flow',
          id: `allocate:${input.id}`,
          deployment: HOUSE,
          amount: -input.initialCapital as Dec,
          ts,
        });
      }
      await writer.append(events);
    });
    return this.deploymentView(input.id);
  }

  listDeployments(): DeploymentView[] {
    return this.service
      .deploymentIds()
      .filter((id) => id !== HOUSE)
      .map((id) => this.deploymentView(id));
  }

  getDeployment(id: DeploymentId): DeploymentView {
    return this.deploymentView(id);
  }

  async setDeploymentStatus(id: DeploymentId, status: DeploymentStatus): Promise<DeploymentView> {
    const info = this.requireDeployment(id);
    if (info.status !== status) {
      await this.service.append([
        { type: 'deployment_status', id: randomUUID(), deployment: id, status, ts: this.now() },
      ]);
    }
    if (status === 'stopped') {
      for (const order of openOrdersOf(this.service.state, id)) {
        await this.router.cancel(id, order.id).catch(() => undefined);
      }
    }
    return this.deploymentView(id);
  }

  async moveCapital(id: DeploymentId, amount: Dec, idempotencyKey?: string): Promise<CapitalFlowView> {
    this.requireDeployment(id);
    if (amount === 0n)
      throw new AppError('VALIDATION_FAILED', 'amount: must not be 0', {
        fields: [{ field: 'amount', message: 'must not be 0' }],
      });
    // The key becomes part of the flow ids (`<id>:<key>`, `<id>:<key>:house`): bounded like the header.
    const keyProblem = idempotencyKey === undefined ? undefined : idempotencyKeyProblem(idempotencyKey);
    if (keyProblem)
      throw new AppError('VALIDATION_FAILED', `idempotency-key: ${keyProblem}`, {
        fields: [{ field: 'idempotency-key', message: keyProblem }],
      });
    const flowId = idempotencyKey ? `${id}:${idempotencyKey}` : randomUUID();
    await this.service.exclusive(async (writer) => {
      const existing = (this.service.state.flows.get(id) ?? []).find((f) => f.id === flowId);
      if (existing) {
        if (existing.amount !== amount)
          throw new AppError(
            'IDEMPOTENCY_CONFLICT',
            `idempotency key '${idempotencyKey}' was already used for a capital flow of ${toPlain(existing.amount)}`,
          );
        return;
      }
      if (amount < 0n) {
        const { cash, reserved, free, openBuys } = this.freeCash(id);
        if (-amount > free) {
          throw new AppError(
            'INSUFFICIENT_FREE_CASH',
            `INSUFFICIENT_FREE_CASH: deployment '${id}' has $${formatMoney(free)} free (cash $${formatMoney(cash)} − $${formatMoney(reserved)} reserved by ${openBuys} open order${openBuys === 1 ? '' : 's'}); $${formatMoney(-amount as Dec)} was asked back`,
            { available: toPlain(free), requested: toPlain(-amount as Dec) },
          );
        }
      } else {
        this.requireHouseCash(amount);
      }
      const ts = this.now();
      const events: JournalEvent[] = [{ type: 'capital_flow', id: flowId, deployment: id, amount, ts }];
      if (this.service.ledger.sleeves.has(HOUSE))
        events.push({ type: 'capital_flow', id: `${flowId}:house`, deployment: HOUSE, amount: -amount as Dec, ts });
      await writer.append(events);
    });
    const flow = (this.service.state.flows.get(id) ?? []).find((f) => f.id === flowId)!;
    return { id: flow.id, deployment_id: id, amount: toPlain(flow.amount), ts: flow.ts };
  }

  capitalFlows(id: DeploymentId): CapitalFlowView[] {
    this.requireDeployment(id);
    return (this.service.state.flows.get(id) ?? []).map((f) => ({
      id: f.id,
      deployment_id: id,
      amount: toPlain(f.amount),
      ts: f.ts,
    }));
  }

  metrics(id: DeploymentId): MetricsView {
    const info = this.requireDeployment(id);
    const view = sleeveSummaryView(this.service.ledger, id, info);
    // The risk check's own rule (src/core/risk.ts): cash − reservations − what shorts hold back.
    const { ledger } = this.service;
    const sleeve = ledger.sleeves.get(id)!;
    const open = openOrdersOf(this.service.state, id);
    const power = buyingPower(sleeve.cash, sleeveHoldings(sleeve, ledger.marks), open);
    return {
      ...view,
      buying_power: toPlain(power.available),
      reserved_cash: toPlain(power.reserved),
      open_orders: open.length,
      as_of: this.now(),
    };
  }

  positions(id: DeploymentId): PositionView[] {
    const info = this.requireDeployment(id);
    return sleeveView(this.service.ledger, id, info)
      .positions.filter((p) => p.qty !== '0')
      .map((p) => ({ ...p, mark_stale: this.prices.isStale(p.mark_ts) }));
  }

  journalSeq(): number {
    return this.service.lastSeq;
  }

  asOf(): string {
    return this.now();
  }

  isMarkStale(markTs: string | null): boolean {
    return this.prices.isStale(markTs);
  }

  async trades(id: DeploymentId, query: TradeQueryInput): Promise<TradePage> {
    this.requireDeployment(id);
    let after: { seq: number; leg: number } | undefined;
    if (query.cursor !== undefined) {
      const match = /^(\d+)\.(\d+)$/.exec(query.cursor);
      if (!match)
        throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor returned by this API', {
          fields: [{ field: 'cursor', message: 'invalid' }],
        });
      after = { seq: Number(match[1]), leg: Number(match[2]) };
    }
    const rows = await this.service.store.trades({
      deploymentId: id,
      ...(query.symbol !== undefined ? { symbol: query.symbol } : {}),
      // The store compares times as text; its rows hold them as toISOString() writes them
      // ("…14:31:00.000Z"), so the bounds are written the same way ("…14:31:00Z" sorted after it).
      ...(query.from !== undefined ? { from: canonicalTime(query.from) } : {}),
      ...(query.to !== undefined ? { to: canonicalTime(query.to) } : {}),
      ...(after ? { after } : {}),
      limit: query.limit,
    });
    const last = rows.at(-1);
    return {
      trades: rows.map((r) => ({
        fill_id: r.fillId,
        order_id: r.orderId,
        symbol: r.symbol,
        side: r.side as 'buy' | 'sell',
        qty: r.qty,
        price: r.price,
        fee: r.feeExpense,
        realized_pnl: r.realizedPnl,
        ts: r.ts,
      })),
      next_cursor: rows.length === query.limit && last ? `${last.seq}.${last.leg}` : null,
    };
  }

  async submitOrder(id: DeploymentId, input: SubmitOrderInput): Promise<OrderView> {
    this.requireDeployment(id);
    return this.orderView(await this.router.submit(id, input));
  }

  async cancelOrder(id: DeploymentId, orderId: string): Promise<OrderView> {
    this.requireDeployment(id);
    return this.orderView(await this.router.cancel(id, orderId));
  }

  async resolveOrders(id: DeploymentId, waitMs = 2000): Promise<void> {
    this.requireDeployment(id);
    const lifecycle = this.router.lifecycle;
    const pending = (this.service.state.ordersByDeployment.get(id) ?? []).filter((o) => lifecycle.awaitsBroker(o));
    if (pending.length === 0) return;
    const settled = Promise.allSettled(pending.map((o) => lifecycle.resolve(o.id)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** Resolves every order the broker has not acknowledged, or no longer has open (start-up, and on a period). */
  async resolveAllOrders(): Promise<SweepResult> {
    const result = await this.router.lifecycle.sweep();
    await this.router.book.resume(); // withdrawals a stop cut off, and held orders that can go now
    return result;
  }

  listOrders(id: DeploymentId, query: { status: 'open' | 'closed' | 'all'; limit: number }): OrderView[] {
    this.requireDeployment(id);
    const all = this.service.state.ordersByDeployment.get(id) ?? [];
    const chosen = all.filter((o) => query.status === 'all' || (query.status === 'open') === isOpen(o));
    return chosen
      .slice(-query.limit)
      .reverse()
      .map((o) => this.orderView(o));
  }

  private orderView(order: OrderState): OrderView {
    const state = this.service.state;
    return orderView(order, routeOf(state, order).crossed, isOpen(order) && carrierOf(state, order) !== null);
  }

  async account(): Promise<AccountView> {
    const [broker, brokerPositions] = await Promise.all([this.broker.account(), this.broker.positions()]);
    const ledger = this.service.ledger;
    const sorted = [...new Set<Symbol>([...brokerPositions.map((p) => p.symbol), ...heldSymbols(ledger)])].sort();
    const qtyOf = (filter: (d: DeploymentId) => boolean, symbol: Symbol) => {
      let q = 0n;
      for (const s of ledger.sleeves.values()) if (filter(s.deployment)) q += s.positions.get(symbol)?.qty ?? 0n;
      return q as Dec;
    };
    const cashOf = (filter: (d: DeploymentId) => boolean) => {
      let c = 0n;
      for (const s of ledger.sleeves.values()) if (filter(s.deployment)) c += s.cash;
      return c as Dec;
    };
    const isHouse = (d: DeploymentId) => d === HOUSE;
    const notHouse = (d: DeploymentId) => d !== HOUSE;
    const positionsOf = (filter: (d: DeploymentId) => boolean) =>
      sorted.map((symbol) => ({ symbol, qty: toPlain(qtyOf(filter, symbol)) })).filter((p) => p.qty !== '0');
    const { reconciled, differences } = reconcile(
      { cash: broker.cash, positions: brokerPositions },
      { cash: cashOf(() => true), positions: sorted.map((symbol) => ({ symbol, qty: netQuantity(ledger, symbol) })) },
    );
    return {
      broker: {
        cash: toPlain(broker.cash),
        equity: toPlain(broker.equity),
        positions: brokerPositions.map((p) => ({ symbol: p.symbol, qty: toPlain(p.qty) })),
      },
      sleeves: { cash: toPlain(cashOf(notHouse)), positions: positionsOf(notHouse) },
      house: { cash: toPlain(cashOf(isHouse)), positions: positionsOf(isHouse) },
      differences,
      reconciled,
      as_of: this.now(),
    };
  }

  async health(): Promise<HealthView> {
    let store = `${this.service.store.kind} ok`;
    let events: number | null = null;
    try {
      events = (await this.service.store.journalStats()).count;
    } catch (error) {
      store = `${this.service.store.kind} failing: ${(error as Error).message}`;
    }
    let broker = 'ok';
    try {
      await this.broker.account();
    } catch (error) {
      broker = `unreachable: ${(error as Error).message}`;
    }
    const marks = this.prices.status();
    const ok = events !== null && broker === 'ok' && marks.status !== 'failing';
    return {
      status: ok ? 'ok' : 'degraded',
      store,
      broker,
      journal_events: events,
      time: this.now(),
      marks,
    };
  }
}

/** An ISO-8601 time (or date) as `toISOString()` writes it; the text as given when it is not a time. */
function canonicalTime(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

export function orderView(o: OrderState, crossed: Dec = ZERO, atBroker = false): OrderView {
  return {
    id: o.id,
    deployment_id: o.deployment,
    broker_order_id: o.brokerOrderId,
    symbol: o.symbol,
    side: o.side,
    qty: toPlain(o.qty),
    type: o.orderType,
    limit_price: o.limitPrice === null ? null : toPlain(o.limitPrice),
    time_in_force: o.timeInForce,
    status: o.status,
    filled_qty: toPlain(o.filledQty),
    filled_avg_price: o.filledAvgPrice === null ? null : toPlain(o.filledAvgPrice),
    reserved_cash: toPlain(reservedCash(o)),
    reserved_qty: toPlain(o.side === 'sell' && isOpen(o) ? ((o.qty - o.filledQty) as Dec) : ZERO),
    crossed_qty: toPlain(crossed),
    at_broker: atBroker,
    reason: o.reason,
    idempotency_key: o.idempotencyKey,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}
