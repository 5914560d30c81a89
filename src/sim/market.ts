/**
 * Market data that advances in steps: the one source of prices the matching engine trades
 * against. Two kinds: `SimulatedMarket` (a seeded random walk per symbol, source "simulated")
 * and `BarsMarket` (bars the user supplies, source "bars:<file>", in bars-market.ts).
 *
 * Entry points: `Market` (the interface), `SimulatedMarket`, `demoSymbols(n)`.
 * Invariants: deterministic for a given seed and configuration (each symbol walks on its own
 * PRNG stream, so adding a symbol does not change the others' paths); every price is a positive
 * multiple of its tick (ticks.ts); simulated bid < mid < ask (bars: bid ≤ ask); quantities are whole shares; all numbers are `Dec`
 * built from integer PRNG output, never from floats.
 */
import { type Dec, dec, mulDiv } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import { symbolProblem } from '../core/ids.js';
import { type SimClock, type StepClock, DEFAULT_STEP_CLOCK } from './clock.js';
import { type Prng, createPrng, mixSeed } from './prng.js';
import { SUB_PENNY, roundToTick, tickFor } from './ticks.js';

/** One symbol's prices at one step. */
export interface SimQuote {
  readonly symbol: Symbol;
  readonly bid: Dec;
  readonly ask: Dec;
  /** The reference (last trade or close) price. */
  readonly last: Dec;
  /** Shares traded in the step; the partial-fill cap can be a fraction of it. */
  readonly volume: Dec;
  readonly ts: string;
}

/** What one step of the market brings: the quotes that are new at this step. */
export interface MarketStep {
  /** 0 is the initial state; each `advance` adds one. */
  readonly step: number;
  readonly ts: string;
  /** Fresh quotes of this step. A symbol absent here did not trade in the step (bars gap). */
  readonly quotes: ReadonlyMap<Symbol, SimQuote>;
}

export interface Market extends SimClock {
  /** Where prices come from, shown to users: "simulated" or "bars:<file>". */
  readonly source: string;
  readonly symbols: readonly Symbol[];
  /** The current step (step 0 before any `advance`). */
  current(): MarketStep;
  /** The latest known quote per symbol, however old. */
  latest(symbol: Symbol): SimQuote | undefined;
  /** Moves one step forward; undefined when the market has no more data (end of the bars). */
  advance(): MarketStep | undefined;
}

export interface SimSymbol {
  readonly symbol: string;
  /** Starting price (decimal string or Dec). */
  readonly start: Dec | string;
  /** Largest move per step, in basis points of the price (uniform in ±this). Default 20. */
  readonly volatilityBps?: number;
  /** Bid/ask spread in basis points of the price (at least one tick each side). Default 2. */
  readonly spreadBps?: number;
  /** Average shares traded per step; each step draws 50–150 % of it. Default 10,000. */
  readonly volume?: number;
}

export interface SimulatedMarketOptions {
  readonly seed: number;
  readonly symbols: readonly SimSymbol[];
  /** Step → timestamp. Default: one-minute steps from 2025-01-02T14:30Z. */
  readonly clock?: StepClock;
}

interface Walker {
  readonly symbol: Symbol;
  readonly prng: Prng;
  readonly volatilityBps: bigint;
  readonly spreadBps: bigint;
  readonly volume: number;
  mid: Dec;
  /** Shares traded in the current step. */
  stepVolume: Dec;
}

const BPS = 10_000n;

/** A seeded random walk per symbol. Throws RangeError on a bad symbol or configuration. */
export class SimulatedMarket implements Market {
  readonly source = 'simulated';
  readonly symbols: readonly Symbol[];
  private readonly walkers: Walker[];
  private readonly clock: StepClock;
  private step = 0;
  private quotes: Map<Symbol, SimQuote>;

  constructor(options: SimulatedMarketOptions) {
    this.clock = options.clock ?? DEFAULT_STEP_CLOCK;
    this.walkers = options.symbols.map((s) => makeWalker(options.seed, s));
    const names = new Set(this.walkers.map((w) => w.symbol));
    if (names.size !== this.walkers.length) throw new RangeError('SimulatedMarket: a symbol is listed twice');
    this.symbols = this.walkers.map((w) => w.symbol);
    this.quotes = this.quoteAll();
  }

  now(): string {
    return this.clock.tsAt(this.step);
  }

  current(): MarketStep {
    return { step: this.step, ts: this.now(), quotes: this.quotes };
  }

  latest(symbol: Symbol): SimQuote | undefined {
    return this.quotes.get(symbol);
  }

  advance(): MarketStep {
    this.step += 1;
    for (const w of this.walkers) {
      w.mid = walk(w);
      w.stepVolume = drawVolume(w);
    }
    this.quotes = this.quoteAll();
    return this.current();
  }

