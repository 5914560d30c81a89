/**
 * Block-fill allocation (DESIGN.md §5, ACCOUNTING.md §5 "Block orders"): one broker order works
 * for several deployments, and each execution is split among them at once, pro rata to their
 * requests, in the instrument's quantity increment; the execution's fee is split the same way in
 * fee units (cents).
 *
 * Every increment of a new execution goes, one at a time, to a participant whose exact pro-rata
 * share of the cumulative fill (this execution included) exceeds what it has: first to those owed
 * the most whole increments, then by the policy's method —
 * - `pro_rata_earliest_deadline` (default): the participant whose shortfall would reach a whole
 *   increment soonest as the fill grows (smallest (has + increment) ÷ request, the Balinski–Young
 *   "quota method"), then the largest shortfall;
 * - `pro_rata_largest_deficit` (ACCOUNTING.md §5 rule 2 as written): the largest shortfall.
 * Ties: the larger request, then the earlier participant. A piece smaller than one increment (an
 * execution that is not a multiple of it) is handed out last, the same way. Only the first keeps
 * everyone within one increment of its exact share after every execution: the second can leave a
 * large participant a whole increment behind (`allocation.test.ts` pins a case), because it hands
 * the leftover increments to small participants whose shortfall grows slowly.
 * The increments are not handed out one by one: everyone first gets the whole increments it is
 * certainly owed, then the few left go one at a time (the property tests check this against the
 * one-at-a-time definition).
 *
 * Entry points: `allocationPolicy` / `allocationPolicyProblem` (the serialisable policy stored with
 * an order), `allocationPlanProblem`, `allocateFill` (one execution), `replayAllocations` (a
 * sequence), `allocationLegs` (to core fill legs), `splitByLargestRemainder` (fees).
 * Invariants: an execution's allocations sum to its quantity exactly and are never negative;
 * nothing once booked is taken back; nobody gets more than it requested, nor a whole increment
 * more than its exact share; a fully filled block gives everyone exactly its request; fee shares
 * sum to the fee exactly, each within one fee unit of its exact share; the result depends only on
 * the plan, what is booked and the execution. All arithmetic is on exact integers (shares are
 * compared as cross products, never divided).
 */
import { type Dec, decimalProblem, parseDec, sum, toPlain } from './decimal.js';
import type { FeeCurrency, FillLeg, Side } from './events.js';
import type { DeploymentId } from './ids.js';

export const ALLOCATION_METHODS = ['pro_rata_earliest_deadline', 'pro_rata_largest_deficit'] as const;
export type AllocationMethod = (typeof ALLOCATION_METHODS)[number];
/** The default fee unit: one cent. */
export const CENT = parseDec('0.01');

/** How a block's executions are split; stored with the order so the journal replays identically. */
export interface AllocationPolicy {
  readonly method: AllocationMethod;
  /** The instrument's quantity increment, a decimal string ("1" whole shares, "0.000000001"). */
  readonly increment: string;
  /** The smallest fee amount handed out, a decimal string ("0.01"). */
  readonly feeUnit: string;
}

export interface BlockParticipant {
  readonly deployment: DeploymentId;
  /** What the deployment asked for (> 0). */
  readonly requested: Dec;
}

/** Which deployments a block order is for, how much each wants (in a stable order), and how to split. */
export interface AllocationPlan {
  readonly participants: readonly BlockParticipant[];
  readonly policy: AllocationPolicy;
}

/** One participant's part of one execution; `allocateFill` returns one per participant, zeros included. */
export interface Allocation {
  readonly deployment: DeploymentId;
  readonly qty: Dec;
  readonly fee: Dec;
}

/** What each participant has been allocated so far over the block; a missing deployment has 0. */
export type BookedAllocations = ReadonlyMap<DeploymentId, Dec>;

export interface AllocationProblem {
  readonly field: string;
  readonly message: string;
}

