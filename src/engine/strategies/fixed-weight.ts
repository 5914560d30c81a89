/** Fixed-weight allocation: always hold the configured weights (e.g. 60 % AAPL, 40 % MSFT). */
import { type Dec, dec, toPlain } from '../../core/decimal.js';
import type { Symbol } from '../../core/ids.js';
import type { Strategy } from '../strategy.js';

export function fixedWeight(weights: Readonly<Record<string, string>>): Strategy {
  const parsed = new Map(Object.entries(weights).map(([s, w]) => [s as Symbol, dec(w)] as [Symbol, Dec]));
  const text = [...parsed].map(([s, w]) => `${s} ${toPlain((w * 100n) as Dec)}%`).join(', ');
  return {
    name: 'fixed-weight',
    description: `holds fixed weights: ${text}`,
    decide: (input) => {
      const priced = new Map([...parsed].filter(([s]) => input.prices.has(s)));
      return { weights: priced, signal: `HOLD: fixed weights ${text}` };
    },
  };
}
