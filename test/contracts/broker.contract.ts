/**
 * THE contract of the broker port (src/app/ports/broker-port.ts): every implementation — the paper
 * broker, the Alpaca adapter against the local emulator or a paper account — runs these same
 * tests through `brokerContract(name, makeHarness)`.
 *
 * The harness gives a fresh `BrokerPort` with enough cash (≥ $100,000 at a price near 100) and a
 * way to move its market: `setPrice` puts a symbol's price near a value now, `advance` moves the
 * market one step (or waits for the broker's next event) and resolves once the reports it caused
 * have reached subscribers. The tests rely only on the port, never on a particular fill price,
 * slippage, fee or partial-fill pattern: prices may drift from `setPrice` by up to a few percent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BrokerOrder,
  type BrokerPort,
  type ExecutionReport,
  type OrderRequest,
  BrokerRejection,
  TERMINAL_STATUSES,
} from '../../src/app/ports/broker-port.js';
import { type Dec, ZERO, dec, div, mul, sum } from '../../src/core/decimal.js';
import type { BrokerOrderId, ClientOrderId, Symbol } from '../../src/core/ids.js';

export interface BrokerHarness {
  readonly broker: BrokerPort;
  /** A symbol the broker trades (long and short). */
  readonly symbol: Symbol;
  /** Moves the market one step and resolves once the reports it caused were delivered. */
  advance(): Promise<void>;
  /** Puts `symbol`'s price near `price` now; later steps may drift from there by a few percent. */
  setPrice(symbol: Symbol, price: Dec): Promise<void>;
  /** Steps an order may need to fill completely (partial fills). Default 20. */
  readonly maxStepsToFill?: number;
  /** Releases whatever the harness started (the broker's own `close` is called by the suite). */
  dispose?(): Promise<void>;
}

