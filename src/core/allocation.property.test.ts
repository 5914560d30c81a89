/** The laws of block-fill allocation (DESIGN.md §5, ACCOUNTING.md §5 rules 1–5), for any block. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Allocation,
  type AllocationMethod,
  type AllocationPlan,
  type AllocationPolicy,
  ALLOCATION_METHODS,
  allocateFill,
  allocationPolicy,
  replayAllocations,
} from './allocation.js';
import { type Dec, parseDec } from './decimal.js';
import type { DeploymentId } from './ids.js';

const runs = { numRuns: 300 };
const UNIT = 10n ** 18n; // Dec's raw units per 1

interface Block {
  readonly plan: AllocationPlan;
  readonly executions: { qty: Dec; fee: Dec }[];
  readonly fullyFilled: boolean;
}

const increments = ['1', '0.01', '0.000000001'].map(parseDec);
const requestUnits = fc.oneof(
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 1, max: 100_000 }),
);
const fee = fc.oneof(
  fc.constant(0n),
  fc.integer({ min: 0, max: 100_000 }).map((cents) => BigInt(cents) * 10n ** 16n), // whole cents
  fc.integer({ min: 0, max: 10_000_000 }).map((micros) => BigInt(micros) * 10n ** 12n), // sub-cent digits
) as fc.Arbitrary<Dec>;

function planOf(requests: bigint[], increment: Dec, method: AllocationMethod): AllocationPlan {
  return {
    participants: requests.map((r, i) => ({ deployment: `d${i}` as DeploymentId, requested: r as Dec })),
    policy: allocationPolicy(increment, undefined, method),
  };
}

const WHOLE = UNIT as Dec;

/**
 * Any booked state (reachable or not: some participants far ahead of their share, some holding
 * half a share) and an execution that fits in the block, in whole shares or not.
 */
const anyState = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.boolean()), {
    minLength: 1,
    maxLength: 6,
  })
  .filter((rows) => rows.some(([r, h]) => h < r))
  .chain((rows) => {
    const requests = rows.map(([r]) => BigInt(r) * UNIT);
    const has = rows.map(([r, h, half]) => BigInt(Math.min(r, h)) * UNIT - (half && h > 0 ? UNIT / 2n : 0n));
    const room = requests.reduce((s, r) => s + r, 0n) - has.reduce((s, h) => s + h, 0n);
    const whole = room / UNIT;
    const qty =
      whole > 0n
        ? fc.oneof(
            fc.bigInt({ min: 1n, max: whole }).map((u) => u * UNIT),
            fc.bigInt({ min: 1n, max: room }),
          )
        : fc.bigInt({ min: 1n, max: room });
    return qty.map((q) => ({ requests, has, qty: q as Dec }));
  });

/** Executions cut from a block of `total` increments: `sizes` in turn, the last one possibly to the end. */
function cut(total: bigint, increment: Dec, sizes: [bigint, Dec][], fillToEnd: boolean, lastFee: Dec) {
  const executions: { qty: Dec; fee: Dec }[] = [];
  let filled = 0n;
  for (const [size, f] of sizes) {
    const qty = size < total - filled ? size : total - filled;
    if (qty <= 0n) break;
    executions.push({ qty: (qty * increment) as Dec, fee: f });
    filled += qty;
  }
  if (fillToEnd && filled < total) executions.push({ qty: ((total - filled) * increment) as Dec, fee: lastFee });
  return { executions, fullyFilled: filled === total || fillToEnd };
}

/**
 * A block and a sequence of executions in whole increments (the broker's quantities), sometimes
 * filled to the end. Two shapes: any sizes, and the hard one for "within one increment" — a few
 * small requests beside large ones, worked in many small executions.
 */
