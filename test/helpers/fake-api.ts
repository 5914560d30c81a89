/**
 * An in-memory `SubledgerApi` for testing the HTTP edge in isolation (test/http). It keeps the
 * facade's contract for the routes under test: the same error codes (NOT_FOUND, CONFLICT, the
 * risk codes, ORDER_NOT_CANCELABLE, IDEMPOTENCY_CONFLICT, INSUFFICIENT_FREE_CASH), exact decimal
 * strings, average-cost positions. Market orders fill at once at `prices`; limit orders rest open
 * and reserve cash (buys) or shares (sells). Time is a fixed clock; every call is logged in `calls`.
 * Not a ledger: the end-to-end tests run against the real `Subledger`.
 */
import type {
  AccountView,
  CapitalFlowView,
  CreateDeploymentInput,
  DeploymentStatus,
  DeploymentView,
  HealthView,
  MetricsView,
  OrderView,
  SubmitOrderInput,
  SubledgerApi,
  TradePage,
  TradeQueryInput,
  TradeView,
} from '../../src/app/api.js';
import { AppError } from '../../src/app/errors.js';
import type { PositionView } from '../../src/app/views.js';
import {
  type Dec,
  ZERO,
  abs,
  dec,
  div,
  mul,
  percentString,
  quotientString,
  sum,
  toPlain,
} from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';

const s = toPlain;
const opt = (d: Dec | undefined) => (d === undefined ? null : s(d));

interface Holding {
  qty: Dec;
  cost: Dec; // qty × average cost (signed like qty)
}

interface Sleeve {
  view: DeploymentView;
  capital: Dec;
  flows: CapitalFlowView[];
  cash: Dec;
  realized: Dec;
  holdings: Map<string, Holding>;
  trades: TradeView[];
  orders: OrderView[];
}

export class FakeApi implements SubledgerApi {
  readonly calls: { method: keyof SubledgerApi; args: unknown[] }[] = [];
  readonly prices = new Map<string, Dec>([
    ['AAPL', dec('150')],
    ['MSFT', dec('400')],
  ]);
  now = '2025-01-02T15:00:00.000Z';
  private readonly sleeves = new Map<string, Sleeve>();
  private readonly keys = new Map<string, { request: string; result: OrderView | CapitalFlowView }>();
  private seq = 0;
  /** Writes a journal would hold (deployments, status changes, flows, orders, fills, cancels). */
  private events = 0;

  private log(method: keyof SubledgerApi, ...args: unknown[]) {
    this.calls.push({ method, args });
  }

  callsOf(method: keyof SubledgerApi) {
    return this.calls.filter((c) => c.method === method);
  }

  private sleeve(id: DeploymentId): Sleeve {
    const sleeve = this.sleeves.get(id);
    if (!sleeve) throw new AppError('NOT_FOUND', `No deployment '${id}'.`, { deployment_id: id });
    return sleeve;
  }

  /** Replays an idempotent request, or undefined when the key is new. */
  private replay<T extends OrderView | CapitalFlowView>(
    scope: string,
    key: string | undefined,
    request: unknown,
  ): T | undefined {
    if (key === undefined) return undefined;
    const seen = this.keys.get(`${scope}/${key}`);
    if (!seen) return undefined;
    if (seen.request !== JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) {
      throw new AppError('IDEMPOTENCY_CONFLICT', `Idempotency key '${key}' was used for a different request.`, {
        idempotency_key: key,
      });
    }
    return seen.result as T;
  }

  private remember(scope: string, key: string | undefined, request: unknown, result: OrderView | CapitalFlowView) {
    if (key === undefined) return;
    const text = JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    this.keys.set(`${scope}/${key}`, { request: text, result });
  }

  async createDeployment(input: CreateDeploymentInput): Promise<DeploymentView> {
    this.log('createDeployment', input);
    if (this.sleeves.has(input.id))
      throw new AppError('CONFLICT', `Deployment '${input.id}' already exists.`, { deployment_id: input.id });
    const l = input.limits ?? {};
    const view: DeploymentView = {
      id: input.id,
      name: input.name ?? input.id,
      strategy: input.strategy ?? '',
      status: 'active',
      cost_method: input.costMethod ?? 'average',
      initial_capital: s(input.initialCapital),
      limits: {
        max_order_notional: opt(l.maxOrderNotional),
        max_position_value: opt(l.maxPositionValue),
        max_position_pct: opt(l.maxPositionPct),
        allowed_symbols: l.allowedSymbols ? [...l.allowedSymbols] : null,
        allow_short: l.allowShort ?? false,
      },
      created_at: this.now,
      updated_at: this.now,
    };
    const capital = input.initialCapital;
    this.events++;
    this.sleeves.set(input.id, {
      view,
      capital,
      flows: [],
      cash: capital,
      realized: ZERO,
      holdings: new Map(),
      trades: [],
      orders: [],
    });
    return view;
  }

