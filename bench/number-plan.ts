/**
 * The baseline of the `plan` benchmark: one planning run — the strategies' weights, target
 * quantities on each sleeve's equity, deltas, the per-symbol attribution, then per symbol the
 * internal cross (the minority side in full, shared over the majority side by the same
 * earliest-deadline rule in whole shares) and the net order, sells first — written statement by
 * statement after src/engine/manager.ts, src/engine/planner.ts, src/core/crossing.ts and
 * src/core/allocation.ts, in plain JS numbers (whole shares, float prices and weights). It keeps
 * the same Maps keyed by symbol; it leaves out the validation the real path does on every request
 * (crossing and allocation problems, the policy's decimal strings).
 */

export type NumStrategy =
  | { readonly kind: 'fixed'; readonly weights: ReadonlyMap<string, number> }
  | { readonly kind: 'momentum'; readonly lookback: number; readonly top: number };

export interface NumSleeve {
  readonly deployment: string;
  readonly strategy: string;
  readonly equity: number;
  readonly holdings: ReadonlyMap<string, number>;
}

export interface NumMarket {
  readonly prices: ReadonlyMap<string, number>;
  readonly history: ReadonlyMap<string, readonly number[]>;
  readonly references: ReadonlyMap<string, number>;
}

export interface NumPlan {
  readonly symbol: string;
  readonly cross: {
    readonly qty: number;
    readonly legs: readonly { deployment: string; side: 'buy' | 'sell'; qty: number }[];
  } | null;
  readonly order: {
    readonly side: 'buy' | 'sell';
    readonly qty: number;
    readonly participants: readonly { deployment: string; requested: number }[];
  } | null;
}

function decide(strategy: NumStrategy, market: NumMarket): Map<string, number> {
  if (strategy.kind === 'fixed') return new Map([...strategy.weights].filter(([s]) => market.prices.has(s)));
  const ranked: { symbol: string; ret: number }[] = [];
  for (const [symbol, closes] of market.history) {
    if (closes.length < 2) continue;
    const from = closes[Math.max(0, closes.length - 1 - strategy.lookback)]!;
    ranked.push({ symbol, ret: closes[closes.length - 1]! / from - 1 });
  }
  ranked.sort((a, b) => (a.ret > b.ret ? -1 : a.ret < b.ret ? 1 : a.symbol < b.symbol ? -1 : 1));
  const chosen = ranked.slice(0, strategy.top).filter((r) => r.ret > 0);
  const weight = 1 / chosen.length;
  return new Map(chosen.map((c) => [c.symbol, weight]));
}

interface Claim {
  deficit: number;
  has: number;
  room: number;
  readonly weight: number;
}

/** `amount` whole shares over `claims` (requests `weight`, Σ = den): bulk floors, then one at a time, earliest deadline first. */
function handOut(claims: Claim[], den: number, amount: number): number[] {
  const given = claims.map(() => 0);
  const owed = claims.map((c) => (c.deficit > 0 ? Math.floor(c.deficit / den) : 0));
  let t = 0;
  const bulk = (x: number) => owed.reduce((s, o) => (o > x ? s + o - x : s), 0);
  if (bulk(0) > amount) {
    let lo = 0;
    let hi = Math.max(...owed);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (bulk(mid) <= amount) hi = mid;
      else lo = mid;
    }
    t = hi;
  }
  let remaining = amount;
  claims.forEach((c, i) => {
    const pieces = owed[i]! > t ? owed[i]! - t : 0;
    if (pieces === 0) return;
    c.deficit -= pieces * den;
    c.has += pieces;
    c.room -= pieces;
    given[i] = pieces;
    remaining -= pieces;
  });
  while (remaining > 0) {
    let best = -1;
    let bestOwed = 0;
    claims.forEach((c, i) => {
      if (c.deficit <= 0 || c.room <= 0) return;
      const o = Math.floor(c.deficit / den);
      if (best < 0 || o > bestOwed || (o === bestOwed && earlier(c, claims[best]!))) {
        best = i;
        bestOwed = o;
      }
    });
    if (best < 0) throw new RangeError('number plan: nobody is owed the rest');
    const c = claims[best]!;
    c.deficit -= den;
    c.has += 1;
    c.room -= 1;
    given[best] = given[best]! + 1;
    remaining -= 1;
  }
  return given;
}

