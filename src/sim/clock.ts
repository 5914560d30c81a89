/**
 * Simulation time: a step counter mapped to timestamps. The simulation never reads the wall
 * clock; every timestamp it writes comes from here (simulated market) or from the bars
 * (CSV market).
 *
 * Entry points: `SimClock` (what the matching engine needs), `stepClock(start, stepSeconds)`,
 * `sessionClock(start, trades)` (one-minute steps over trading minutes only).
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

/**
 * One-minute steps over the minutes a market trades: step 0 is the first minute at or after
 * `start` that `trades` accepts (a time in ms since the epoch), every next step the next such
 * minute. Nights and weekends are skipped, so a market on this clock never moves while it is
 * closed (the paper broker's simulated market: 14:30–21:00 UTC on weekdays, then the next
 * weekday's 14:30). `tsAt` stays a pure function of the step: it walks forward from the last step
 * asked (or from the start when asked for an earlier one). Throws RangeError on a bad start, or
 * when no trading minute comes within `maxGapMinutes` (a calendar that never opens).
 */
export function sessionClock(start: string, trades: (ms: number) => boolean, maxGapMinutes = 14 * 1440): StepClock {
  const startMs = Date.parse(start);
  if (Number.isNaN(startMs)) throw new RangeError(`sessionClock: "${start}" is not an ISO-8601 timestamp`);
  const nextTrading = (fromMs: number): number => {
    for (let ms = fromMs, gap = 0; gap <= maxGapMinutes; ms += MINUTE_MS, gap++) if (trades(ms)) return ms;
    throw new RangeError(
      `sessionClock: no trading minute within ${maxGapMinutes} minutes of ${new Date(fromMs).toISOString()}`,
    );
  };
  const intoMinute = ((startMs % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
  const first = nextTrading(intoMinute === 0 ? startMs : startMs - intoMinute + MINUTE_MS);
  let last = { step: 0, ms: first };
  return {
    tsAt(step: number) {
      if (!Number.isInteger(step) || step < 0) throw new RangeError(`sessionClock: step must be ≥ 0, got ${step}`);
      if (step < last.step) last = { step: 0, ms: first };
      while (last.step < step) last = { step: last.step + 1, ms: nextTrading(last.ms + MINUTE_MS) };
      return new Date(last.ms).toISOString();
    },
  };
}

const MINUTE_MS = 60_000;

/** The default demo clock: one-minute steps from the US open on 2025-01-02 (14:30 UTC). */
export const DEFAULT_STEP_CLOCK = stepClock('2025-01-02T14:30:00.000Z', 60);

/** The trading day of a timestamp: its UTC calendar date ("2025-01-02"). */
export function tradingDay(ts: string): string {
  return ts.slice(0, 10);
}