  listDeployments(): DeploymentView[] {
    this.log('listDeployments');
    return [...this.sleeves.values()].map((x) => x.view).sort((a, b) => a.id.localeCompare(b.id));
  }

  getDeployment(id: DeploymentId): DeploymentView {
    this.log('getDeployment', id);
    return this.sleeve(id).view;
  }

  async setDeploymentStatus(id: DeploymentId, status: DeploymentStatus): Promise<DeploymentView> {
    this.log('setDeploymentStatus', id, status);
    const sleeve = this.sleeve(id);
    if (sleeve.view.status === 'stopped' && status !== 'stopped') {
      throw new AppError('CONFLICT', `Deployment '${id}' is stopped; it cannot become ${status}.`, {
        deployment_id: id,
        status: 'stopped',
      });
    }
    this.events++;
    sleeve.view = { ...sleeve.view, status, updated_at: this.now };
    return sleeve.view;
  }

  private reservedCash(sleeve: Sleeve): Dec {
    return sum(sleeve.orders.filter((o) => o.status === 'new').map((o) => dec(o.reserved_cash)));
  }

  async moveCapital(id: DeploymentId, amount: Dec, idempotencyKey?: string): Promise<CapitalFlowView> {
    this.log('moveCapital', id, amount, idempotencyKey);
    const sleeve = this.sleeve(id);
    const replayed = this.replay<CapitalFlowView>(`flow/${id}`, idempotencyKey, { amount });
    if (replayed) return replayed;
    const free = sleeve.cash - this.reservedCash(sleeve);
    if (amount < 0n && -amount > free) {
      throw new AppError(
        'INSUFFICIENT_FREE_CASH',
        `Deployment '${id}' has ${s(free as Dec)} free cash; cannot withdraw ${s(abs(amount))}.`,
        {
          deployment_id: id,
          free_cash: s(free as Dec),
        },
      );
    }
    const flow: CapitalFlowView = { id: `cf-${++this.seq}`, deployment_id: id, amount: s(amount), ts: this.now };
    this.events++;
    sleeve.flows.push(flow);
    sleeve.cash = (sleeve.cash + amount) as Dec;
    this.remember(`flow/${id}`, idempotencyKey, { amount }, flow);
    return flow;
  }

  capitalFlows(id: DeploymentId): CapitalFlowView[] {
    this.log('capitalFlows', id);
    return [...this.sleeve(id).flows];
  }

  positions(id: DeploymentId): PositionView[] {
    this.log('positions', id);
    return this.positionViews(this.sleeve(id));
  }

  private positionViews(sleeve: Sleeve): PositionView[] {
    return [...sleeve.holdings.entries()]
      .filter(([, h]) => h.qty !== 0n)
      .map(([symbol, h]) => {
        const mark = this.prices.get(symbol);
        const value = mark === undefined ? ZERO : mul(h.qty, mark);
        return {
          symbol,
          qty: s(h.qty),
          avg_cost: quotientString(h.cost, h.qty),
          cost_basis: s(h.cost),
          mark: opt(mark),
          mark_ts: mark === undefined ? null : this.now,
          mark_source: mark === undefined ? null : 'fake',
          mark_stale: mark === undefined,
          market_value: s(value),
          realized_pnl: '0',
          unrealized_pnl: s((value - h.cost) as Dec),
          fees: '0',
          dividends: '0',
        };
      });
  }