function earlier(a: Claim, b: Claim): boolean {
  const da = (a.has + 1) * b.weight;
  const db = (b.has + 1) * a.weight;
  return da < db || (da === db && (a.deficit > b.deficit || (a.deficit === b.deficit && a.weight > b.weight)));
}

function planSymbol(symbol: string, wishes: readonly { deployment: string; delta: number }[]): NumPlan {
  let bought = 0;
  let sold = 0;
  for (const w of wishes) {
    if (w.delta > 0) bought += w.delta;
    else sold -= w.delta;
  }
  const majority = bought >= sold ? 'buy' : 'sell';
  const crossed = Math.min(bought, sold);
  const onMajority = (w: { delta: number }) => (majority === 'buy' ? w.delta > 0 : w.delta < 0);
  const participants = wishes
    .filter(onMajority)
    .map((w) => ({ deployment: w.deployment, requested: Math.abs(w.delta) }));
  const crossedBy = new Map<string, number>();
  let cross: NumPlan['cross'] = null;
  if (crossed > 0) {
    const requested = participants.reduce((s, p) => s + p.requested, 0);
    const claims = participants.map((p): Claim => ({
      deficit: crossed * p.requested,
      has: 0,
      room: p.requested,
      weight: p.requested,
    }));
    const split = handOut(claims, requested, crossed);
    participants.forEach((p, i) => crossedBy.set(p.deployment, split[i]!));
    for (const w of wishes) if (!onMajority(w)) crossedBy.set(w.deployment, Math.abs(w.delta));
    const legs = wishes
      .map((w) => ({
        deployment: w.deployment,
        side: (w.delta > 0 ? 'buy' : 'sell') as 'buy' | 'sell',
        qty: crossedBy.get(w.deployment)!,
      }))
      .filter((leg) => leg.qty > 0);
    cross = { qty: crossed, legs };
  }
  const rest = participants
    .map((p) => ({ deployment: p.deployment, requested: p.requested - (crossedBy.get(p.deployment) ?? 0) }))
    .filter((p) => p.requested > 0);
  const net = Math.abs(bought - sold);
  return { symbol, cross, order: net === 0 ? null : { side: majority, qty: net, participants: rest } };
}

/** One planning run in numbers: the plans per symbol (sells, then no order, then buys) and the number of strategy runs. */
export function numberPlan(
  sleeves: readonly NumSleeve[],
  registry: ReadonlyMap<string, NumStrategy>,
  market: NumMarket,
): { plans: NumPlan[]; runs: number } {
  const attribution = new Map<string, { deployment: string; delta: number }[]>();
  let runs = 0;
  for (const sleeve of sleeves) {
    const strategy = registry.get(sleeve.strategy);
    if (!strategy) continue;
    const weights = decide(strategy, market);
    const targets = new Map<string, number>();
    for (const [symbol, weight] of weights) {
      const price = market.prices.get(symbol);
      if (price === undefined || price <= 0 || weight <= 0) continue;
      targets.set(symbol, Math.floor((sleeve.equity * weight) / price));
    }
    const deltas = new Map<string, number>();
    for (const symbol of new Set([...targets.keys(), ...sleeve.holdings.keys()])) {
      if (!market.prices.has(symbol)) continue;
      const delta = (targets.get(symbol) ?? 0) - (sleeve.holdings.get(symbol) ?? 0);
      if (delta !== 0) deltas.set(symbol, delta);
    }
    runs++;
    for (const [symbol, delta] of deltas) {
      const list = attribution.get(symbol) ?? [];
      list.push({ deployment: sleeve.deployment, delta });
      attribution.set(symbol, list);
    }
  }
  const plans: NumPlan[] = [];
  for (const [symbol, wishes] of [...attribution].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!market.references.has(symbol)) continue;
    plans.push(planSymbol(symbol, wishes));
  }
  const rank = (p: NumPlan) => (p.order?.side === 'sell' ? 0 : p.order ? 2 : 1);
  plans.sort((a, b) => rank(a) - rank(b));
  return { plans, runs };
}
