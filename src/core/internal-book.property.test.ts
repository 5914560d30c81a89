/**
 * The laws of the internal book's rules (src/core/internal-book.ts, docs/decisions/0004-internal-book.md)
 * for any book of one symbol: 1–12 working orders of 1–4 sleeves (plus block orders, owned by
 * themselves), market and limit, limit prices and the reference price on a small grid so that ties
 * happen, remaining quantities on a grid of 0.25 so that equal remainders happen, and an incoming
 * order of any of those sleeves.
 *
 * 1. No sleeve trades worse than its limit or the reference: every cross is at the reference price,
 *    and both sides accept it.
 * 2. Quantities: each cross is > 0 and ≤ both remainders; crosses + sendQty = the incoming's
 *    remainder for `place`, crosses ≤ it for `hold`; no order twice; never the same owner; only
 *    opposite orders that interact.
 * 3. Priority: the crossed orders are a prefix, in `byPriority` order, of the eligible candidates;
 *    only the last cross can be partial.
 * 4. The broker invariant: after the plan, no two of our orders at the broker from different
 *    sleeves interact; an incoming order that meets a block at the broker is held, unless it is
 *    crossed inside in full (nothing is sent beside the block).
 * 5. Withdrawals touch only other sleeves' movable orders at the broker that interact with it.
 * 6. A non-marketable order never crosses and never withdraws.
 * 7. The plan does not depend on the order of the book.
 * 8. `byPriority` is a total order on one side's orders; `byArrival` on any orders.
 * Every property runs with one fixed seed, so a failure is reproducible as it stands.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Dec, ZERO, dec, sum, toPlain } from './decimal.js';
import {
  type BookOrder,
  type Placement,
  acceptsPrice,
  byArrival,
  byPriority,
  interacts,
  planPlacement,
  selfConflict,
} from './internal-book.js';

const SEED = 20261204;
const runs = { seed: SEED, numRuns: 3000 };

const UNIT = 10n ** 18n; // Dec's raw units per 1
const LIMITS = ['189', '189.5', '190', '190.5', '191'].map(dec);
/** The reference grid reaches a little past the limits, so that sometimes no limit accepts it. */
const REFERENCES = ['188.5', '189', '189.5', '190', '190.5', '191', '191.5'].map(dec);
const OWNERS = ['a', 'b', 'c', 'd'];
const minute = (i: number) => new Date(Date.UTC(2026, 11, 4, 15, i)).toISOString();
const quarter = (n: number) => ((BigInt(n) * UNIT) / 4n) as Dec; // n × 0.25

/** Raw material of one order; the book decides its id, owner and whether it is at the broker. */
interface OrderSeed {
  readonly owner: number;
  readonly side: 'buy' | 'sell';
  /** For a book order: whether it is on the incoming order's opposite side (3 in 4), instead of `side`. */
  readonly opposite: boolean;
  readonly market: boolean;
  readonly limit: number;
  readonly quarters: number;
  readonly minute: number;
  readonly wantsBroker: boolean;
  readonly movable: boolean;
  readonly block: boolean;
}

const orderSeed: fc.Arbitrary<OrderSeed> = fc.record({
  owner: fc.nat({ max: 3 }),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  opposite: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
  market: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), // 1 in 5 a market order
  limit: fc.nat({ max: LIMITS.length - 1 }),
  quarters: fc.integer({ min: 1, max: 16 }), // 0.25 .. 4
  minute: fc.nat({ max: 4 }),
  wantsBroker: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
  movable: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0), // 1 in 5 not movable
  block: fc.boolean(), // a non-movable one: a block (its own owner) or a sleeve's order being cancelled
});

function orderOf(s: OrderSeed, id: string, owners: number, atBroker: boolean): BookOrder {
  return {
    id,
    owner: !s.movable && s.block ? id : OWNERS[s.owner % owners]!,
    side: s.side,
    type: s.market ? 'market' : 'limit',
    limitPrice: s.market ? null : LIMITS[s.limit]!,
    remaining: quarter(s.quarters),
    createdAt: minute(s.minute),
    atBroker,
    movable: s.movable,
  };
}

interface Scenario {
  readonly book: readonly BookOrder[];
  readonly incoming: BookOrder;
  readonly reference: Dec;
  /** Sort keys of a permutation of the book (law 7). */
  readonly keys: readonly number[];
}

