/**
 * The sample strategies by name, as a deployment's `strategy` field names them. Small,
 * deterministic, documented in README.md ("The multi-strategy engine").
 */
import type { Strategy } from '../strategy.js';
import { fixedWeight } from './fixed-weight.js';
import { meanReversion } from './mean-reversion.js';
import { momentumRotation } from './momentum.js';

export { fixedWeight, meanReversion, momentumRotation };

/** The registry the engine resolves `strategy` names against. */
export function sampleStrategies(): Map<string, Strategy> {
  return new Map<string, Strategy>([
    ['fixed-weight', fixedWeight({ AAPL: '0.6', MSFT: '0.4' })],
    ['momentum', momentumRotation({ lookback: 30, top: 1 })],
    ['mean-reversion', meanReversion({ lookback: 30, threshold: '0.002', weight: '0.9' })],
  ]);
}
