/**
 * Mean reversion: hold `symbol` at `weight` while its price is more than `threshold` below its
 * `window`-price average; go to cash once it is back at or above the average.
 */
import { type Dec, ONE, dec, div, sub, sum, toFixedString } from '../../core/decimal.js';
import type { Symbol } from '../../core/ids.js';
import type { Strategy } from '../strategy.js';

export function meanReversion(options: { symbol: string; window?: number; threshold?: string; weight?: string }): Strategy {
  const symbol = options.symbol as Symbol;
  const window = options.window ?? 20;
  const threshold = dec(options.threshold ?? '0.005');
  const weight = dec(options.weight ?? '0.5');
  return {
    name: 'mean-reversion',
    description: `holds ${options.symbol} at ${toFixedString((weight * 100n) as Dec, 0)}% while it trades over ${toFixedString((threshold * 100n) as Dec, 2)}% below its ${window}-price average`,
    decide: (input) => {
      const closes = (input.history.get(symbol) ?? []).slice(-window);
      const price = input.prices.get(symbol);
      if (closes.length < window || price === undefined) return { weights: new Map(), signal: `NEUTRAL: waiting for ${window} prices of ${symbol}` };
      const mean = div(sum(closes), dec(String(closes.length)));
      const gap = sub(div(price, mean), ONE);
      const holding = (input.holdings.get(symbol) ?? 0n) > 0n;
      const pct = toFixedString((gap * 100n) as Dec, 2);
      if (gap < -threshold || (holding && gap < 0n)) return { weights: new Map([[symbol, weight]]), signal: `BULLISH: ${symbol} ${pct}% vs its ${window}-price mean` };
      return { weights: new Map(), signal: `NEUTRAL: ${symbol} ${pct}% vs its ${window}-price mean` };
    },
  };
}