export function brokerContract(name: string, makeHarness: () => Promise<BrokerHarness>): void {
  describe(`broker contract: ${name}`, () => {
    let counter = 0;
    const cid = (tag: string) => `contract-${tag}-${++counter}` as ClientOrderId;

    /** Runs `body` with a fresh harness and a log of every report, closing both afterwards. */
    const withHarness = async (body: (h: BrokerHarness, log: ExecutionReport[]) => Promise<void>) => {
      const h = await makeHarness();
      const log: ExecutionReport[] = [];
      const unsubscribe = h.broker.subscribe(async (r) => {
        log.push(r);
      });
      try {
        await h.setPrice(h.symbol, dec('100'));
        await body(h, log);
      } finally {
        unsubscribe();
        await h.broker.close();
        await h.dispose?.();
      }
    };

    const order = (h: BrokerHarness, tag: string, fields: Partial<OrderRequest> = {}): OrderRequest => ({
      clientOrderId: cid(tag),
      symbol: h.symbol,
      side: 'buy',
      qty: dec('10'),
      type: 'market',
      timeInForce: 'day',
      ...fields,
    });

    /** Advances until the order reaches a terminal status; fails after the harness's allowance. */
    const untilDone = async (h: BrokerHarness, clientOrderId: ClientOrderId): Promise<BrokerOrder> => {
      for (let i = 0; i <= (h.maxStepsToFill ?? 20); i++) {
        const o = await h.broker.orderByClientId(clientOrderId);
        if (o && TERMINAL_STATUSES.has(o.status)) return o;
        await h.advance();
      }
      assert.fail(`${clientOrderId} did not finish within ${h.maxStepsToFill ?? 20} steps`);
    };

    const reportsOf = (log: ExecutionReport[], id: ClientOrderId) => log.filter((r) => r.order.clientOrderId === id);
    const executionsOf = (log: ExecutionReport[], id: ClientOrderId) =>
      reportsOf(log, id).flatMap((r) => (r.execution ? [{ side: r.order.side, ...r.execution }] : []));

    it('submit resolves with the broker view of the accepted order', () =>
      withHarness(async (h) => {
        const request = order(h, 'view', { type: 'limit', limitPrice: dec('50'), timeInForce: 'gtc' });
        const o = await h.broker.submit(request);
        assert.ok(o.brokerOrderId);
        assert.deepEqual(
          [o.clientOrderId, o.symbol, o.side, o.qty, o.type, o.limitPrice, o.timeInForce, o.filledQty],
          [request.clientOrderId, h.symbol, 'buy', dec('10'), 'limit', dec('50'), 'gtc', ZERO],
        );
        assert.ok(['pending_new', 'new'].includes(o.status), o.status);
      }));

    it('a market order reports new, then fills with increasing cumulative filled qty', () =>
      withHarness(async (h, log) => {
        const request = order(h, 'mkt', { qty: dec('300') });
        await h.broker.submit(request);
        const done = await untilDone(h, request.clientOrderId);
        const reports = reportsOf(log, request.clientOrderId);
        assert.equal(reports[0]!.kind, 'new');
        const fills = reports.filter((r) => r.kind === 'fill' || r.kind === 'partial_fill');
        assert.ok(fills.length >= 1);
        let cumulative = ZERO;
        for (const r of fills) {
          const e = r.execution!;
          assert.ok(e.qty > 0n && e.price > 0n && e.fee >= 0n, 'positive qty and price, fee ≥ 0');
          assert.equal(r.order.filledQty, cumulative + e.qty, 'filledQty grows by the execution qty');
          cumulative = r.order.filledQty;
        }
        assert.deepEqual(
          fills.slice(0, -1).map((r) => r.kind),
          fills.slice(0, -1).map(() => 'partial_fill'),
        );
        assert.equal(fills.at(-1)!.kind, 'fill');
        assert.equal(done.status, 'filled');
        assert.equal(done.filledQty, dec('300'));
        const executions = executionsOf(log, request.clientOrderId);
        assert.equal(new Set(executions.map((e) => e.id)).size, executions.length, 'execution ids are unique');
        assert.equal(done.filledAvgPrice, div(sum(executions.map((e) => mul(e.qty, e.price))), dec('300')));
      }));

    it('a limit order the price does not reach stays open', () =>
      withHarness(async (h, log) => {
        const request = order(h, 'rest', { type: 'limit', limitPrice: dec('50'), timeInForce: 'gtc' });
        const o = await h.broker.submit(request);
        for (let i = 0; i < 3; i++) await h.advance();
        assert.deepEqual(
          reportsOf(log, request.clientOrderId).map((r) => r.kind),
          ['new'],
        );
        const open = await h.broker.openOrders();
        assert.deepEqual(
          open.filter((x) => x.brokerOrderId === o.brokerOrderId).map((x) => [x.status, x.filledQty]),
          [['new', ZERO]],
        );
      }));

    it('a limit order fills at its limit or better once the price crosses it', () =>
      withHarness(async (h, log) => {
        const request = order(h, 'cross', { type: 'limit', limitPrice: dec('90'), timeInForce: 'gtc' });
        await h.broker.submit(request);
        await h.advance();
        assert.equal((await h.broker.orderByClientId(request.clientOrderId))!.status, 'new');
        await h.setPrice(h.symbol, dec('80'));
        const done = await untilDone(h, request.clientOrderId);
        assert.equal(done.status, 'filled');
        for (const e of executionsOf(log, request.clientOrderId))
          assert.ok(e.price <= dec('90'), `price ${e.price} ≤ limit`);
      }));

    it('cancel ends an open order with a canceled report', () =>
      withHarness(async (h, log) => {
        const request = order(h, 'cancel', { type: 'limit', limitPrice: dec('50'), timeInForce: 'gtc' });
        const o = await h.broker.submit(request);
        await h.broker.cancel(o.brokerOrderId);
        await h.advance();
        assert.deepEqual(
          reportsOf(log, request.clientOrderId).map((r) => r.kind),
          ['new', 'canceled'],
        );
        assert.equal((await h.broker.orderByClientId(request.clientOrderId))!.status, 'canceled');
        assert.ok(!(await h.broker.openOrders()).some((x) => x.brokerOrderId === o.brokerOrderId));
      }));

    it('a duplicate client order id is rejected with BrokerRejection, also after a cancel', () =>
      withHarness(async (h) => {
        const request = order(h, 'dup', { type: 'limit', limitPrice: dec('50'), timeInForce: 'gtc' });
        const o = await h.broker.submit(request);
        await assert.rejects(h.broker.submit(request), BrokerRejection);
        await h.broker.cancel(o.brokerOrderId);
        await h.advance();
        await assert.rejects(h.broker.submit({ ...request, limitPrice: dec('51') }), BrokerRejection);
      }));

    it('orderByClientId finds an order by our id, and nothing for an unknown id', () =>
      withHarness(async (h) => {
        const request = order(h, 'lookup', { type: 'limit', limitPrice: dec('50'), timeInForce: 'gtc' });
        const o = await h.broker.submit(request);
        const found = await h.broker.orderByClientId(request.clientOrderId);
        assert.equal(found?.brokerOrderId, o.brokerOrderId);
        assert.equal(await h.broker.orderByClientId(cid('never-sent')), undefined);
      }));

    it('positions and cash reflect the fills exactly: Δcash = −Σ buys + Σ sells − Σ fees', () =>
      withHarness(async (h, log) => {
        const before = await h.broker.account();
        const buy = order(h, 'pos-buy', { qty: dec('10') });
        await h.broker.submit(buy);
        await untilDone(h, buy.clientOrderId);
        const sell = order(h, 'pos-sell', { side: 'sell', qty: dec('4') });
        await h.broker.submit(sell);
        await untilDone(h, sell.clientOrderId);
        const executions = [...executionsOf(log, buy.clientOrderId), ...executionsOf(log, sell.clientOrderId)];
        const flow = sum(executions.map((e) => (e.side === 'buy' ? -mul(e.qty, e.price) : mul(e.qty, e.price)) as Dec));
        const fees = sum(executions.map((e) => e.fee));
        const after = await h.broker.account();
        assert.equal(after.cash, before.cash + flow - fees);
        const position = (await h.broker.positions()).find((p) => p.symbol === h.symbol);
        assert.equal(position?.qty, dec('6'));
      }));

    it('cancel of an unknown order is a BrokerRejection', () =>
      withHarness(async (h) => {
        await assert.rejects(h.broker.cancel('no-such-order' as BrokerOrderId), BrokerRejection);
      }));

    it('an unsubscribed handler receives nothing more', () =>
      withHarness(async (h) => {
        const seen: ExecutionReport[] = [];
        const unsubscribe = h.broker.subscribe(async (r) => {
          seen.push(r);
        });
        unsubscribe();
        await h.broker.submit(order(h, 'unsub'));
        await h.advance();
        await h.advance();
        assert.deepEqual(seen, []);
      }));
  });
}