export function allocationPolicy(
  increment: Dec,
  feeUnit: Dec = CENT,
  method: AllocationMethod = 'pro_rata_earliest_deadline',
): AllocationPolicy {
  if (increment <= 0n || feeUnit <= 0n) throw new RangeError('increment and fee unit must be greater than 0');
  return { method, increment: toPlain(increment), feeUnit: toPlain(feeUnit) };
}

/** What is wrong with a stored or received policy (unknown method, bad increment...), or undefined. */
export function allocationPolicyProblem(policy: unknown): AllocationProblem | undefined {
  if (typeof policy !== 'object' || policy === null) return { field: 'policy', message: 'must be an object' };
  const p = policy as Record<string, unknown>;
  if (!ALLOCATION_METHODS.includes(p.method as AllocationMethod)) {
    return {
      field: 'policy.method',
      message: `unknown allocation method (expected one of ${ALLOCATION_METHODS.join(', ')})`,
    };
  }
  for (const field of ['increment', 'feeUnit'] as const) {
    const value = p[field];
    if (typeof value !== 'string') return { field: `policy.${field}`, message: 'must be a decimal string' };
    const problem = decimalProblem(value);
    if (problem) return { field: `policy.${field}`, message: problem };
    if (parseDec(value) <= 0n) return { field: `policy.${field}`, message: 'must be greater than 0' };
  }
  return undefined;
}

/** What is wrong with a plan (no participants, duplicates, non-positive requests, bad policy), or undefined. */
export function allocationPlanProblem(plan: AllocationPlan): AllocationProblem | undefined {
  const policyProblem = allocationPolicyProblem(plan.policy);
  if (policyProblem) return policyProblem;
  if (plan.participants.length === 0) {
    return { field: 'participants', message: 'a block needs at least one participant' };
  }
  const seen = new Set<DeploymentId>();
  for (const [i, p] of plan.participants.entries()) {
    if (seen.has(p.deployment)) {
      return { field: `participants[${i}].deployment`, message: `'${p.deployment}' appears twice in the block` };
    }
    seen.add(p.deployment);
    if (p.requested <= 0n) return { field: `participants[${i}].requested`, message: 'must be greater than 0' };
  }
  return undefined;
}

/** What prevents allocating an execution of `qty` with `fee` (overfill, unknown deployment...), or undefined. */
export function fillAllocationProblem(
  plan: AllocationPlan,
  booked: BookedAllocations,
  qty: Dec,
  fee: Dec,
): AllocationProblem | undefined {
  const planProblem = allocationPlanProblem(plan);
  if (planProblem) return planProblem;
  if (qty <= 0n) return { field: 'qty', message: 'must be greater than 0' };
  if (fee < 0n) return { field: 'fee', message: 'must not be negative' };
  const members = new Set(plan.participants.map((p) => p.deployment));
  for (const [deployment, amount] of booked) {
    if (!members.has(deployment)) return { field: 'booked', message: `'${deployment}' is not in the block` };
    if (amount < 0n) return { field: 'booked', message: `'${deployment}' has a negative allocation` };
  }
  for (const p of plan.participants) {
    if ((booked.get(p.deployment) ?? 0n) > p.requested) {
      return { field: 'booked', message: `'${p.deployment}' has more than it requested` };
    }
  }
  const requested = sum(plan.participants.map((p) => p.requested));
  const filled = sum(booked.values());
  if (filled + qty > requested) {
    return {
      field: 'qty',
      message: `the block would be overfilled: ${toPlain((filled + qty) as Dec)} filled of ${toPlain(requested as Dec)} ordered`,
    };
  }
  return undefined;
}

/**
 * Splits one execution of `qty` (with `fee` in money) among the plan's participants, given what
 * each already has. Returns one allocation per participant, in plan order (zero quantities
 * included). Guarantees the invariants in the module comment; throws a RangeError naming the
 * problem when `fillAllocationProblem` reports one.
 */