  /**
   * Moves a symbol's price to `mid` now (a price shock for tests and demos); the walk continues
   * from there. Throws RangeError for an unknown symbol or a price that is not positive.
   */
  setPrice(symbol: Symbol, mid: Dec): void {
    const w = this.walkers.find((x) => x.symbol === symbol);
    if (!w) throw new RangeError(`SimulatedMarket: unknown symbol "${symbol}"`);
    if (mid <= 0n) throw new RangeError('SimulatedMarket: a price must be positive');
    w.mid = roundToTick(mid);
    this.quotes = new Map(this.quotes).set(symbol, quoteOf(w, this.now()));
  }

  private quoteAll(): Map<Symbol, SimQuote> {
    const ts = this.now();
    return new Map(this.walkers.map((w) => [w.symbol, quoteOf(w, ts)]));
  }
}

function makeWalker(seed: number, s: SimSymbol): Walker {
  const problem = symbolProblem(s.symbol);
  if (problem) throw new RangeError(`SimulatedMarket: ${problem}`);
  const start = typeof s.start === 'string' ? dec(s.start) : s.start;
  if (start <= 0n) throw new RangeError(`SimulatedMarket: ${s.symbol} start price must be positive`);
  const volatilityBps = s.volatilityBps ?? 20;
  const spreadBps = s.spreadBps ?? 2;
  const volume = s.volume ?? 10_000;
  for (const [name, v] of [
    ['volatilityBps', volatilityBps],
    ['spreadBps', spreadBps],
    ['volume', volume],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > 1e9) {
      throw new RangeError(`SimulatedMarket: ${s.symbol} ${name} must be a whole number in [0, 1e9]`);
    }
  }
  return {
    symbol: s.symbol as Symbol,
    prng: createPrng(mixSeed(seed, s.symbol)),
    volatilityBps: BigInt(volatilityBps),
    spreadBps: BigInt(spreadBps),
    volume,
    mid: roundToTick(start),
    stepVolume: dec(String(volume)),
  };
}

/** One random-walk step: a uniform whole number of ticks in ±(volatility × price). */
function walk(w: Walker): Dec {
  const tick = tickFor(w.mid);
  const maxTicks = (w.mid * w.volatilityBps) / (BPS * tick);
  if (maxTicks === 0n) return w.mid;
  const span = 2n * maxTicks + 1n;
  const drawn = span <= 4294967296n ? BigInt(w.prng.nextInt(Number(span))) : drawBig(w.prng, span);
  const next = (w.mid + (drawn - maxTicks) * tick) as Dec;
  // Never walk to zero: stay at least two sub-penny ticks so the bid stays positive.
  return next < 2n * SUB_PENNY ? ((2n * SUB_PENNY) as Dec) : roundToTick(next);
}

/** A uniform draw in [0, span) for spans beyond 2^32 (very high prices): 64 bits, modulo. */
function drawBig(prng: Prng, span: bigint): bigint {
  const x = (BigInt(prng.nextU32()) << 32n) | BigInt(prng.nextU32());
  return x % span;
}

function quoteOf(w: Walker, ts: string): SimQuote {
  const halfSpread = mulDiv(w.mid, w.spreadBps as Dec, (2n * BPS) as Dec);
  const bid = roundToTick((w.mid - halfSpread) as Dec, 'down');
  const ask = roundToTick((w.mid + halfSpread) as Dec, 'up');
  // At least one tick each side, so bid < mid < ask.
  const bidTicked = bid < w.mid ? bid : roundToTick((w.mid - tickFor(w.mid)) as Dec, 'down');
  const askTicked = ask > w.mid ? ask : ((w.mid + tickFor(w.mid)) as Dec);
  return { symbol: w.symbol, bid: bidTicked, ask: askTicked, last: w.mid, volume: w.stepVolume, ts };
}

/** 50–150 % of the average volume, in whole shares. */
function drawVolume(w: Walker): Dec {
  if (w.volume === 0) return dec('0');
  return dec(String(Math.floor(w.volume / 2) + w.prng.nextInt(w.volume + 1)));
}

const DEMO: ReadonlyArray<readonly [string, string]> = [
  ['AAPL', '190.00'],
  ['MSFT', '420.00'],
  ['NVDA', '130.00'],
  ['AMZN', '185.00'],
  ['GOOGL', '170.00'],
  ['META', '500.00'],
  ['TSLA', '250.00'],
  ['JPM', '200.00'],
  ['XOM', '115.00'],
  ['KO', '62.00'],
  ['SPY', '550.00'],
  ['QQQ', '480.00'],
  ['IWM', '210.00'],
  ['TLT', '92.00'],
  ['GLD', '230.00'],
];

/**
 * N demo symbols with plausible starting prices: well-known tickers first, then SIM16, SIM17, …
 * starting at $50. Throws RangeError when n < 1.
 */
export function demoSymbols(n: number): SimSymbol[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('demoSymbols: n must be a positive integer');
  return Array.from({ length: n }, (_, i) => {
    const known = DEMO[i];
    return known ? { symbol: known[0], start: known[1] } : { symbol: `SIM${i + 1}`, start: '50.00' };
  });
}