  metrics(id: DeploymentId): MetricsView {
    this.log('metrics', id);
    const sleeve = this.sleeve(id);
    const positions = this.positionViews(sleeve);
    const value = sum(positions.map((p) => dec(p.market_value)));
    const unrealized = sum(positions.map((p) => dec(p.unrealized_pnl)));
    const flows = sum(sleeve.flows.map((f) => dec(f.amount)));
    const total = (sleeve.realized + unrealized) as Dec;
    const reserved = this.reservedCash(sleeve);
    const { id: _id, name, strategy, status, cost_method, initial_capital } = sleeve.view;
    return {
      id,
      name,
      strategy,
      status,
      cost_method,
      initial_capital,
      capital_flows: s(flows),
      virtual_cash: s(sleeve.cash),
      virtual_positions_value: s(value),
      virtual_portfolio_value: s((sleeve.cash + value) as Dec),
      realized_pnl: s(sleeve.realized),
      unrealized_pnl: s(unrealized),
      fees: '0',
      dividends: '0',
      total_pnl: s(total),
      return_pct: percentString(total, (sleeve.capital + flows) as Dec),
      buying_power: s((sleeve.cash - reserved) as Dec),
      reserved_cash: s(reserved),
      open_orders: sleeve.orders.filter((o) => o.status === 'new').length,
      as_of: this.now,
    };
  }

  async trades(id: DeploymentId, query: TradeQueryInput): Promise<TradePage> {
    this.log('trades', id, query);
    const all = this.sleeve(id).trades.filter(
      (t) =>
        (!query.symbol || t.symbol === query.symbol) &&
        (!query.from || t.ts >= query.from) &&
        (!query.to || t.ts <= query.to),
    );
    const start = query.cursor === undefined ? 0 : Number(query.cursor);
    if (!Number.isInteger(start) || start < 0 || start > all.length) {
      throw new AppError('VALIDATION_FAILED', 'cursor: is not a cursor from a previous page', {
        fields: [{ field: 'cursor', message: 'is not a cursor from a previous page' }],
      });
    }
    const end = start + query.limit;
    return { trades: all.slice(start, end), next_cursor: end < all.length ? String(end) : null };
  }

  async submitOrder(id: DeploymentId, input: SubmitOrderInput): Promise<OrderView> {
    this.log('submitOrder', id, input);
    const sleeve = this.sleeve(id);
    const replayed = this.replay<OrderView>(`order/${id}`, input.idempotencyKey, input);
    if (replayed) return replayed;
    const limits = sleeve.view.limits;
    const reject = (code: ConstructorParameters<typeof AppError>[0], message: string) => {
      throw new AppError(code, message, { deployment_id: id, symbol: input.symbol });
    };
    if (limits.allowed_symbols && !limits.allowed_symbols.includes(input.symbol))
      reject('SYMBOL_NOT_ALLOWED', `${input.symbol} is not allowed for '${id}'.`);
    const market = this.prices.get(input.symbol);
    if (market === undefined) return reject('UNKNOWN_SYMBOL', `No market data for ${input.symbol}.`);
    const price = input.type === 'limit' ? input.limitPrice! : market;
    const qty = input.qty ?? div(input.notional!, price);
    const notional = mul(qty, price);
    const held = sleeve.holdings.get(input.symbol)?.qty ?? ZERO;
    const reducing = input.side === 'sell' ? held > 0n && qty <= held : held < 0n && qty <= -held;
    if (sleeve.view.status !== 'active' && !reducing)
      reject('DEPLOYMENT_NOT_ACTIVE', `Deployment '${id}' is ${sleeve.view.status}.`);
    if (limits.max_order_notional && notional > dec(limits.max_order_notional))
      reject('MAX_ORDER_NOTIONAL_EXCEEDED', `Order notional ${s(notional)} exceeds ${limits.max_order_notional}.`);
    if (input.side === 'buy' && notional > sleeve.cash - this.reservedCash(sleeve))
      reject(
        'INSUFFICIENT_BUYING_POWER',
        `Order needs ${s(notional)}; buying power is ${s((sleeve.cash - this.reservedCash(sleeve)) as Dec)}.`,
      );
    if (input.side === 'sell' && !limits.allow_short && qty > held)
      reject('INSUFFICIENT_POSITION', `Selling ${s(qty)} ${input.symbol} but only ${s(held)} held.`);
    const resting = input.type === 'limit';
    const order: OrderView = {
      id: `ord-${++this.seq}`,
      deployment_id: id,
      broker_order_id: `brk-${this.seq}`,
      symbol: input.symbol,
      side: input.side,
      qty: s(qty),
      type: input.type,
      limit_price: opt(input.limitPrice),
      time_in_force: input.timeInForce,
      status: resting ? 'new' : 'filled',
      filled_qty: resting ? '0' : s(qty),
      filled_avg_price: resting ? null : s(price),
      reserved_cash: resting && input.side === 'buy' ? s(notional) : '0',
      reserved_qty: resting && input.side === 'sell' ? s(qty) : '0',
      reason: null,
      idempotency_key: input.idempotencyKey ?? null,
      created_at: this.now,
      updated_at: this.now,
    };
    this.events++;
    sleeve.orders.push(order);
    if (!resting) this.book(sleeve, order, qty, price);
    this.remember(`order/${id}`, input.idempotencyKey, input, order);
    return order;
  }