const block = (method: AllocationMethod): fc.Arbitrary<Block> =>
  fc
    .oneof(
      fc.record({
        increment: fc.constantFrom(...increments),
        requests: fc.array(requestUnits, { minLength: 1, maxLength: 8 }),
        sizes: fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 100_000n }), fee), { minLength: 1, maxLength: 12 }),
        fillToEnd: fc.boolean(),
        lastFee: fee,
      }),
      fc.record({
        increment: fc.constantFrom(...increments),
        // Equal large requests beside small ones, whose shortfalls grow slowly.
        requests: fc
          .tuple(
            fc.integer({ min: 10, max: 49 }),
            fc.integer({ min: 2, max: 4 }),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 5 }),
          )
          .map(([large, count, small]) => [...Array.from({ length: count }, () => large), ...small]),
        sizes: fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 10n }), fee), { minLength: 1, maxLength: 30 }),
        fillToEnd: fc.boolean(),
        lastFee: fee,
      }),
    )
    .map(({ increment, requests, sizes, fillToEnd, lastFee }) => {
      const total = requests.reduce((s, r) => s + BigInt(r), 0n);
      const plan = planOf(
        requests.map((r) => BigInt(r) * increment),
        increment,
        method,
      );
      return { plan, ...cut(total, increment, sizes, fillToEnd, lastFee) };
    });

/** Walks a block, calling `check` after each execution with the totals so far. */
function walk(
  b: Block,
  check: (split: Allocation[], booked: Map<DeploymentId, Dec>, execution: { qty: Dec; fee: Dec }) => void,
) {
  const booked = new Map<DeploymentId, Dec>();
  for (const execution of b.executions) {
    const split = allocateFill(b.plan, booked, execution.qty, execution.fee);
    for (const a of split) booked.set(a.deployment, ((booked.get(a.deployment) ?? 0n) + a.qty) as Dec);
    check(split, booked, execution);
  }
  return booked;
}

const requested = (plan: AllocationPlan) => plan.participants.reduce((s, p) => s + p.requested, 0n);
const cumulative = (booked: Map<DeploymentId, Dec>) => [...booked.values()].reduce((s, q) => s + q, 0n);

for (const method of ALLOCATION_METHODS) {
  describe(`allocation laws (${method})`, () => {
    it('the allocations of every execution sum to its quantity exactly and are never negative', () => {
      fc.assert(
        fc.property(block(method), (b) => {
          walk(b, (split, _booked, execution) => {
            assert.equal(
              split.reduce((s, a) => s + a.qty, 0n),
              execution.qty,
            );
            for (const a of split) assert.ok(a.qty >= 0n);
          });
        }),
        runs,
      );
    });

    it('nobody gets more than it requested, nor a whole increment more than its exact share', () => {
      fc.assert(
        fc.property(block(method), (b) => {
          const total = requested(b.plan);
          const increment = parseDec(b.plan.policy.increment);
          walk(b, (_split, booked) => {
            const filled = cumulative(booked);
            for (const p of b.plan.participants) {
              const has = booked.get(p.deployment)!;
              assert.ok(has <= p.requested);
              // has − exact share < increment, as integers: has × Σ requested − filled × requested < increment × Σ requested.
              assert.ok(has * total - filled * p.requested < increment * total);
            }
          });
        }),
        runs,
      );
    });

    it('a fully filled block gives each participant exactly what it asked', () => {
      fc.assert(
        fc.property(block(method), (b) => {
          const booked = walk(b, () => {});
          if (!b.fullyFilled) return;
          for (const p of b.plan.participants) assert.equal(booked.get(p.deployment), p.requested);
        }),
        runs,
      );
    });

    it('fee shares sum to the fee exactly, each within one cent of its exact pro-rata share', () => {
      fc.assert(
        fc.property(block(method), (b) => {
          const feeUnit = parseDec(b.plan.policy.feeUnit);
          walk(b, (split, _booked, execution) => {
            assert.equal(
              split.reduce((s, a) => s + a.fee, 0n),
              execution.fee,
            );
            for (const a of split) {
              assert.ok(a.fee >= 0n);
              // |fee_i − fee × qty_i ÷ qty| < unit, as integers.
              const gap = a.fee * execution.qty - execution.fee * a.qty;
              assert.ok((gap < 0n ? -gap : gap) < feeUnit * execution.qty);
            }
          });
        }),
        runs,
      );
    });

    it('depends only on the plan and the executions: replay from the stored policy gives the same allocations', () => {
      fc.assert(
        fc.property(block(method), (b) => {
          const live: Allocation[][] = [];
          walk(b, (split) => live.push(split));
          const stored = JSON.parse(JSON.stringify(b.plan.policy)) as AllocationPolicy;
          const replayed = replayAllocations({ participants: [...b.plan.participants], policy: stored }, b.executions);
          assert.deepEqual(replayed.allocations, live);
          // What is booked is a set of totals: the order the caller happens to hold them in does not matter.
          const reversed = new Map<DeploymentId, Dec>();
          for (const [i, split] of live.entries()) {
            const before = new Map([...reversed].reverse());
            assert.deepEqual(allocateFill(b.plan, before, b.executions[i]!.qty, b.executions[i]!.fee), split);
            for (const a of split) reversed.set(a.deployment, ((reversed.get(a.deployment) ?? 0n) + a.qty) as Dec);
          }
        }),
        runs,
      );
    });

    it('hands out in bulk exactly what handing out one increment at a time would, from any booked state', () => {
      fc.assert(
        fc.property(anyState, ({ requests, has, qty }) => {
          const plan = planOf(requests, WHOLE, method);
          const booked = new Map(plan.participants.map((p, i) => [p.deployment, has[i]! as Dec]));
          const bulk = allocateFill(plan, booked, qty, 0n as Dec).map((a) => a.qty);
          assert.deepEqual(bulk, oneAtATime(requests, has, qty, WHOLE, method));
        }),
        { numRuns: 1000 },
      );
    });
  });
}

