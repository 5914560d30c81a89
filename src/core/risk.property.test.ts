/**
 * The risk check's guarantees for any sequence of orders on one sleeve (prices fixed per symbol,
 * every fill at the order's price, no fees): whatever it accepts — filled at once, left open,
 * filled later in any order or canceled — the sleeve's gross exposure never exceeds
 * equity × max_leverage, its buying power never goes negative, and its cash never falls below
 * what its open buys reserve.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Dec, ONE, ZERO, abs, dec, mul, toPlain } from './decimal.js';
import type { DeploymentId, Symbol } from './ids.js';
import { type OrderState, remainingQty, sumReservedCash } from './orders.js';
import { DEFAULT_MAX_LEVERAGE, type Holding, type RiskLimits, buyingPower, checkOrder } from './risk.js';

const D = 'prop' as DeploymentId;
const SYMBOLS = ['AAA', 'BBB', 'CCC'] as Symbol[];
const CENT = ONE / 100n;
const MARKET_FACTOR = dec('1.02');

type Action =
  | { kind: 'order'; symbol: number; side: 'buy' | 'sell'; qty: number; market: boolean; fill: boolean }
  | { kind: 'fill'; index: number }
  | { kind: 'cancel'; index: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      symbol: fc.integer({ min: 0, max: SYMBOLS.length - 1 }),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2000 })),
      market: fc.boolean(),
      fill: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fill' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), index: fc.nat() }) },
);

const scenario = fc.record({
  cash: fc.integer({ min: 100, max: 200_000 }).map((n) => dec(String(n))),
  prices: fc
    .array(fc.integer({ min: 1, max: 50_000 }), { minLength: 3, maxLength: 3 })
    .map((cents) => cents.map((c) => (BigInt(c) * CENT) as Dec)),
  allowShort: fc.boolean(),
  maxLeverage: fc.option(
    fc.integer({ min: 1, max: 400 }).map((c) => (BigInt(c) * CENT) as Dec),
    { nil: undefined },
  ),
  actions: fc.array(action, { maxLength: 40 }),
});

describe('risk check: for any sequence of accepted orders', () => {
  it('gross exposure ≤ equity × max_leverage, buying power ≥ 0, cash ≥ reserved', () => {
    fc.assert(
      fc.property(scenario, ({ cash: start, prices, allowShort, maxLeverage, actions }) => {
        const limits: RiskLimits = { allowShort, ...(maxLeverage !== undefined ? { maxLeverage } : {}) };
        const leverage = maxLeverage ?? DEFAULT_MAX_LEVERAGE;
        const price = new Map(SYMBOLS.map((s, i) => [s, prices[i]!]));
        const qty = new Map<Symbol, Dec>();
        let cash = start;
        let open: OrderState[] = [];
        let seq = 0;
        const holdings = (): Holding[] =>
          [...qty]
            .filter(([, q]) => q !== 0n)
            .map(([symbol, q]) => ({ symbol, qty: q, value: mul(q, price.get(symbol)!) }));
        const fill = (symbol: Symbol, side: 'buy' | 'sell', q: Dec) => {
          const signed = (side === 'buy' ? q : -q) as Dec;
          qty.set(symbol, ((qty.get(symbol) ?? ZERO) + signed) as Dec);
          cash = (cash - mul(signed, price.get(symbol)!)) as Dec;
        };
        const check = (step: string) => {
          const h = holdings();
          const equity = h.reduce((e, x) => e + x.value, cash as bigint) as Dec;
          const gross = h.reduce((g, x) => g + abs(x.value), 0n) as Dec;
          const power = buyingPower(cash, h, open);
          const context = `${step}: cash ${toPlain(cash)}, equity ${toPlain(equity)}, gross ${toPlain(gross)}, available ${toPlain(power.available)}`;
          assert.equal(equity, start, `no fees, fixed prices: equity is constant (${context})`);
          assert.ok(gross <= mul(equity, leverage), `gross exposure over equity × ${toPlain(leverage)} (${context})`);
          assert.ok(power.grossExposure <= mul(equity, leverage), `with open orders (${context})`);
          assert.ok(power.available >= 0n, `buying power negative (${context})`);
          // The same, from first principles: the sleeve's own money backs its longs in full and its
          // shorts at 150 % (their proceeds are not its money).
          const longs = h.reduce((l, x) => (x.value > 0n ? l + x.value : l), 0n) as Dec;
          const shorts = (gross - longs) as Dec;
          assert.ok(longs + mul(shorts, dec('1.5')) <= equity, `longs + 150 % of shorts > equity (${context})`);
          assert.ok(cash - sumReservedCash(open).cash >= 0n, `cash below its reservations (${context})`);
        };
        actions.forEach((a, i) => {
          if (a.kind === 'order') {
            const symbol = SYMBOLS[a.symbol]!;
            const p = price.get(symbol)!;
            const q = dec(String(a.qty));
            const reservePrice = a.side === 'buy' && a.market ? mul(p, MARKET_FACTOR) : p;
            const result = checkOrder({
              deployment: D,
              active: true,
              limits,
              cash,
              equity: start,
              heldQty: qty.get(symbol) ?? ZERO,
              holdings: holdings(),
              openOrders: open,
              symbol,
              side: a.side,
              qty: q,
              price: p,
              reservePrice,
            });
            if (!result.ok) return;
            if (a.fill) fill(symbol, a.side, q);
            else
              open.push({
                id: `o${++seq}`,
                deployment: D,
                symbol,
                side: a.side,
                qty: q,
                orderType: a.market ? 'market' : 'limit',
                limitPrice: a.market ? null : p,
                timeInForce: 'gtc',
                reservePrice,
                idempotencyKey: null,
                createdAt: '2025-01-02T15:00:00Z',
                after: null,
                status: 'new',
                filledQty: ZERO,
                filledAvgPrice: null,
                brokerOrderId: null,
                reason: null,
                updatedAt: '2025-01-02T15:00:00Z',
                cancelRequested: false,
              } as OrderState);
          } else if (open.length > 0) {
            const order = open[a.index % open.length]!;
            open = open.filter((o) => o !== order);
            if (a.kind === 'fill') fill(order.symbol, order.side, remainingQty(order));
          }
          check(`action ${i} (${a.kind})`);
        });
        for (const order of open) fill(order.symbol, order.side, remainingQty(order));
        open = [];
        check('all filled');
      }),
      { numRuns: 500 },
    );
  });
});
