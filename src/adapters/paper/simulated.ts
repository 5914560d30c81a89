/**
 * A paper broker on a seeded simulated market in one call, for demos and tests:
 * `simulatedPaperBroker({ seed: 42, symbols: 5 })` trades AAPL, MSFT, NVDA, AMZN and GOOGL on
 * one-minute steps from 2025-01-02T14:30Z.
 *
 * Entry point: `simulatedPaperBroker(options)`.
 * Invariant: the same options give the same prices, fills and ids, run after run.
 */
import { type SimSymbol, type StepClock, SimulatedMarket, demoSymbols } from '../../sim/index.js';
import { type PaperBrokerOptions, PaperBroker } from './paper-broker.js';

export interface SimulatedPaperOptions extends Omit<PaperBrokerOptions, 'market'> {
  readonly seed: number;
  /** How many demo symbols (see `demoSymbols`), or the symbols themselves. */
  readonly symbols: number | readonly SimSymbol[];
  /** Step → timestamp; default one-minute steps from 2025-01-02T14:30Z. */
  readonly clock?: StepClock;
}

export function simulatedPaperBroker(options: SimulatedPaperOptions): PaperBroker {
  const { seed, symbols, clock, ...rest } = options;
  const market = new SimulatedMarket({
    seed,
    symbols: typeof symbols === 'number' ? demoSymbols(symbols) : symbols,
    ...(clock ? { clock } : {}),
  });
  return new PaperBroker({ ...rest, market });
}