/**
 * A book in which no two orders at the broker interact (whatever their owners: the broker would
 * have refused the second one): an order that wants the broker gets there only when nothing there
 * interacts with it. Ids are unique and their string order differs from their creation order
 * ('o10' < 'o9'). Sometimes the incoming order is in the book too (it is left out of the matching).
 */
const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    owners: fc.integer({ min: 1, max: 4 }),
    seeds: fc.array(orderSeed, { minLength: 1, maxLength: 12 }),
    ids: fc.uniqueArray(fc.nat({ max: 40 }), { minLength: 12, maxLength: 12 }),
    incoming: orderSeed,
    incomingMovable: fc.integer({ min: 0, max: 5 }).map((n) => n !== 0),
    incomingInBook: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    reference: fc.constantFrom(...REFERENCES),
    keys: fc.array(fc.nat(), { minLength: 13, maxLength: 13 }),
  })
  .map(({ owners, seeds, ids, incoming: inSeed, incomingMovable, incomingInBook, reference, keys }) => {
    const book: BookOrder[] = [];
    const opposite = inSeed.side === 'buy' ? 'sell' : 'buy';
    for (const [i, s] of seeds.entries()) {
      const candidate = orderOf({ ...s, side: s.opposite ? opposite : inSeed.side }, `o${ids[i]}`, owners, true);
      const free = s.wantsBroker && !book.some((o) => o.atBroker && interacts(o, candidate));
      book.push(free ? candidate : { ...candidate, atBroker: false });
    }
    const incoming: BookOrder = {
      ...orderOf({ ...inSeed, movable: true }, 'in', owners, false),
      createdAt: minute(5),
      movable: incomingMovable,
    };
    if (incomingInBook) book.unshift(incoming);
    return { book, incoming, reference, keys };
  });

/** Whether `order` would trade at `price`, written out independently of `acceptsPrice`. */
function willingAt(order: BookOrder, price: Dec): boolean {
  if (order.limitPrice === null) return true;
  if (order.side === 'buy') return !(price > order.limitPrice);
  return !(price < order.limitPrice);
}

const crossedTotal = (plan: Placement): Dec => sum(plan.crosses.map((c) => c.qty));

/** The other sleeves' orders of the book that `incoming` could trade against right now. */
const othersOf = (incoming: BookOrder, book: readonly BookOrder[]) =>
  book.filter((o) => o.id !== incoming.id && o.owner !== incoming.owner && o.remaining > 0n && interacts(o, incoming));

/** The orders at the broker once the plan is carried out (the incoming one with `sendQty`). */
function brokerAfter(incoming: BookOrder, book: readonly BookOrder[], plan: Placement): BookOrder[] {
  const gone = new Set([...plan.crosses.map((c) => c.against.id), ...plan.withdraw.map((o) => o.id)]);
  const rest = book.filter((o) => o.id !== incoming.id && o.atBroker && !gone.has(o.id));
  return plan.kind === 'place' && plan.sendQty > 0n
    ? [...rest, { ...incoming, remaining: plan.sendQty, atBroker: true }]
    : rest;
}

/** A plan as plain data, with the sets (withdraw, blockers) sorted: equal plans give equal shapes. */
function shape(plan: Placement) {
  return {
    kind: plan.kind,
    crosses: plan.crosses.map((c) => [c.against.id, toPlain(c.qty)]),
    withdraw: plan.withdraw.map((o) => o.id).sort(),
    sendQty: plan.kind === 'place' ? toPlain(plan.sendQty) : null,
    blockers: plan.kind === 'hold' ? plan.blockers.map((o) => o.id).sort() : null,
  };
}

