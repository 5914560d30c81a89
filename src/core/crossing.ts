/**
 * Internal crossing of opposite wishes (DESIGN.md §5, ACCOUNTING.md §5 "Internal crossing"): when
 * deployments want opposite sides of one symbol at the same time, the smaller (minority) side is
 * matched in full against the larger (majority) side inside Subledger at a reference price fixed at
 * decision time (quote midpoint, else last trade), and only the net goes to the broker as one block
 * order whose participants are the majority side's remaining wishes.
 *
 * Entry points: `crossingProblem`, `planCrossing` (wishes → internal cross + net broker order),
 * `crossFill` (a cross → the core `fill` event that books it).
 * Invariants: the cross's legs move units between sleeves only (Σ signed legs = 0) at one price
 * with no fee; per deployment, crossed + sent to the broker + unsent residual = what it wished;
 * the net order's quantity is |Σ wishes|; the majority side shares the crossed quantity with the
 * block allocation method (`allocation.ts`), so the same inputs always give the same plan.
 */
import {
  type AllocationPlan,
  type AllocationPolicy,
  allocateFill,
  allocationPolicy,
  allocationPolicyProblem,
} from './allocation.js';
import { type Dec, ZERO, abs, sum, toPlain } from './decimal.js';
import type { FillBooked, Side } from './events.js';
import type { DeploymentId, FillId, Symbol } from './ids.js';

/** What one deployment wants to trade now: + buy, − sell. */
export interface Wish {
  readonly deployment: DeploymentId;
  readonly delta: Dec;
}

/** The price a cross is done at, and where it came from ("quote_mid", "last_trade", ...). */
export interface ReferencePrice {
  readonly price: Dec;
  readonly source: string;
}

export interface CrossingRequest {
  readonly symbol: Symbol;
  /** At most one wish per deployment, in a stable order; zero wishes are ignored. */
  readonly wishes: readonly Wish[];
  readonly reference: ReferencePrice;
  /** The instrument's quantity increment (the allocation policy's). */
  readonly increment: Dec;
  /** A net order smaller than this is not sent but returned as `unsentResidual`. Default 0. */
  readonly minTradeQty?: Dec;
  /** Overrides the default policy built from `increment`. */
  readonly policy?: AllocationPolicy;
}

export interface CrossLeg {
  readonly deployment: DeploymentId;
  readonly side: Side;
  readonly qty: Dec;
}

/** One internal fill between sleeves: the minority side in full against shares of the majority side. */
export interface InternalCross {
  readonly symbol: Symbol;
  readonly price: Dec;
  readonly source: string;
  /** The quantity crossed: what the buy legs sum to, and the sell legs too. */
  readonly qty: Dec;
  /** In wish order; only deployments that trade (qty > 0). */
  readonly legs: readonly CrossLeg[];
}

/** The net order for the broker, a block order for the majority side's remaining wishes. */
export interface NetOrder {
  readonly symbol: Symbol;
  readonly side: Side;
  readonly qty: Dec;
  readonly plan: AllocationPlan;
}

export interface CrossingPlan {
  readonly symbol: Symbol;
  readonly reference: ReferencePrice;
  readonly cross: InternalCross | null;
  /** What goes to the broker, or null when the wishes offset or the net is below the minimum. */
  readonly brokerOrder: NetOrder | null;
  /** The net left unsent because it is below `minTradeQty`, for the caller to report. */
  readonly unsentResidual: NetOrder | null;
}

export interface CrossingProblem {
  readonly field: string;
  readonly message: string;
}

/** What is wrong with a crossing request (duplicate deployment, bad price...), or undefined. */
export function crossingProblem(request: CrossingRequest): CrossingProblem | undefined {
  if (request.reference.price <= 0n) return { field: 'reference.price', message: 'must be greater than 0' };
  if (request.reference.source.trim() === '')
    return { field: 'reference.source', message: 'must name where the price came from' };
  if (request.increment <= 0n) return { field: 'increment', message: 'must be greater than 0' };
  if ((request.minTradeQty ?? ZERO) < 0n) return { field: 'minTradeQty', message: 'must not be negative' };
  if (request.policy) {
    const problem = allocationPolicyProblem(request.policy);
    if (problem) return problem;
  }
  const seen = new Set<DeploymentId>();
  for (const [i, wish] of request.wishes.entries()) {
    if (seen.has(wish.deployment)) {
      return { field: `wishes[${i}].deployment`, message: `'${wish.deployment}' has two wishes (net them first)` };
    }
    seen.add(wish.deployment);
  }
  return undefined;
}