  /** Books a fill at average cost (a flip closes the old side and opens the rest). */
  private book(sleeve: Sleeve, order: OrderView, qty: Dec, price: Dec) {
    const signed = (order.side === 'buy' ? qty : -qty) as Dec;
    const h = sleeve.holdings.get(order.symbol) ?? { qty: ZERO, cost: ZERO };
    let realized = ZERO;
    if (h.qty === 0n || h.qty > 0n === signed > 0n) {
      h.cost = (h.cost + mul(signed, price)) as Dec;
      h.qty = (h.qty + signed) as Dec;
    } else {
      const closing = abs(signed) < abs(h.qty) ? signed : (-h.qty as Dec);
      const closedCost = (-(h.cost * closing) / h.qty) as Dec;
      realized = (-mul(closing, price) - closedCost) as Dec;
      h.cost = (h.cost - closedCost) as Dec;
      h.qty = (h.qty + closing) as Dec;
      const rest = (signed - closing) as Dec;
      if (rest !== 0n) Object.assign(h, { qty: rest, cost: mul(rest, price) });
    }
    this.events++;
    sleeve.holdings.set(order.symbol, h);
    sleeve.cash = (sleeve.cash - mul(signed, price)) as Dec;
    sleeve.realized = (sleeve.realized + realized) as Dec;
    sleeve.trades.push({
      fill_id: `fill-${++this.seq}`,
      order_id: order.id,
      symbol: order.symbol,
      side: order.side,
      qty: s(qty),
      price: s(price),
      fee: '0',
      realized_pnl: s(realized),
      ts: this.now,
    });
  }

  async cancelOrder(id: DeploymentId, orderId: string): Promise<OrderView> {
    this.log('cancelOrder', id, orderId);
    const sleeve = this.sleeve(id);
    const index = sleeve.orders.findIndex((o) => o.id === orderId);
    const order = sleeve.orders[index];
    if (!order)
      throw new AppError('NOT_FOUND', `No order '${orderId}' of deployment '${id}'.`, {
        deployment_id: id,
        order_id: orderId,
      });
    if (order.status !== 'new') {
      throw new AppError('ORDER_NOT_CANCELABLE', `Order '${orderId}' is already ${order.status}.`, {
        order_id: orderId,
        status: order.status,
      });
    }
    const canceled = { ...order, status: 'canceled', reserved_cash: '0', reserved_qty: '0', updated_at: this.now };
    this.events++;
    sleeve.orders[index] = canceled;
    return canceled;
  }

  async resolveOrders(id: DeploymentId): Promise<void> {
    this.sleeve(id); // every order here is answered at once: nothing to resolve
  }

  listOrders(id: DeploymentId, query: { status: 'open' | 'closed' | 'all'; limit: number }): OrderView[] {
    this.log('listOrders', id, query);
    const open = (o: OrderView) => o.status === 'new';
    return this.sleeve(id)
      .orders.filter((o) => query.status === 'all' || (query.status === 'open') === open(o))
      .slice(0, query.limit);
  }

  async account(): Promise<AccountView> {
    this.log('account');
    const sleeves = [...this.sleeves.values()];
    const cash = s(sum(sleeves.map((x) => x.cash)));
    const qty = new Map<string, Dec>();
    for (const x of sleeves)
      for (const [symbol, h] of x.holdings) qty.set(symbol, ((qty.get(symbol) ?? ZERO) + h.qty) as Dec);
    const positions = [...qty].filter(([, q]) => q !== 0n).map(([symbol, q]) => ({ symbol, qty: s(q) }));
    return {
      broker: { cash, equity: cash, positions },
      sleeves: { cash, positions },
      house: { cash: '0', positions: [] },
      differences: [],
      reconciled: true,
      as_of: this.now,
    };
  }

  async health(): Promise<HealthView> {
    this.log('health');
    return { status: 'ok', store: 'memory', broker: 'fake', journal_events: this.events, time: this.now };
  }
}
