/**
 * The fold agreement check: the core fold, the ceiling baseline (bench/ceiling-fold.ts) and the
 * plain-number baseline (bench/number-fold.ts) folded over the same fills must give the same
 * figures — every deployment's cash; per position qty, average-cost basis and average cost, FIFO
 * basis and every lot (qty, cost, open time), realized P&L by both methods, fees, the open round
 * trip and the closed ones (count, Σ realized, Σ fees); the newest mark per symbol.
 *
 * Core and ceiling must agree exactly (figures as exact decimal strings). The float baseline must
 * agree within `FLOAT_TOLERANCE`. Used by bench/fold.ts and test/fold-agreement.test.ts, so a
 * faster fold can never be a wrong one.
 */
import { type Dec, quotientString, toPlain } from '../src/core/decimal.js';
import type { LedgerEvent } from '../src/core/events.js';
import { applyEvent, newLedger } from '../src/core/ledger.js';
import { lotsCost } from '../src/core/position.js';
import { type CeilingFill, ceilingApply, newCeilingLedger } from './ceiling-fold.js';
import type { RawDeployment } from './data.js';
import { type NumEvent, newNumLedger, numApplyEvent } from './number-fold.js';

/** A float figure agrees when |float − exact| ≤ max(1e-6, 1e-9 × |exact|). */
export const FLOAT_TOLERANCE = { absolute: 1e-6, relative: 1e-9 } as const;

export interface PositionFigures<T> {
  readonly qty: T;
  readonly cost: T;
  /** cost ÷ qty; null when flat. */
  readonly avgCost: T | null;
  readonly fifoCost: T;
  /** [qty, cost, opened at], oldest first. */
  readonly lots: readonly (readonly [T, T, string])[];
  readonly realizedAverage: T;
  readonly realizedFifo: T;
  readonly fees: T;
  readonly tripOpenedAt: string | null;
  readonly tripRealized: T;
  readonly tripFees: T;
  readonly trips: number;
  readonly tripsRealized: T;
  readonly tripsFees: T;
}

export interface Figures<T> {
  /** By deployment. */
  readonly cash: Map<string, T>;
  /** By `deployment symbol`. */
  readonly positions: Map<string, PositionFigures<T>>;
  /** By symbol: [price, ts]. */
  readonly marks: Map<string, readonly [T, string]>;
}

interface Trips<T> {
  trips: number;
  realized: T;
  fees: T;
}

/** Folds `events` through the core (`applyEvent`) and reads every figure. */
export function coreFigures(events: readonly LedgerEvent[]): Figures<string> {
  const ledger = newLedger();
  const trips = new Map<string, Trips<bigint>>();
  for (const event of events) {
    for (const trip of applyEvent(ledger, event).roundTrips) {
      const key = `${trip.deployment} ${trip.symbol}`;
      const t = trips.get(key) ?? { trips: 0, realized: 0n, fees: 0n };
      t.trips++;
      t.realized += trip.realized;
      t.fees += trip.fees;
      trips.set(key, t);
    }
  }
  const figures: Figures<string> = { cash: new Map(), positions: new Map(), marks: new Map() };
  for (const [id, sleeve] of ledger.sleeves) {
    figures.cash.set(id, toPlain(sleeve.cash));
    for (const [symbol, p] of sleeve.positions) {
      const key = `${id} ${symbol}`;
      const t = trips.get(key) ?? { trips: 0, realized: 0n, fees: 0n };
      figures.positions.set(key, {
        qty: toPlain(p.qty),
        cost: toPlain(p.cost),
        avgCost: p.qty === 0n ? null : quotientString(p.cost, p.qty),
        fifoCost: toPlain(lotsCost(p)),
        lots: p.lots.map((l) => [toPlain(l.qty), toPlain(l.cost), l.ts] as const),
        realizedAverage: toPlain(p.realizedAverage),
        realizedFifo: toPlain(p.realizedFifo),
        fees: toPlain(p.fees),
        tripOpenedAt: p.tripOpenedAt,
        tripRealized: toPlain(p.tripRealized),
        tripFees: toPlain(p.tripFees),
        trips: t.trips,
        tripsRealized: toPlain(t.realized as Dec),
        tripsFees: toPlain(t.fees as Dec),
      });
    }
  }
  for (const [symbol, mark] of ledger.marks) figures.marks.set(symbol, [toPlain(mark.price), mark.ts]);
  return figures;
}

const NANO = 1_000_000_000n;
/** A ceiling quantity or price (10^-9 units) as the core's decimal. */
const fromNano = (units: bigint): Dec => (units * NANO) as Dec;
const money = (units: bigint): string => toPlain(units as Dec);

/** Folds `fills` through the ceiling baseline and reads every figure. */
export function ceilingFigures(deployments: readonly RawDeployment[], fills: readonly CeilingFill[]): Figures<string> {
  const ledger = newCeilingLedger(deployments);
  for (const fill of fills) ceilingApply(ledger, fill);
  const figures: Figures<string> = { cash: new Map(), positions: new Map(), marks: new Map() };
  for (const [id, sleeve] of ledger.sleeves) {
    figures.cash.set(id, money(sleeve.cash));
    for (const [symbol, p] of sleeve.positions) {
      let fifoCost = 0n;
      for (const lot of p.lots) fifoCost += lot.cost;
      figures.positions.set(`${id} ${symbol}`, {
        qty: toPlain(fromNano(p.qty)),
        cost: money(p.cost),
        avgCost: p.qty === 0n ? null : quotientString(p.cost as Dec, fromNano(p.qty)),
        fifoCost: money(fifoCost),
        lots: p.lots.map((l) => [toPlain(fromNano(l.qty)), money(l.cost), l.ts] as const),
        realizedAverage: money(p.realizedAverage),
        realizedFifo: money(p.realizedFifo),
        fees: money(p.fees),
        tripOpenedAt: p.tripOpenedAt,
        tripRealized: money(p.tripRealized),
        tripFees: money(p.tripFees),
        trips: p.trips,
        tripsRealized: money(p.tripsRealized),
        tripsFees: money(p.tripsFees),
      });
    }
  }
  for (const [symbol, mark] of ledger.marks) figures.marks.set(symbol, [toPlain(fromNano(mark.price)), mark.ts]);
  return figures;
}

