/**
 * How report numbers are printed, shared by the HTML and the plain-text renderers so both say
 * the same thing: money with thousands separators to the cent (src/core/decimal.ts
 * `formatMoney`, exact decimals, never a float), P&L with an explicit sign, percentages, the tone
 * (negative, positive, zero) that colors a cell, and the subject line.
 */
import { ONE, ZERO, dec, formatMoney, percentString, toFixedString } from '../core/decimal.js';
import type { ReportModel } from './report-model.js';

export const DASH = '—';

export const money = (text: string): string => formatMoney(dec(text));

/** "+1,234.56", "-0.40", "0.00"; an unknown value is a dash. */
export function signedMoney(text: string | null): string {
  if (text === null) return DASH;
  const d = dec(text);
  const body = formatMoney(d);
  return d > ZERO && body !== '0.00' ? `+${body}` : body;
}

/** A percentage string ("1.8314") to `places` ("1.83%"), signed when asked. */
export function percent(text: string, places = 2, signed = false): string {
  const body = toFixedString(dec(text), places);
  return `${signed && dec(body) > ZERO ? '+' : ''}${body}%`;
}

/** A target weight ("0.6") as "60%" (one decimal when needed: "33.3%"). */
export function weight(text: string): string {
  return `${percentString(dec(text), ONE, 1).replace(/\.0$/, '')}%`;
}

/** Shares, e.g. "1,250" or "0.5". */
export function quantity(text: string): string {
  const d = dec(text);
  return d % ONE === ZERO ? formatMoney(d, 0) : text;
}

export type Tone = 'neg' | 'pos' | 'zero' | 'none';

/** Negative P&L is red, positive green; a value that rounds to 0.00 is neither. */
export function tone(text: string | null): Tone {
  if (text === null) return 'none';
  const cents = toFixedString(dec(text), 2);
  if (dec(cents) < ZERO) return 'neg';
  if (dec(cents) > ZERO) return 'pos';
  return 'zero';
}

export function reportTitle(model: ReportModel): string {
  return `${model.account_name} · ${model.period.kind === 'day' ? 'daily report' : 'monthly report'}`;
}

/** "Subledger · daily report · Tue, Feb 4, 2025 · total P&L +1,234.56 (day +12.34)". */
export function reportSubject(model: ReportModel): string {
  const change = model.period.kind === 'day' ? model.account.day_change : model.account.mtd_change;
  return `${reportTitle(model)} · ${model.period.label.replace(/ \(month to date\)$/, '')} · total P&L ${signedMoney(model.account.total_pnl)} (${model.period.kind === 'day' ? 'day' : 'month'} ${signedMoney(change)})`;
}

export const STATUS_TEXT: Record<ReportModel['reconciliation']['status'], string> = {
  balanced: 'Balanced: Σ sleeves + house = broker',
  drift: 'DRIFT: Σ sleeves + house ≠ broker',
  unchecked: 'Not checked: no broker connection and no rebalance run has recorded a check',
};