/**
 * Crosses the minority side in full against the majority side at the reference price and returns
 * the net order (guarantees in the module comment). When both sides are equal every wish is
 * crossed in full and nothing goes to the broker. Throws a RangeError when `crossingProblem`
 * reports a problem.
 */
export function planCrossing(request: CrossingRequest): CrossingPlan {
  const problem = crossingProblem(request);
  if (problem) throw new RangeError(`cannot plan the crossing: ${problem.field} ${problem.message}`);
  const { symbol, reference } = request;
  const policy = request.policy ?? allocationPolicy(request.increment);
  const wishes = request.wishes.filter((w) => w.delta !== 0n);
  const bought = sum(wishes.filter((w) => w.delta > 0n).map((w) => w.delta));
  const sold = sum(wishes.filter((w) => w.delta < 0n).map((w) => -w.delta as Dec));
  const majority: Side = bought >= sold ? 'buy' : 'sell';
  const crossed = (bought < sold ? bought : sold) as Dec;
  const onMajority = (w: Wish) => (majority === 'buy' ? w.delta > 0n : w.delta < 0n);
  const majorityPlan: AllocationPlan = {
    participants: wishes.filter(onMajority).map((w) => ({ deployment: w.deployment, requested: abs(w.delta) })),
    policy,
  };

  const crossedBy = new Map<DeploymentId, Dec>();
  let cross: InternalCross | null = null;
  if (crossed > 0n) {
    for (const a of allocateFill(majorityPlan, new Map(), crossed, ZERO)) crossedBy.set(a.deployment, a.qty);
    for (const w of wishes) if (!onMajority(w)) crossedBy.set(w.deployment, abs(w.delta));
    const legs = wishes
      .map((w): CrossLeg => ({
        deployment: w.deployment,
        side: w.delta > 0n ? 'buy' : 'sell',
        qty: crossedBy.get(w.deployment)!,
      }))
      .filter((leg) => leg.qty > 0n);
    cross = { symbol, price: reference.price, source: reference.source, qty: crossed, legs };
  }

  const participants = majorityPlan.participants
    .map((p) => ({ deployment: p.deployment, requested: (p.requested - (crossedBy.get(p.deployment) ?? ZERO)) as Dec }))
    .filter((p) => p.requested > 0n);
  const net = (bought > sold ? bought - sold : sold - bought) as Dec;
  if (net === 0n) return { symbol, reference, cross, brokerOrder: null, unsentResidual: null };
  const order: NetOrder = { symbol, side: majority, qty: net, plan: { participants, policy } };
  if (sum(participants.map((p) => p.requested)) !== net) {
    throw new RangeError(`crossing invariant broken: net ${toPlain(net)} is not what the majority side still wants`);
  }
  return net < (request.minTradeQty ?? ZERO)
    ? { symbol, reference, cross, brokerOrder: null, unsentResidual: order }
    : { symbol, reference, cross, brokerOrder: order, unsentResidual: null };
}

/**
 * The core `fill` event that books a cross: one leg per trading deployment, at the cross's price,
 * fee 0 in quote currency. The reference source is not part of the event (the caller journals it
 * with the cross's order).
 */
export function crossFill(cross: InternalCross, id: FillId, ts: string): FillBooked {
  return {
    type: 'fill',
    id,
    symbol: cross.symbol,
    price: cross.price,
    ts,
    legs: cross.legs.map((leg) => ({
      deployment: leg.deployment,
      side: leg.side,
      qty: leg.qty,
      fee: ZERO,
      feeCurrency: 'quote',
    })),
  };
}