/** Folds `events` through the plain-number baseline and reads every figure. */
export function numberFigures(events: readonly NumEvent[]): Figures<number> {
  const ledger = newNumLedger();
  const trips = new Map<string, Trips<number>>();
  for (const event of events) {
    for (const trip of numApplyEvent(ledger, event).roundTrips) {
      const key = `${trip.deployment} ${trip.symbol}`;
      const t = trips.get(key) ?? { trips: 0, realized: 0, fees: 0 };
      t.trips++;
      t.realized += trip.realized;
      t.fees += trip.fees;
      trips.set(key, t);
    }
  }
  const figures: Figures<number> = { cash: new Map(), positions: new Map(), marks: new Map() };
  for (const [id, sleeve] of ledger.sleeves) {
    figures.cash.set(id, sleeve.cash);
    for (const [symbol, p] of sleeve.positions) {
      const key = `${id} ${symbol}`;
      const t = trips.get(key) ?? { trips: 0, realized: 0, fees: 0 };
      figures.positions.set(key, {
        qty: p.qty,
        cost: p.cost,
        avgCost: p.qty === 0 ? null : p.cost / p.qty,
        fifoCost: p.lots.reduce((s, l) => s + l.cost, 0),
        lots: p.lots.map((l) => [l.qty, l.cost, l.ts] as const),
        realizedAverage: p.realizedAverage,
        realizedFifo: p.realizedFifo,
        fees: p.fees,
        tripOpenedAt: p.tripOpenedAt,
        tripRealized: p.tripRealized,
        tripFees: p.tripFees,
        trips: t.trips,
        tripsRealized: t.realized,
        tripsFees: t.fees,
      });
    }
  }
  for (const [symbol, mark] of ledger.marks) figures.marks.set(symbol, [mark.price, mark.ts]);
  return figures;
}

export interface Agreement {
  /** Figures compared. */
  readonly compared: number;
  /** The first differences found, "where: expected vs got" (at most 10). */
  readonly differences: readonly string[];
  /** Largest |float − exact| seen (0 for an exact comparison). */
  readonly maxDiff: number;
}

/**
 * Compares `got` with the exact figures `want`: strings must be equal; numbers within
 * `FLOAT_TOLERANCE` of the exact decimal.
 */
export function compareFigures<T extends string | number>(want: Figures<string>, got: Figures<T>): Agreement {
  const differences: string[] = [];
  let compared = 0;
  let maxDiff = 0;
  const check = (where: string, exact: string | null, value: string | number | null) => {
    compared++;
    let same: boolean;
    if (typeof value === 'number' && exact !== null) {
      // Comparison only: the exact decimal read as a float to measure the baseline's error.
      const diff = Math.abs(value - Number(exact));
      maxDiff = Math.max(maxDiff, diff);
      same = diff <= Math.max(FLOAT_TOLERANCE.absolute, FLOAT_TOLERANCE.relative * Math.abs(Number(exact)));
    } else same = exact === value;
    if (!same && differences.length < 10) differences.push(`${where}: ${exact} vs ${value}`);
  };
  const sameKeys = (what: string, a: Map<string, unknown>, b: Map<string, unknown>) => {
    compared++;
    const missing = [...a.keys()].filter((k) => !b.has(k));
    const extra = [...b.keys()].filter((k) => !a.has(k));
    if ((missing.length > 0 || extra.length > 0) && differences.length < 10)
      differences.push(`${what}: missing [${missing.slice(0, 3).join(', ')}], extra [${extra.slice(0, 3).join(', ')}]`);
  };
  sameKeys('deployments', want.cash, got.cash);
  for (const [id, cash] of want.cash) check(`${id} cash`, cash, got.cash.get(id) ?? null);
  sameKeys('positions', want.positions, got.positions);
  for (const [key, w] of want.positions) {
    const g = got.positions.get(key);
    if (!g) continue;
    for (const field of [
      'qty',
      'cost',
      'avgCost',
      'fifoCost',
      'realizedAverage',
      'realizedFifo',
      'fees',
      'tripRealized',
      'tripFees',
      'tripsRealized',
      'tripsFees',
    ] as const)
      check(`${key} ${field}`, w[field], g[field]);
    check(`${key} tripOpenedAt`, w.tripOpenedAt, g.tripOpenedAt);
    check(`${key} trips`, String(w.trips), String(g.trips));
    check(`${key} lots`, String(w.lots.length), String(g.lots.length));
    w.lots.forEach((lot, i) => {
      const other = g.lots[i];
      if (!other) return;
      check(`${key} lot ${i} qty`, lot[0], other[0]);
      check(`${key} lot ${i} cost`, lot[1], other[1]);
      check(`${key} lot ${i} ts`, lot[2], other[2]);
    });
  }
  sameKeys('marks', want.marks, got.marks);
  for (const [symbol, [price, ts]] of want.marks) {
    const g = got.marks.get(symbol);
    check(`${symbol} mark`, price, g?.[0] ?? null);
    check(`${symbol} mark ts`, ts, g?.[1] ?? null);
  }
  return { compared, differences, maxDiff };
}
