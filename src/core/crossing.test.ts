/** Internal crossing (ACCOUNTING.md §5): the worked example, the edges, and the laws as properties. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type CrossingPlan,
  type CrossingRequest,
  type Wish,
  crossFill,
  crossingProblem,
  planCrossing,
} from './crossing.js';
import { type Dec, dec, toPlain } from './decimal.js';
import type { DeploymentId, FillId, Symbol } from './ids.js';
import { netQuantity } from './ledger.js';
import { deployment, fold } from '../../test/helpers/events.js';

const AAPL = 'AAPL' as Symbol;
const MID = { price: dec('100.05'), source: 'quote_mid' };

function request(wishes: Record<string, string>, extra: Partial<CrossingRequest> = {}): CrossingRequest {
  return {
    symbol: AAPL,
    wishes: Object.entries(wishes).map(([who, delta]) => ({ deployment: who as DeploymentId, delta: dec(delta) })),
    reference: MID,
    increment: dec('1'),
    ...extra,
  };
}

/** A plan as plain strings: the cross's legs, and the broker order (or unsent residual) with its participants. */
function outline(plan: CrossingPlan) {
  const order = (o: CrossingPlan['brokerOrder']) =>
    o && {
      side: o.side,
      qty: toPlain(o.qty),
      for: Object.fromEntries(o.plan.participants.map((p) => [p.deployment, toPlain(p.requested)])),
    };
  return {
    cross: plan.cross && {
      price: toPlain(plan.cross.price),
      source: plan.cross.source,
      qty: toPlain(plan.cross.qty),
      legs: plan.cross.legs.map((l) => `${l.deployment} ${l.side} ${toPlain(l.qty)}`),
    },
    broker: order(plan.brokerOrder),
    unsent: order(plan.unsentResidual),
  };
}

describe('the worked example: A +10, B −4, C +5 at mid 100.05', () => {
  const plan = planCrossing(request({ a: '10', b: '-4', c: '5' }));

  it("crosses B's 4 against A and C pro rata 10:5 (A 3, C 1) at the mid; the broker buys 11 for A (7) and C (4)", () => {
    assert.deepEqual(outline(plan), {
      cross: { price: '100.05', source: 'quote_mid', qty: '4', legs: ['a buy 3', 'b sell 4', 'c buy 1'] },
      broker: { side: 'buy', qty: '11', for: { a: '7', c: '4' } },
      unsent: null,
    });
    assert.deepEqual(plan.brokerOrder!.plan.policy, {
      method: 'pro_rata_earliest_deadline',
      increment: '1',
      feeUnit: '0.01',
    });
  });

  it('books the cross as one fill without fees that moves cash and shares between the sleeves only', () => {
    const fill = crossFill(plan.cross!, 'x-1' as FillId, '2025-01-02T15:00:00.000Z');
    assert.deepEqual(fill, {
      type: 'fill',
      id: 'x-1',
      symbol: AAPL,
      price: dec('100.05'),
      ts: '2025-01-02T15:00:00.000Z',
      legs: [
        { deployment: 'a', side: 'buy', qty: dec('3'), fee: dec('0'), feeCurrency: 'quote' },
        { deployment: 'b', side: 'sell', qty: dec('4'), fee: dec('0'), feeCurrency: 'quote' },
        { deployment: 'c', side: 'buy', qty: dec('1'), fee: dec('0'), feeCurrency: 'quote' },
      ],
    });
    const ledger = fold([deployment('a', '10000'), deployment('b', '10000'), deployment('c', '10000'), fill]);
    const cash = (who: string) => toPlain(ledger.sleeves.get(who as DeploymentId)!.cash);
    assert.deepEqual([cash('a'), cash('b'), cash('c')], ['9699.85', '10400.2', '9899.95']);
    assert.equal(toPlain(netQuantity(ledger, AAPL)), '0');
  });
});