export function allocateFill(plan: AllocationPlan, booked: BookedAllocations, qty: Dec, fee: Dec): Allocation[] {
  const problem = fillAllocationProblem(plan, booked, qty, fee);
  if (problem) throw new RangeError(`cannot allocate the execution: ${problem.field} ${problem.message}`);
  const increment = parseDec(plan.policy.increment);
  const requested = sum(plan.participants.map((p) => p.requested));
  const cumulative = sum(booked.values()) + qty;
  const claims = plan.participants.map((p): Claim => {
    const has = booked.get(p.deployment) ?? 0n;
    // Exact share − has = (cumulative × requested_i − has × Σ requested) ÷ Σ requested.
    return { deficit: cumulative * p.requested - has * requested, has, room: p.requested - has, weight: p.requested };
  });
  const priority = plan.policy.method === 'pro_rata_earliest_deadline' ? earliestDeadlineFirst : largestDeficitFirst;
  const quantities = handOut(claims, requested, qty, increment, priority);
  const fees = splitByLargestRemainder(fee, quantities as Dec[], parseDec(plan.policy.feeUnit));
  return plan.participants.map((p, i) => ({ deployment: p.deployment, qty: quantities[i] as Dec, fee: fees[i]! }));
}

/**
 * Splits `amount` (≥ 0) pro rata to `weights` (≥ 0, not all 0 unless amount is 0) in units of
 * `unit`, largest remainder first (ties: the larger weight, then the earlier one); a last piece
 * smaller than `unit` goes by largest remainder too. The shares sum to `amount` exactly and each
 * is within one unit of its exact share. Throws a RangeError on negative input or all-zero weights.
 */
export function splitByLargestRemainder(amount: Dec, weights: readonly Dec[], unit: Dec): Dec[] {
  if (amount < 0n || unit <= 0n || weights.some((w) => w < 0n)) throw new RangeError('amounts must not be negative');
  if (amount === 0n) return weights.map(() => 0n as Dec);
  const weight = sum(weights);
  if (weight === 0n) throw new RangeError(`cannot split ${toPlain(amount)} over zero weights`);
  const claims = weights.map((w): Claim => ({ deficit: amount * w, has: 0n, room: null, weight: w }));
  return handOut(claims, weight, amount, unit, largestDeficitFirst) as Dec[];
}

/** Folds a block's executions from nothing booked: the allocations of each, and the totals after them. */
export function replayAllocations(
  plan: AllocationPlan,
  fills: readonly { readonly qty: Dec; readonly fee: Dec }[],
): { allocations: Allocation[][]; booked: Map<DeploymentId, Dec> } {
  const booked = new Map<DeploymentId, Dec>();
  const allocations = fills.map((f) => {
    const split = allocateFill(plan, booked, f.qty, f.fee);
    for (const a of split) booked.set(a.deployment, ((booked.get(a.deployment) ?? 0n) + a.qty) as Dec);
    return split;
  });
  return { allocations, booked };
}

/** The legs of a core `fill` event for one allocated execution; participants given nothing get no leg. */
export function allocationLegs(
  allocations: readonly Allocation[],
  side: Side,
  feeCurrency: FeeCurrency = 'quote',
): FillLeg[] {
  return allocations
    .filter((a) => a.qty > 0n)
    .map((a) => ({ deployment: a.deployment, side, qty: a.qty, fee: a.fee, feeCurrency }));
}

/**
 * One claimant's standing: `deficit` ÷ den is its exact share minus what it `has` (may be
 * negative); `room` caps what it may still get (null: no cap); `weight` is its request (or, for a
 * fee, its quantity), which also breaks ties (larger first).
 */
interface Claim {
  deficit: bigint;
  has: bigint;
  room: bigint | null;
  readonly weight: bigint;
}

/** True when claimant `a` comes before `b` for the next piece (both are eligible). */
type Priority = (a: Claim, b: Claim, unit: bigint) => boolean;

