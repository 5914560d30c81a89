/**
 * Loss limits of one deployment: `breachOf(figures, limits)` says which limit its P&L has
 * reached, if any. Pure: the figures (P&L now, at the start of its trading day, at its peak) come
 * from the journal — `followLosses` folds them event by event into a `PnlTrack` per deployment
 * with loss limits (src/app/journal/account-state.ts), `figuresOn` reads them for a day — and the watcher
 * (src/app/risk/loss-watch.ts) acts on the answer (pause or flatten).
 *
 * - `max_daily_loss` (money): reached when P&L at the day's start − P&L now ≥ the limit.
 * - `max_drawdown_pct` (percent, 10 = 10 %): reached when (peak P&L − P&L now) × 100 ÷
 *   (capital + peak P&L) ≥ the limit: the drop of equity from its peak, with capital held at
 *   today's capital so that moving capital in or out is neither a loss nor a gain.
 * The daily loss is checked first. P&L is total P&L (realized + unrealized − fees + dividends).
 *
 * Days are UTC dates (YYYY-MM-DD) of the events' own times: a day's opening figure is the P&L
 * after the last event of an earlier day; the peak is the highest P&L after any event since the
 * deployment was opened. Because both are folded from the journal, a restart (or a replay, or a
 * checkpoint) gives the same figures the running process had.
 */
import { type Dec, ONE, ZERO, max, mulDiv, parseDec } from './decimal.js';
import type { LedgerEvent } from './events.js';
import type { DeploymentId } from './ids.js';
import type { Applied, Ledger } from './ledger.js';
import { sleeveTotals } from './valuation.js';

export interface LossFigures {
  /** Total P&L now. */
  readonly pnl: Dec;
  /** Total P&L at the start of the trading day (the last value before it). */
  readonly dayStartPnl: Dec;
  /** The highest total P&L seen (≥ dayStart and now). */
  readonly peakPnl: Dec;
  /** Initial capital + capital flows. */
  readonly capital: Dec;
}

export interface LossLimits {
  readonly maxDailyLoss?: Dec;
  readonly maxDrawdownPct?: Dec;
  readonly onBreach: 'pause' | 'flatten';
}

export interface Breach {
  readonly limit: 'max_daily_loss' | 'max_drawdown_pct';
  /** The day's loss (money) or the drawdown (percent, exact quotient at 18 places). */
  readonly value: Dec;
  readonly threshold: Dec;
}

/** A deployment's total P&L as the journal moved it (plain data: checkpoints serialize it). */
export interface PnlTrack {
  /** The UTC date of the latest event that moved it. */
  readonly day: string;
  readonly pnl: Dec;
  /** P&L after the last event before `day`. */
  readonly dayStartPnl: Dec;
  readonly peakPnl: Dec;
}

const HUNDRED = (100n * ONE) as Dec;

/** The first limit `figures` reach, or undefined when none is set or none is reached. */
export function breachOf(figures: LossFigures, limits: LossLimits): Breach | undefined {
  if (limits.maxDailyLoss !== undefined) {
    const loss = (figures.dayStartPnl - figures.pnl) as Dec;
    if (loss >= limits.maxDailyLoss) return { limit: 'max_daily_loss', value: loss, threshold: limits.maxDailyLoss };
  }
  if (limits.maxDrawdownPct !== undefined) {
    const drawdown = drawdownPct(figures);
    if (drawdown !== undefined && drawdown >= limits.maxDrawdownPct)
      return { limit: 'max_drawdown_pct', value: drawdown, threshold: limits.maxDrawdownPct };
  }
  return undefined;
}

/** The drop of equity from its peak in percent (18 places), or undefined when peak equity ≤ 0. */
export function drawdownPct(figures: LossFigures): Dec | undefined {
  const peakEquity = (figures.capital + figures.peakPnl) as Dec;
  return peakEquity > 0n ? mulDiv((figures.peakPnl - figures.pnl) as Dec, HUNDRED, peakEquity) : undefined;
}

/**
 * A deployment's loss limits from its limits JSON (decimal strings, as journaled), or undefined
 * when it has neither `max_daily_loss` nor `max_drawdown_pct`. `on_breach` defaults to pause.
 */
export function lossLimitsOf(json: Readonly<Record<string, unknown>>): LossLimits | undefined {
  const d = (v: unknown) => (typeof v === 'string' ? parseDec(v) : undefined);
  const maxDailyLoss = d(json.max_daily_loss);
  const maxDrawdownPct = d(json.max_drawdown_pct);
  if (maxDailyLoss === undefined && maxDrawdownPct === undefined) return undefined;
  return {
    ...(maxDailyLoss !== undefined ? { maxDailyLoss } : {}),
    ...(maxDrawdownPct !== undefined ? { maxDrawdownPct } : {}),
    onBreach: json.on_breach === 'flatten' ? 'flatten' : 'pause',
  };
}

/** The track of a deployment opened on `day` (or first followed then) at P&L `pnl`. */
export function startTrack(day: string, pnl: Dec = ZERO): PnlTrack {
  return { day, pnl, dayStartPnl: pnl, peakPnl: pnl };
}

/** `track` after an event of `day` moved P&L to `pnl`. An event of an earlier day never turns the day back. */
export function followPnl(track: PnlTrack, day: string, pnl: Dec): PnlTrack {
  const newDay = day > track.day;
  return {
    day: newDay ? day : track.day,
    pnl,
    dayStartPnl: newDay ? track.pnl : track.dayStartPnl,
    peakPnl: max(track.peakPnl, pnl),
  };
}

/**
 * The figures on `day` with P&L now `pnl` (equal to `track.pnl` when the track is up to date): on a
 * day after the track's, nothing moved P&L yet, so the day opens at the track's latest value.
 */
export function figuresOn(track: PnlTrack, day: string, pnl: Dec, capital: Dec): LossFigures {
  return {
    pnl,
    dayStartPnl: day > track.day ? track.pnl : track.dayStartPnl,
    peakPnl: max(track.peakPnl, pnl),
    capital,
  };
}

/**
 * Moves the tracks of the deployments `event` changed the P&L of (`applied`: its fill's, dividend's
 * or split's sleeves, and the holders of a symbol it marked). Deployments without a track are not
 * followed (they have no loss limits).
 */
export function followLosses(
  tracks: Map<DeploymentId, PnlTrack>,
  ledger: Ledger,
  event: LedgerEvent,
  applied: Applied,
): void {
  if (tracks.size === 0) return;
  const day = event.ts.slice(0, 10);
  const moved = new Set<DeploymentId>();
  for (const id of applied.touched.keys()) if (tracks.has(id)) moved.add(id);
  for (const symbol of applied.marked)
    for (const id of tracks.keys()) {
      const qty = ledger.sleeves.get(id)?.positions.get(symbol)?.qty;
      if (qty !== undefined && qty !== ZERO) moved.add(id);
    }
  for (const id of moved) {
    const sleeve = ledger.sleeves.get(id);
    if (sleeve) tracks.set(id, followPnl(tracks.get(id)!, day, sleeveTotals(sleeve, ledger.marks).totalPnl));
  }
}
