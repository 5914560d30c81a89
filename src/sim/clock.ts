/**
 * Simulation time: a step counter mapped to timestamps. The simulation never reads the wall
 * clock; every timestamp it writes comes from here (simulated market) or from the bars
 * (CSV market).
 *
 * Entry points: `SimClock` (what the matching engine needs), `stepClock(start, stepSeconds)`.
 * Invariants: `tsAt(n)` is a pure function of n; timestamps are ISO-8601 UTC with milliseconds
 * ("2025-01-02T14:30:00.000Z") and strictly increase with the step.
 */

/** The matching engine's clock: the current simulation time. */
export interface SimClock {
  /** ISO-8601 UTC timestamp of the current step. */
  now(): string;
}

export interface StepClock {
  /** ISO-8601 UTC timestamp of step `step` (0 is the start). */
  tsAt(step: number): string;
}

/** Steps of `stepSeconds` from `start` (ISO-8601). Throws RangeError on a bad start or step. */
export function stepClock(start: string, stepSeconds: number): StepClock {
  const startMs = Date.parse(start);
  if (Number.isNaN(startMs)) throw new RangeError(`stepClock: "${start}" is not an ISO-8601 timestamp`);
  if (!Number.isInteger(stepSeconds) || stepSeconds <= 0) {
    throw new RangeError(`stepClock: stepSeconds must be a positive integer, got ${stepSeconds}`);
  }
  return {
    tsAt: (step: number) => new Date(startMs + step * stepSeconds * 1000).toISOString(),
  };
}

/** The default demo clock: one-minute steps from the US open on 2025-01-02 (14:30 UTC). */
export const DEFAULT_STEP_CLOCK = stepClock('2025-01-02T14:30:00.000Z', 60);

/** The trading day of a timestamp: its UTC calendar date ("2025-01-02"). */
export function tradingDay(ts: string): string {
  return ts.slice(0, 10);
}
