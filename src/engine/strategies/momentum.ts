/**
 * Momentum rotation: over the last `lookback` prices, hold the `top` symbols with the best
 * positive return in equal weights; all cash when nothing went up.
 */
import { type Dec, ONE, dec, div, sub, toFixedString } from '../../core/decimal.js';
import type { Symbol } from '../../core/ids.js';
import type { Strategy } from '../strategy.js';

export function momentumRotation(options: { lookback?: number; top?: number } = {}): Strategy {
  const lookback = options.lookback ?? 30;
  const top = options.top ?? 1;
  return {
    name: 'momentum',
    description: `holds the ${top} best performer(s) over the last ${lookback} prices, equal weight, if their return is positive`,
    decide: (input) => {
      const ranked: { symbol: Symbol; ret: Dec }[] = [];
      for (const [symbol, closes] of input.history) {
        if (closes.length < 2) continue;
        const from = closes[Math.max(0, closes.length - 1 - lookback)]!;
        ranked.push({ symbol, ret: sub(div(closes[closes.length - 1]!, from), ONE) });
      }
      ranked.sort((a, b) => (a.ret > b.ret ? -1 : a.ret < b.ret ? 1 : a.symbol < b.symbol ? -1 : 1));
      const chosen = ranked.slice(0, top).filter((r) => r.ret > 0n);
      if (chosen.length === 0) return { weights: new Map(), signal: `BEARISH: no symbol up over ${lookback} prices` };
      const weight = div(ONE, dec(String(chosen.length)));
      return {
        weights: new Map(chosen.map((c) => [c.symbol, weight])),
        signal: `BULLISH: ${chosen.map((c) => `${c.symbol} momentum +${toFixedString((c.ret * 100n) as Dec, 2)}%`).join(', ')}`,
      };
    },
  };
}