describe('crossing edges', () => {
  it('does not cross when every wish is on one side', () => {
    assert.deepEqual(outline(planCrossing(request({ a: '-10', b: '-5' }))), {
      cross: null,
      broker: { side: 'sell', qty: '15', for: { a: '10', b: '5' } },
      unsent: null,
    });
  });

  it('sends nothing to the broker when the wishes offset exactly', () => {
    assert.deepEqual(outline(planCrossing(request({ a: '10', b: '-4', c: '-6' }))), {
      cross: { price: '100.05', source: 'quote_mid', qty: '10', legs: ['a buy 10', 'b sell 4', 'c sell 6'] },
      broker: null,
      unsent: null,
    });
  });

  it('crosses a buying minority against a selling majority', () => {
    assert.deepEqual(outline(planCrossing(request({ a: '2', b: '-3', c: '-3' }))), {
      cross: { price: '100.05', source: 'quote_mid', qty: '2', legs: ['a buy 2', 'b sell 1', 'c sell 1'] },
      broker: { side: 'sell', qty: '4', for: { b: '2', c: '2' } },
      unsent: null,
    });
  });

  it('keeps a net below the minimum trade size as an unsent residual for the caller to report', () => {
    assert.deepEqual(outline(planCrossing(request({ a: '10', b: '-9' }, { minTradeQty: dec('5') }))), {
      cross: { price: '100.05', source: 'quote_mid', qty: '9', legs: ['a buy 9', 'b sell 9'] },
      broker: null,
      unsent: { side: 'buy', qty: '1', for: { a: '1' } },
    });
    // At the minimum it is sent.
    assert.equal(planCrossing(request({ a: '14', b: '-9' }, { minTradeQty: dec('5') })).brokerOrder?.qty, dec('5'));
  });

  it('records the last trade as the source when there is no quote, and ignores zero wishes', () => {
    const plan = planCrossing(
      request({ a: '1', z: '0', b: '-1' }, { reference: { price: dec('99'), source: 'last_trade' } }),
    );
    assert.deepEqual(outline(plan).cross, {
      price: '99',
      source: 'last_trade',
      qty: '1',
      legs: ['a buy 1', 'b sell 1'],
    });
  });

  it('rejects two wishes of one deployment, a non-positive price or a missing source, naming the field', () => {
    const twice: CrossingRequest = {
      ...request({ a: '1' }),
      wishes: [...request({ a: '1', b: '-1' }).wishes, ...request({ a: '2' }).wishes],
    };
    assert.equal(crossingProblem(twice)?.field, 'wishes[2].deployment');
    assert.equal(
      crossingProblem(request({ a: '1' }, { reference: { price: dec('0'), source: 'quote_mid' } }))?.field,
      'reference.price',
    );
    assert.equal(
      crossingProblem(request({ a: '1' }, { reference: { price: dec('1'), source: ' ' } }))?.field,
      'reference.source',
    );
    assert.throws(() => planCrossing(twice), /wishes\[2\]\.deployment 'a' has two wishes/);
  });
});

const WHO = ['a', 'b', 'c', 'd', 'e', 'f'] as DeploymentId[];
const crossingRequest: fc.Arbitrary<CrossingRequest> = fc
  .record({
    increment: fc.constantFrom(dec('1'), dec('0.000000001')),
    deltas: fc.array(fc.integer({ min: -2000, max: 2000 }), { minLength: 0, maxLength: WHO.length }),
    minTrade: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
  })
  .map(({ increment, deltas, minTrade }) => ({
    symbol: AAPL,
    wishes: deltas.map((d, i): Wish => ({ deployment: WHO[i]!, delta: (BigInt(d) * increment) as Dec })),
    reference: MID,
    increment,
    ...(minTrade === undefined ? {} : { minTradeQty: (BigInt(minTrade) * increment) as Dec }),
  }));

const signed = (side: 'buy' | 'sell', qty: Dec) => (side === 'buy' ? qty : -qty);

describe('crossing laws', () => {
  it('the internal legs sum to zero: sleeves move units between themselves only, at the reference price', () => {
    fc.assert(
      fc.property(crossingRequest, (req) => {
        const { cross } = planCrossing(req);
        if (!cross) return;
        assert.equal(
          cross.legs.reduce((s, l) => s + signed(l.side, l.qty), 0n),
          0n,
        );
        assert.equal(cross.price, req.reference.price);
        for (const leg of cross.legs) assert.ok(leg.qty > 0n);
        assert.equal(
          crossFill(cross, 'x' as FillId, 't').legs.every((l) => l.fee === 0n),
          true,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('per deployment, crossed + sent to the broker (or left unsent) equals what it asked', () => {
    fc.assert(
      fc.property(crossingRequest, (req) => {
        const plan = planCrossing(req);
        const got = new Map<DeploymentId, bigint>();
        const book = (who: DeploymentId, qty: bigint) => got.set(who, (got.get(who) ?? 0n) + qty);
        for (const leg of plan.cross?.legs ?? []) book(leg.deployment, signed(leg.side, leg.qty));
        for (const order of [plan.brokerOrder, plan.unsentResidual]) {
          for (const p of order?.plan.participants ?? []) book(p.deployment, signed(order!.side, p.requested));
        }
        for (const wish of req.wishes) assert.equal(got.get(wish.deployment) ?? 0n, wish.delta);
        if (req.minTradeQty === undefined) assert.equal(plan.unsentResidual, null);
      }),
      { numRuns: 500 },
    );
  });

  it("the broker order's quantity is |Σ wishes|, and its participants want exactly that", () => {
    fc.assert(
      fc.property(crossingRequest, (req) => {
        const plan = planCrossing(req);
        const net = req.wishes.reduce((s, w) => s + w.delta, 0n);
        const order = plan.brokerOrder ?? plan.unsentResidual;
        assert.equal(order?.qty ?? 0n, net < 0n ? -net : net);
        if (order) {
          assert.equal(order.side, net > 0n ? 'buy' : 'sell');
          assert.equal(
            order.plan.participants.reduce((s, p) => s + p.requested, 0n),
            order.qty,
          );
        }
        assert.ok(!(plan.brokerOrder && plan.unsentResidual));
      }),
      { numRuns: 500 },
    );
  });
});
