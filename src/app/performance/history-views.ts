/**
 * The P&L history log as people read it: daily rows, a monthly roll-up, or every row (closes and
 * rebalance runs), each with the change of P&L since the row before and the period's
 * time-weighted return (flows are capital, not performance: src/core/stats.ts `dailyReturns`).
 *
 * Entry points: `parseRange` (API/CLI bounds → inclusive ISO bounds), `splitRange` (the rows in a
 * range and the row just before it), `subPeriodReturn`, `historyEntries`, `monthlyEntries`.
 * Invariants: pure; money stays exact decimal strings; a return whose capital base is ≤ 0 is null.
 */
import { type Dec, ZERO, dec, toPlain } from '../../core/decimal.js';
import { dailyReturns, timeWeightedReturn } from '../../core/stats.js';
import { AppError } from '../errors.js';
import { storedFiguresView } from './figures-view.js';
import type { HistoryKind } from './history.js';
import type { HistoryEntryView, RangeInput } from './performance-api.js';
import type { HistoryRow } from '../ports/store-port.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface Range {
  /** Inclusive ISO-8601 bounds (`Date#toISOString` form), or absent. */
  readonly from?: string;
  readonly to?: string;
}

/**
 * Inclusive bounds from a date ("2025-01-02": the whole UTC day) or a time. Throws AppError
 * VALIDATION_FAILED naming the field when a bound does not parse or `from` is after `to`.
 */
export function parseRange(input: RangeInput): Range {
  const bound = (field: 'from' | 'to', text: string | undefined): string | undefined => {
    if (text === undefined) return undefined;
    const iso = DATE.test(text) ? `${text}T${field === 'from' ? '00:00:00.000' : '23:59:59.999'}Z` : text;
    const t = Date.parse(iso);
    if (Number.isNaN(t)) {
      const message = 'must be an ISO-8601 date or time, e.g. "2025-01-02" or "2025-01-02T15:00:00Z"';
      throw new AppError('VALIDATION_FAILED', `${field}: ${message}`, { fields: [{ field, message }] });
    }
    return new Date(t).toISOString();
  };
  const from = bound('from', input.from);
  const to = bound('to', input.to);
  if (from !== undefined && to !== undefined && from > to) {
    const message = `must not be after to (${input.to})`;
    throw new AppError('VALIDATION_FAILED', `from: ${message}`, { fields: [{ field: 'from', message }] });
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

const time = (ts: string) => Date.parse(ts);

/** Rows (sorted by time) inside the range, and the last row before it (the base of the first return). */
export function splitRange<T extends { readonly ts: string }>(
  rows: readonly T[],
  range: Range,
): { base: T | undefined; rows: T[] } {
  const sorted = [...rows].sort((a, b) => time(a.ts) - time(b.ts));
  const from = range.from === undefined ? -Infinity : time(range.from);
  const to = range.to === undefined ? Infinity : time(range.to);
  let base: T | undefined;
  const inside: T[] = [];
  for (const r of sorted) {
    const t = time(r.ts);
    if (t < from) base = r;
    else if (t <= to) inside.push(r);
  }
  return { base, rows: inside };
}

/** Equity and capital (initial + flows) at a point; a subject that did not exist yet is 0 and 0. */
export interface CapitalPoint {
  readonly equity: Dec;
  readonly capital: Dec;
}

export const pointOf = (row: { readonly equity: string; readonly capital: string } | undefined): CapitalPoint =>
  row ? { equity: dec(row.equity), capital: dec(row.capital) } : { equity: ZERO, capital: ZERO };

/**
 * The return from `prev` to `cur` with the capital moved in between counted as a flow at the start
 * of the period (GIPS; the subject's initial capital is its first flow). Null when the capital
 * base is ≤ 0 and something changed.
 */
export function subPeriodReturn(prev: CapitalPoint, cur: CapitalPoint): Dec | null {
  try {
    return dailyReturns(prev.equity, [{ equity: cur.equity, flow: (cur.capital - prev.capital) as Dec }])[0]!;
  } catch {
    return null;
  }
}

function entryOf(row: HistoryRow, period: string, prevTotal: Dec, periodReturn: Dec | null): HistoryEntryView {
  return {
    period,
    ts: row.ts,
    kind: row.kind as HistoryKind,
    members: row.members,
    capital: row.capital,
    ...storedFiguresView(row),
    pnl_change: toPlain((dec(row.totalPnl) - prevTotal) as Dec),
    period_return: periodReturn === null ? null : toPlain(periodReturn),
    gross_exposure: row.grossExposure,
    open_positions: row.openPositions,
  };
}

/** One entry per row, each against the row before it (the first against `base`, or nothing). */
export function historyEntries(base: HistoryRow | undefined, rows: readonly HistoryRow[]): HistoryEntryView[] {
  let prev = base;
  return rows.map((row) => {
    const entry = entryOf(row, row.day, prev ? dec(prev.totalPnl) : ZERO, subPeriodReturn(pointOf(prev), pointOf(row)));
    prev = row;
    return entry;
  });
}

/**
 * One entry per calendar month (YYYY-MM) of daily close rows: the month's last close, its P&L
 * change since the previous month's last close (or `base`), and the month's daily returns linked
 * (null when one of them is undefined).
 */
export function monthlyEntries(base: HistoryRow | undefined, rows: readonly HistoryRow[]): HistoryEntryView[] {
  const out: HistoryEntryView[] = [];
  let prevMonthEnd = base;
  let prevDay = base;
  let returns: (Dec | null)[] = [];
  rows.forEach((row, i) => {
    returns.push(subPeriodReturn(pointOf(prevDay), pointOf(row)));
    prevDay = row;
    const next = rows[i + 1];
    if (next && next.day.slice(0, 7) === row.day.slice(0, 7)) return;
    const linked = returns.every((r) => r !== null) ? timeWeightedReturn(returns as Dec[]) : null;
    out.push(entryOf(row, row.day.slice(0, 7), prevMonthEnd ? dec(prevMonthEnd.totalPnl) : ZERO, linked));
    prevMonthEnd = row;
    returns = [];
  });
  return out;
}