describe('internal book: planPlacement, for any book, incoming order and reference price', () => {
  it('law 1: every cross is at the reference, and both the incoming and the crossed order accept it', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        const plan = planPlacement(incoming, book, reference);
        for (const c of plan.crosses) {
          assert.equal(acceptsPrice(incoming, reference), true);
          assert.equal(acceptsPrice(c.against, reference), true);
          // And by the limits themselves: no buy above its limit, no sell below it.
          assert.equal(willingAt(incoming, reference), true);
          assert.equal(willingAt(c.against, reference), true);
        }
      }),
      runs,
    );
  });

  it('acceptsPrice is the limit read plainly (market: any price; buy: ≤ limit; sell: ≥ limit)', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        for (const o of [incoming, ...book]) assert.equal(acceptsPrice(o, reference), willingAt(o, reference));
      }),
      runs,
    );
  });

  it('law 2: each cross 0 < qty ≤ both remainders; the quantities add up; no order twice, never the same owner, only opposite interacting orders', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        const plan = planPlacement(incoming, book, reference);
        const byId = new Map(book.map((o) => [o.id, o]));
        for (const c of plan.crosses) {
          assert.ok(c.qty > 0n, `cross qty ${toPlain(c.qty)} must be > 0`);
          assert.ok(c.qty <= incoming.remaining);
          assert.ok(c.qty <= c.against.remaining);
          assert.equal(byId.get(c.against.id), c.against, 'a crossed order is one of the book');
          assert.notEqual(c.against.id, incoming.id);
          assert.notEqual(c.against.owner, incoming.owner);
          assert.notEqual(c.against.side, incoming.side);
          assert.equal(interacts(c.against, incoming), true);
        }
        const ids = plan.crosses.map((c) => c.against.id);
        assert.equal(new Set(ids).size, ids.length, 'no order crossed twice');
        const crossed = crossedTotal(plan);
        if (plan.kind === 'place') assert.equal(crossed + plan.sendQty, incoming.remaining);
        else assert.ok(crossed <= incoming.remaining);
        if (plan.kind === 'place') assert.ok(plan.sendQty >= 0n);
      }),
      runs,
    );
  });

  it('law 3: the crossed orders are a prefix of the eligible candidates in byPriority order; only the last may be partial', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        const plan = planPlacement(incoming, book, reference);
        const eligible = othersOf(incoming, book)
          .filter((o) => o.movable && acceptsPrice(o, reference))
          .sort(byPriority);
        const ids = plan.crosses.map((c) => c.against.id);
        assert.deepEqual(
          ids,
          eligible.slice(0, ids.length).map((o) => o.id),
        );
        plan.crosses.forEach((c, i) => {
          if (i < plan.crosses.length - 1) assert.equal(c.qty, c.against.remaining, `cross ${i} is not the last`);
        });
        const crossed = crossedTotal(plan);
        const last = plan.crosses.at(-1);
        if (last && last.qty < last.against.remaining) assert.equal(crossed, incoming.remaining);
        // Nobody eligible is left out while the incoming order still wants more.
        if (incoming.movable && acceptsPrice(incoming, reference) && ids.length < eligible.length)
          assert.equal(crossed, incoming.remaining);
        // An order that may not be moved (a block, or one being cancelled) is not crossed either.
        if (!incoming.movable) assert.equal(plan.crosses.length, 0);
      }),
      runs,
    );
  });

  it('law 4: after the plan, no two orders at the broker from different sleeves interact', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        const plan = planPlacement(incoming, book, reference);
        const after = brokerAfter(incoming, book, plan);
        // The book had no such pair, so a pair after it involves the incoming order; a non-movable
        // order is no exemption, since an incoming order that meets one must be held (next law).
        for (const [i, a] of after.entries())
          for (const b of after.slice(i + 1))
            if (a.owner !== b.owner && interacts(a, b))
              assert.fail(`${a.id} (${a.owner}) and ${b.id} (${b.owner}) interact at the broker`);
      }),
      runs,
    );
  });

  it("law 4': with no self-conflict (the router refuses those first), nothing at the broker interacts at all", () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        fc.pre(
          selfConflict(
            incoming,
            book.filter((o) => o.atBroker),
          ) === undefined,
        );
        const after = brokerAfter(incoming, book, planPlacement(incoming, book, reference));
        for (const [i, a] of after.entries())
          for (const b of after.slice(i + 1))
            assert.equal(interacts(a, b), false, `${a.id} (${a.owner}) and ${b.id} (${b.owner}) interact`);
      }),
      runs,
    );
  });

  it('law 4 (blocks): an incoming order that interacts with a non-movable order of another sleeve at the broker is held, or wholly crossed inside', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        const plan = planPlacement(incoming, book, reference);
        const blocks = othersOf(incoming, book).filter((o) => o.atBroker && !o.movable);
        // Crossing inside sends nothing next to the block: only a remainder has to wait for it.
        if (blocks.length > 0 && !(plan.kind === 'place' && plan.sendQty === 0n)) {
          assert.equal(plan.kind, 'hold', `kind with ${blocks.map((o) => o.id).join(', ')} in the way`);
          assert.ok(
            plan.kind === 'hold' && blocks.every((b) => plan.blockers.some((o) => o.id === b.id)),
            'every block in the way is a blocker',
          );
        }
        for (const w of plan.withdraw) assert.equal(w.movable, true, `${w.id} is not movable`);
      }),
      runs,
    );
  });

  it('law 5: withdrawals touch only movable orders of other sleeves at the broker that interact with the incoming order', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        const plan = planPlacement(incoming, book, reference);
        const byId = new Map(book.map((o) => [o.id, o]));
        for (const w of plan.withdraw) {
          assert.equal(byId.get(w.id), w, 'a withdrawn order is one of the book');
          assert.notEqual(w.id, incoming.id);
          assert.equal(w.atBroker, true);
          assert.equal(w.movable, true);
          assert.notEqual(w.owner, incoming.owner);
          assert.equal(interacts(w, incoming), true);
        }
        const ids = plan.withdraw.map((o) => o.id);
        assert.equal(new Set(ids).size, ids.length, 'no order withdrawn twice');
        // Every crossed order at the broker is withdrawn first.
        for (const c of plan.crosses)
          if (c.against.atBroker) assert.ok(ids.includes(c.against.id), `${c.against.id} is crossed at the broker`);
      }),
      runs,
    );
  });

  it('law 6: a non-marketable incoming order never crosses and never withdraws anything', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference }) => {
        fc.pre(!acceptsPrice(incoming, reference));
        const plan = planPlacement(incoming, book, reference);
        assert.deepEqual(plan.crosses, []);
        assert.deepEqual(plan.withdraw, []);
      }),
      runs,
    );
  });

  it('law 7: the plan does not depend on the order of the book', () => {
    fc.assert(
      fc.property(scenario, ({ book, incoming, reference, keys }) => {
        const shuffled = book
          .map((o, i) => ({ o, k: keys[i]!, i }))
          .sort((x, y) => x.k - y.k || y.i - x.i)
          .map(({ o }) => o);
        assert.deepEqual(
          shape(planPlacement(incoming, shuffled, reference)),
          shape(planPlacement(incoming, book, reference)),
        );
        assert.deepEqual(
          shape(planPlacement(incoming, [...book].reverse(), reference)),
          shape(planPlacement(incoming, book, reference)),
        );
      }),
      runs,
    );
  });
});

