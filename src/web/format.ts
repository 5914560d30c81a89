/**
 * Numbers for people, from the API's exact decimal strings: every value is parsed by the core's
 * bigint decimal (src/core/decimal.ts) and rounded half-to-even for display, as the CLI does, so
 * a binary float never touches money. Charts are the one place that plots `Number(text)`.
 *
 * Entry points: `money`, `qty`, `percent`, `ratioPercent`, `ratio`, `weight`, `sumDecimals`,
 * `signOf`, `when`, `age`. `null` (a statistic that is not defined) prints as an em dash.
 */
import { type Dec, ZERO, dec, formatMoney, mul, percentString, toFixedString, toPlain } from '../core/decimal.js';

export const DASH = '—';

/** The core parses at most 18 fractional digits; averages are longer quotients (trimmed, not rounded up). */
function parse(text: string): Dec {
  const dot = text.indexOf('.');
  return dec(dot >= 0 && text.length - dot - 1 > 18 ? text.slice(0, dot + 19) : text);
}

/** Money: thousands separators, `places` decimals (default 2): "-1,234.56". */
export function money(text: string | null, places = 2): string {
  return text === null ? DASH : formatMoney(parse(text), places);
}

/** A quantity exactly as given, with thousands separators: "1,250", "0.5". */
export function qty(text: string): string {
  const negative = text.startsWith('-');
  const [whole, frac] = (negative ? text.slice(1) : text).split('.');
  return (negative ? '-' : '') + whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}

/** A value that is already a percentage ("1.7394"), 2 dp: "1.74 %". */
export function percent(text: string | null): string {
  return text === null ? DASH : `${toFixedString(parse(text), 2)} %`;
}

/** A fraction ("0.0123") as a percentage, 2 dp: "1.23 %". */
export function ratioPercent(text: string | null): string {
  return text === null ? DASH : `${toFixedString(mul(parse(text), dec('100')), 2)} %`;
}

/** A plain ratio (Sharpe, Sortino, profit factor), 2 dp. */
export function ratio(text: string | null): string {
  return text === null ? DASH : toFixedString(parse(text), 2);
}

/** `part` as a percentage of `whole`, 2 dp ("12.34 %"); a dash when `whole` is not positive. */
export function weight(part: string, whole: string): string {
  const w = parse(whole);
  return w <= ZERO ? DASH : `${percentString(parse(part), w, 2)} %`;
}

/** Σ of decimal strings, exactly. */
export function sumDecimals(texts: readonly string[]): string {
  return toPlain(texts.reduce((s, t) => (s + parse(t)) as Dec, ZERO));
}

/** qty × price, exactly. */
export function product(a: string, b: string): string {
  return toPlain(mul(parse(a), parse(b)));
}

/** 1, -1 or 0: for the up/down colour (always shown with the sign too, never colour alone). */
export function signOf(text: string | null): -1 | 0 | 1 {
  if (text === null) return 0;
  const d = parse(text);
  return d > ZERO ? 1 : d < ZERO ? -1 : 0;
}

/** An ISO time as "2025-01-02 15:04 UTC"-style text without the zone (the page says UTC). */
export function when(iso: string | null): string {
  if (iso === null) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** How long before `now` the time `then` was: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function age(then: string, now: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(then)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}
