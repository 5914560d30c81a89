/**
 * A market replayed from bars the user supplies (parsed at the edge, src/adapters/paper/bars-csv.ts;
 * format in docs/prices-csv.md). One step = all bars sharing one timestamp.
 *
 * Entry points: `Bar`, `BarsMarket`.
 * Invariants: steps follow the bars' time order (the constructor throws RangeError on bars out
 * of order or on a symbol repeated within one timestamp); a symbol without a bar at a step keeps
 * its previous quote but is absent from that step's fresh quotes, so nothing trades in it then;
 * the quote of a bar is its close (bid = ask = close unless a spread is configured).
 */
import { type Dec, mulDiv } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import type { Market, MarketStep, SimQuote } from './market.js';
import { roundToTick } from './ticks.js';

export interface Bar {
  /** ISO-8601 UTC as `Date.prototype.toISOString` prints it ("2025-01-02T14:30:00.000Z"). */
  readonly ts: string;
  readonly symbol: Symbol;
  readonly open: Dec;
  readonly high: Dec;
  readonly low: Dec;
  readonly close: Dec;
  readonly volume: Dec;
}

export interface BarsMarketOptions {
  readonly bars: readonly Bar[];
  /** Shown to users: "bars:<file name>". */
  readonly source: string;
  /** Spread around the close in basis points (bid rounded down, ask up, to the tick). Default 0. */
  readonly spreadBps?: number;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export class BarsMarket implements Market {
  readonly source: string;
  readonly symbols: readonly Symbol[];
  private readonly groups: ReadonlyArray<{ ts: string; quotes: Map<Symbol, SimQuote> }>;
  private readonly latestQuotes = new Map<Symbol, SimQuote>();
  private index = 0;

  /** Throws RangeError when there are no bars, or they are out of order or malformed. */
  constructor(options: BarsMarketOptions) {
    this.source = options.source;
    const spreadBps = BigInt(options.spreadBps ?? 0);
    if (options.bars.length === 0) throw new RangeError(`${options.source}: no bars`);
    const groups: { ts: string; quotes: Map<Symbol, SimQuote> }[] = [];
    const symbols = new Set<Symbol>();
    for (const [i, bar] of options.bars.entries()) {
      if (!ISO_UTC.test(bar.ts))
        throw new RangeError(`${options.source}: bar ${i + 1} ts "${bar.ts}" is not normalized ISO-8601 UTC`);
      let group = groups.at(-1);
      if (group && bar.ts < group.ts)
        throw new RangeError(`${options.source}: bar ${i + 1} (${bar.ts}) is earlier than the bar before it`);
      if (!group || group.ts !== bar.ts) groups.push((group = { ts: bar.ts, quotes: new Map() }));
      if (group.quotes.has(bar.symbol))
        throw new RangeError(`${options.source}: ${bar.symbol} has two bars at ${bar.ts}`);
      group.quotes.set(bar.symbol, quoteOf(bar, spreadBps));
      symbols.add(bar.symbol);
    }
    this.groups = groups;
    this.symbols = [...symbols];
    this.absorb(groups[0]!.quotes);
  }

  now(): string {
    return this.groups[this.index]!.ts;
  }

  current(): MarketStep {
    const group = this.groups[this.index]!;
    return { step: this.index, ts: group.ts, quotes: group.quotes };
  }

  latest(symbol: Symbol): SimQuote | undefined {
    return this.latestQuotes.get(symbol);
  }

  advance(): MarketStep | undefined {
    if (this.index + 1 >= this.groups.length) return undefined;
    this.index += 1;
    this.absorb(this.groups[this.index]!.quotes);
    return this.current();
  }

  /** Steps left before the bars run out. */
  remaining(): number {
    return this.groups.length - 1 - this.index;
  }

  private absorb(quotes: ReadonlyMap<Symbol, SimQuote>): void {
    for (const [symbol, q] of quotes) this.latestQuotes.set(symbol, q);
  }
}

function quoteOf(bar: Bar, spreadBps: bigint): SimQuote {
  if (spreadBps === 0n)
    return { symbol: bar.symbol, bid: bar.close, ask: bar.close, last: bar.close, volume: bar.volume, ts: bar.ts };
  const half = mulDiv(bar.close, spreadBps as Dec, 20_000n as Dec);
  return {
    symbol: bar.symbol,
    bid: roundToTick((bar.close - half) as Dec, 'down'),
    ask: roundToTick((bar.close + half) as Dec, 'up'),
    last: bar.close,
    volume: bar.volume,
    ts: bar.ts,
  };
}