describe('internal book: byPriority', () => {
  /** The orders of a scenario, each id once (the incoming order may be in its book too). */
  const three = scenario.map(({ book, incoming }) => [incoming, ...book.filter((o) => o.id !== incoming.id)]);

  it('law 8: byPriority is a total order on the orders of one side (the candidates it ranks in planPlacement)', () => {
    fc.assert(
      fc.property(three, fc.constantFrom('buy' as const, 'sell' as const), (orders, side) => {
        checkTotalOrder(orders.map((o) => ({ ...o, side })));
      }),
      runs,
    );
  });

  it('law 8: byArrival is a total order on any orders (placeHeld ranks held orders of both sides with it)', () => {
    fc.assert(
      fc.property(three, (orders) => {
        checkTotalOrder(orders, byArrival);
      }),
      runs,
    );
  });
});

/** Antisymmetric, 0 only for the same id, transitive on every triple, and a sort agrees with it. */
function checkTotalOrder(orders: readonly BookOrder[], compare = byPriority) {
  const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
  for (const a of orders) {
    assert.equal(compare(a, a), 0);
    for (const b of orders) {
      const ab = sign(compare(a, b));
      assert.equal(ab, 0 - sign(compare(b, a)), `antisymmetry: ${a.id} vs ${b.id}`);
      if (a.id !== b.id) assert.notEqual(ab, 0, `${a.id} and ${b.id} tie`);
      for (const c of orders)
        if (ab <= 0 && sign(compare(b, c)) <= 0)
          assert.ok(compare(a, c) <= 0, `transitivity: ${a.id} ≤ ${b.id} ≤ ${c.id} but not ${a.id} ≤ ${c.id}`);
    }
  }
  const sorted = [...orders].sort(compare);
  for (let i = 1; i < sorted.length; i++) assert.ok(compare(sorted[i - 1]!, sorted[i]!) <= 0);
}