const largestDeficitFirst: Priority = (a, b) =>
  a.deficit > b.deficit || (a.deficit === b.deficit && a.weight > b.weight);

/**
 * The earliest deadline first: the claimant whose deficit would reach one whole unit soonest as
 * the fill grows, i.e. the smallest (has + unit) ÷ weight; then the largest deficit, the larger weight.
 */
const earliestDeadlineFirst: Priority = (a, b, unit) => {
  const da = (a.has + unit) * b.weight;
  const db = (b.has + unit) * a.weight;
  return da < db || (da === db && largestDeficitFirst(a, b, unit));
};

/**
 * Hands `amount` out in pieces of `unit` (the last one possibly smaller), one at a time: first to
 * the claimants owed the most whole units (⌊deficit ÷ unit⌋), then by `priority` among those with
 * a positive deficit. Done in bulk: the first pieces are exactly the one-at-a-time picks while some
 * claimant is owed more than t whole units, so every such claimant gets ⌊deficit ÷ unit⌋ − t at
 * once (t is 0 unless earlier executions left others ahead of their share); the few left (fewer
 * than one per claimant, plus one) go one at a time. Mutates the claims.
 */
function handOut(claims: Claim[], den: bigint, amount: bigint, unit: bigint, priority: Priority): bigint[] {
  const given = claims.map(() => 0n);
  const owed = claims.map((c) => (c.deficit > 0n ? c.deficit / (unit * den) : 0n));
  const t = bulkThreshold(owed, amount / unit);
  let remaining = amount;
  claims.forEach((c, i) => {
    const pieces = owed[i]! > t ? owed[i]! - t : 0n;
    if (pieces === 0n) return;
    // A claim never owes more than its room (exact share ≤ request), so the cap cannot bind here.
    give(c, pieces * unit, den);
    given[i] = pieces * unit;
    remaining -= pieces * unit;
  });
  while (remaining > 0n) {
    const i = nextClaimant(claims, den, unit, priority);
    if (i < 0) throw new RangeError('allocation invariant broken: nobody is owed the rest of the execution');
    const c = claims[i]!;
    let piece = remaining < unit ? remaining : unit;
    if (c.room !== null && c.room < piece) piece = c.room;
    give(c, piece, den);
    given[i] = given[i]! + piece;
    remaining -= piece;
  }
  return given;
}

function give(c: Claim, qty: bigint, den: bigint): void {
  c.deficit -= qty * den;
  c.has += qty;
  if (c.room !== null) c.room -= qty;
}

/**
 * The smallest t ≥ 0 with Σ max(0, owed − t) ≤ whole: the bulk hands out every whole unit owed
 * above t, which never exceeds the whole units of the execution.
 */
function bulkThreshold(owed: readonly bigint[], whole: bigint): bigint {
  const bulk = (t: bigint) => owed.reduce((s, o) => (o > t ? s + o - t : s), 0n);
  if (bulk(0n) <= whole) return 0n;
  let lo = 0n; // bulk(lo) > whole
  let hi = owed.reduce((m, o) => (o > m ? o : m), 0n); // bulk(hi) = 0 ≤ whole
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (bulk(mid) <= whole) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Index of the claimant for the next piece, or −1: among those with a positive deficit and room,
 * the most whole units owed, then `priority`, then the earlier one.
 */
function nextClaimant(claims: readonly Claim[], den: bigint, unit: bigint, priority: Priority): number {
  let best = -1;
  let bestOwed = 0n;
  claims.forEach((c, i) => {
    if (c.deficit <= 0n || (c.room !== null && c.room <= 0n)) return;
    const owed = c.deficit / (unit * den);
    if (best < 0 || owed > bestOwed || (owed === bestOwed && priority(c, claims[best]!, unit))) {
      best = i;
      bestOwed = owed;
    }
  });
  return best;
}
