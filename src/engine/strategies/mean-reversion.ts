/**
 * Mean reversion (a contrarian rotation): over the last `lookback` prices, hold the symbol that
 * fell the most — if it fell by more than `threshold` — at `weight` of the sleeve, betting on its
 * return to the mean; all cash otherwise. Momentum's mirror image, so the two often want opposite
 * sides of the same symbol at the same time, which the engine crosses internally.
 */
import { type Dec, ONE, dec, div, sub, toFixedString } from '../../core/decimal.js';
import type { Symbol } from '../../core/ids.js';
import type { Strategy } from '../strategy.js';

export function meanReversion(options: { lookback?: number; threshold?: string; weight?: string } = {}): Strategy {
  const lookback = options.lookback ?? 30;
  const threshold = dec(options.threshold ?? '0.002');
  const weight = dec(options.weight ?? '0.9');
  const pct = (d: Dec) => toFixedString((d * 100n) as Dec, 2);
  return {
    name: 'mean-reversion',
    description: `holds the biggest loser over the last ${lookback} prices at ${pct(weight)}% when it fell more than ${pct(threshold)}%`,
    decide: (input) => {
      let worst: { symbol: Symbol; ret: Dec } | undefined;
      for (const [symbol, closes] of [...input.history].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (closes.length < 2) continue;
        const from = closes[Math.max(0, closes.length - 1 - lookback)]!;
        const ret = sub(div(closes[closes.length - 1]!, from), ONE);
        if (!worst || ret < worst.ret) worst = { symbol, ret };
      }
      if (!worst) return { weights: new Map(), signal: `NEUTRAL: waiting for prices` };
      if (worst.ret >= -threshold)
        return {
          weights: new Map(),
          signal: `NEUTRAL: no symbol down more than ${pct(threshold)}% (worst ${worst.symbol} ${pct(worst.ret)}%)`,
        };
      return {
        weights: new Map([[worst.symbol, weight]]),
        signal: `BULLISH: ${worst.symbol} ${pct(worst.ret)}% over ${lookback} prices, expecting a reversion`,
      };
    },
  };
}