describe('internal book: examples', () => {
  const order = (o: Partial<BookOrder> & Pick<BookOrder, 'id' | 'owner' | 'side'>): BookOrder => ({
    type: 'limit',
    limitPrice: null,
    remaining: dec('1'),
    createdAt: minute(0),
    atBroker: true,
    movable: true,
    ...o,
  });

  it("A's far-away buy limit at the broker, B's market sell of 4 at 190: A withdrawn, no cross, 4 sent", () => {
    const a = order({ id: 'A', owner: 'alpha', side: 'buy', limitPrice: dec('1'), remaining: dec('1') });
    const b = order({ id: 'B', owner: 'beta', side: 'sell', type: 'market', remaining: dec('4'), atBroker: false });
    assert.deepEqual(planPlacement(b, [a], dec('190')), {
      kind: 'place',
      crosses: [],
      withdraw: [a],
      sendQty: dec('4'),
    });
  });

  it('a market sell meets a resting buy limit at the reference: crossed at the reference, the buy partly', () => {
    const buy = order({ id: 'A', owner: 'alpha', side: 'buy', limitPrice: dec('190'), remaining: dec('3') });
    const sell = order({ id: 'B', owner: 'beta', side: 'sell', type: 'market', remaining: dec('2'), atBroker: false });
    assert.deepEqual(planPlacement(sell, [buy], dec('190')), {
      kind: 'place',
      crosses: [{ against: buy, qty: dec('2') }],
      withdraw: [buy],
      sendQty: ZERO,
    });
  });

  it('a market sell larger than the resting buy: the buy is taken whole, the rest goes to the broker', () => {
    const buy = order({ id: 'A', owner: 'alpha', side: 'buy', limitPrice: dec('190'), remaining: dec('1.5') });
    const sell = order({ id: 'B', owner: 'beta', side: 'sell', type: 'market', remaining: dec('4'), atBroker: false });
    assert.deepEqual(planPlacement(sell, [buy], dec('189.5')), {
      kind: 'place',
      crosses: [{ against: buy, qty: dec('1.5') }],
      withdraw: [buy],
      sendQty: dec('2.5'),
    });
  });

  it('two resting buys at the same price: the older is crossed first', () => {
    // Not both at the broker would matter for the rule; the younger one has the smaller id.
    const older = order({ id: 'z-old', owner: 'alpha', side: 'buy', limitPrice: dec('190'), createdAt: minute(1) });
    const younger = order({
      id: 'a-young',
      owner: 'gamma',
      side: 'buy',
      limitPrice: dec('190'),
      createdAt: minute(2),
      atBroker: false,
    });
    const sell = order({
      id: 'B',
      owner: 'beta',
      side: 'sell',
      type: 'market',
      remaining: dec('1.5'),
      atBroker: false,
    });
    for (const book of [
      [older, younger],
      [younger, older],
    ])
      assert.deepEqual(planPlacement(sell, book, dec('190')), {
        kind: 'place',
        crosses: [
          { against: older, qty: dec('1') },
          { against: younger, qty: dec('0.5') },
        ],
        withdraw: [older],
        sendQty: ZERO,
      });
  });

  it('a non-marketable sell limit meeting a resting buy at the broker is held, with nothing withdrawn', () => {
    const buy = order({ id: 'A', owner: 'alpha', side: 'buy', limitPrice: dec('190') });
    const sell = order({ id: 'B', owner: 'beta', side: 'sell', limitPrice: dec('189.5'), atBroker: false });
    // Reference 189: the buy accepts it, the sell (≥ 189.5) does not.
    assert.deepEqual(planPlacement(sell, [buy], dec('189')), {
      kind: 'hold',
      crosses: [],
      withdraw: [],
      blockers: [buy],
    });
  });

  it('a market order meeting a block order at the broker is held; the block is never withdrawn', () => {
    const block = order({ id: 'K', owner: 'K', side: 'buy', limitPrice: dec('1'), movable: false });
    const sell = order({ id: 'B', owner: 'beta', side: 'sell', type: 'market', remaining: dec('4'), atBroker: false });
    assert.deepEqual(planPlacement(sell, [block], dec('190')), {
      kind: 'hold',
      crosses: [],
      withdraw: [],
      blockers: [block],
    });
  });
});