describe('allocation laws (pro_rata_earliest_deadline, the default)', () => {
  it('after every execution each participant is within one increment of its exact pro-rata share', () => {
    fc.assert(
      fc.property(block('pro_rata_earliest_deadline'), (b) => {
        const total = requested(b.plan);
        const increment = parseDec(b.plan.policy.increment);
        walk(b, (_split, booked) => {
          const filled = cumulative(booked);
          for (const p of b.plan.participants) {
            const gap = booked.get(p.deployment)! * total - filled * p.requested;
            assert.ok((gap < 0n ? -gap : gap) < increment * total, `${p.deployment} is a whole increment off`);
          }
        });
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * The definition, literally: each piece of `increment` (the last one possibly smaller) goes to the
 * participant whose exact share of the cumulative fill most exceeds what it has — for the deadline
 * method, to those owed the most whole increments, then the one whose shortfall reaches a whole
 * increment soonest — ties to the larger request, then the earlier one. Exact rationals throughout.
 */
function oneAtATime(requests: bigint[], booked: bigint[], qty: bigint, increment: bigint, method: AllocationMethod) {
  const total = requests.reduce((s, r) => s + r, 0n);
  const has = [...booked];
  const given = requests.map(() => 0n);
  const filled = booked.reduce((s, h) => s + h, 0n) + qty;
  const deficit = (i: number) => filled * requests[i]! - has[i]! * total; // (exact share − has) × total
  const before = (i: number, j: number): boolean => {
    if (method === 'pro_rata_earliest_deadline') {
      const owedI = deficit(i) / (increment * total);
      const owedJ = deficit(j) / (increment * total);
      if (owedI !== owedJ) return owedI > owedJ;
      const deadlineI = (has[i]! + increment) * requests[j]!;
      const deadlineJ = (has[j]! + increment) * requests[i]!;
      if (deadlineI !== deadlineJ) return deadlineI < deadlineJ;
    }
    if (deficit(i) !== deficit(j)) return deficit(i) > deficit(j);
    return requests[i]! > requests[j]!;
  };
  let remaining = qty;
  while (remaining > 0n) {
    let best = -1;
    for (let i = 0; i < requests.length; i++) {
      if (deficit(i) <= 0n) continue; // nobody gets a piece it is not owed at all
      if (best < 0 || before(i, best)) best = i;
    }
    assert.ok(best >= 0, 'someone is always owed the rest');
    let piece = remaining < increment ? remaining : increment;
    const room = requests[best]! - has[best]!;
    if (room < piece) piece = room;
    has[best] = has[best]! + piece;
    given[best] = given[best]! + piece;
    remaining -= piece;
  }
  return given;
}
