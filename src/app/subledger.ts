/**
 * `Subledger`: the application (implements `SubledgerApi`), a facade over the services it wires
 * to the ledger service, the order router, the price updater and the broker:
 *
 *   - src/app/sleeves/house.ts             the house sleeve, opened on first start
 *   - src/app/sleeves/deployments.ts       deployments: create, list, get, status
 *   - src/app/sleeves/capital.ts           capital flows between a deployment and the house
 *   - src/app/sleeves/sleeve-reads.ts      the seed's metrics / positions / trades views
 *   - src/app/trading/deployment-orders.ts a deployment's orders: submit, cancel, resolve, list
 *   - src/app/account/corporate-actions.ts the broker's dividends and splits into the journal
 *   - src/app/account/account-view.ts      the account view (broker vs Σ sleeves + house)
 *   - src/app/account/health.ts            the health check
 *
 * It books the broker's execution reports while started, and gives the engine its port.
 */
import type { EnginePort } from './ports/engine-port.js';
import type { Dec } from '../core/decimal.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
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
import { bookReport } from './trading/fill-path.js';
import type { LedgerService } from './journal/ledger-service.js';
import type { MarketHours } from './marks/market-hours.js';
import { DEFAULT_ROUTER_OPTIONS, OrderRouter, type RouterOptions } from './trading/order-router.js';
import type { SweepResult } from './trading/order-lifecycle.js';
import { PriceUpdater } from './marks/price-updater.js';
import type { PositionView } from './performance/views.js';
import { ensureHouse } from './sleeves/house.js';
import { Deployments } from './sleeves/deployments.js';
import { Capital } from './sleeves/capital.js';
import { SleeveReads } from './sleeves/sleeve-reads.js';
import { DeploymentOrders } from './trading/deployment-orders.js';
import { CorporateActions } from './account/corporate-actions.js';
import { accountView } from './account/account-view.js';
import { health } from './account/health.js';

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
  private readonly deployments: Deployments;
  private readonly capital: Capital;
  private readonly reads: SleeveReads;
  private readonly orders: DeploymentOrders;
  private readonly corporateActions: CorporateActions;
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
    this.deployments = new Deployments(this.service, this.clock, this.router);
    this.capital = new Capital(this.service, this.clock);
    this.reads = new SleeveReads(this.service, this.clock, this.prices);
    this.orders = new DeploymentOrders(this.service, this.router);
    this.corporateActions = new CorporateActions(this.service, this.broker);
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
    await ensureHouse(this.service, this.broker, this.clock);
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
  syncCorporateActions(): Promise<number> {
    return this.corporateActions.sync();
  }

  /**
   * How many of the broker's dividends and splits since the last sync are not journaled yet
   * (what `syncCorporateActions` would add). Reads only: a read-only runtime asks this first.
   */
  pendingCorporateActions(): Promise<number> {
    return this.corporateActions.pending();
  }

  deploymentView(id: DeploymentId): DeploymentView {
    return this.deployments.view(id);
  }

  createDeployment(input: CreateDeploymentInput): Promise<DeploymentView> {
    return this.deployments.create(input);
  }

  listDeployments(): DeploymentView[] {
    return this.deployments.list();
  }

  getDeployment(id: DeploymentId): DeploymentView {
    return this.deployments.view(id);
  }

  setDeploymentStatus(id: DeploymentId, status: DeploymentStatus): Promise<DeploymentView> {
    return this.deployments.setStatus(id, status);
  }

  moveCapital(id: DeploymentId, amount: Dec, idempotencyKey?: string): Promise<CapitalFlowView> {
    return this.capital.move(id, amount, idempotencyKey);
  }

  capitalFlows(id: DeploymentId): CapitalFlowView[] {
    return this.capital.flows(id);
  }

  metrics(id: DeploymentId): MetricsView {
    return this.reads.metrics(id);
  }

  positions(id: DeploymentId): PositionView[] {
    return this.reads.positions(id);
  }

  journalSeq(): number {
    return this.reads.journalSeq();
  }

  asOf(): string {
    return this.reads.asOf();
  }

  isMarkStale(markTs: string | null): boolean {
    return this.reads.isMarkStale(markTs);
  }

  trades(id: DeploymentId, query: TradeQueryInput): Promise<TradePage> {
    return this.reads.trades(id, query);
  }

  submitOrder(id: DeploymentId, input: SubmitOrderInput): Promise<OrderView> {
    return this.orders.submit(id, input);
  }

  cancelOrder(id: DeploymentId, orderId: string): Promise<OrderView> {
    return this.orders.cancel(id, orderId);
  }

  resolveOrders(id: DeploymentId, waitMs?: number): Promise<void> {
    return this.orders.resolve(id, waitMs);
  }

  /** Resolves every order the broker has not acknowledged, or no longer has open (start-up, and on a period). */
  resolveAllOrders(): Promise<SweepResult> {
    return this.orders.resolveAll();
  }

  listOrders(id: DeploymentId, query: { status: 'open' | 'closed' | 'all'; limit: number }): OrderView[] {
    return this.orders.list(id, query);
  }

  account(): Promise<AccountView> {
    return accountView(this.service, this.broker, this.clock);
  }

  health(): Promise<HealthView> {
    return health(this.service.store, this.broker, this.prices, this.clock);
  }
}
