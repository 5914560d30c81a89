/** The simulation's markets: seeded determinism, tick-exact prices, bars stepping. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dec, toPlain } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import { BarsMarket, type Bar } from './bars-market.js';
import { stepClock } from './clock.js';
import { SimulatedMarket, demoSymbols } from './market.js';
import { createPrng } from './prng.js';
import { isOnTick, roundToTick } from './ticks.js';

const S = (s: string) => s as Symbol;
const path = (m: SimulatedMarket, symbol: string, steps: number) =>
  Array.from({ length: steps }, () => {
    m.advance();
    const q = m.latest(S(symbol))!;
    return `${toPlain(q.bid)}/${toPlain(q.last)}/${toPlain(q.ask)}/${toPlain(q.volume)}`;
  });

describe('prng', () => {
  it('mulberry32 is reproducible and nextInt stays in range', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const xs = Array.from({ length: 1000 }, () => a.nextInt(10));
    assert.deepEqual(
      xs,
      Array.from({ length: 1000 }, () => b.nextInt(10)),
    );
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 10));
    assert.equal(new Set(xs).size, 10);
    assert.throws(() => a.nextInt(0), RangeError);
  });
});

describe('ticks', () => {
  it('rounds to cents at or above $1 and to 0.0001 below, in the asked direction', () => {
    assert.equal(roundToTick(dec('100.0600005'), 'up'), dec('100.07'));
    assert.equal(roundToTick(dec('99.939995'), 'down'), dec('99.93'));
    assert.equal(roundToTick(dec('0.123456')), dec('0.1235'));
    assert.equal(roundToTick(dec('0.99996')), dec('1'));
    assert.equal(roundToTick(dec('0.99999'), 'up'), dec('1'));
    assert.equal(roundToTick(dec('0.00001'), 'down'), dec('0.0001'));
    assert.ok(isOnTick(dec('0.1234')) && !isOnTick(dec('1.234')) && isOnTick(dec('1.23')));
  });
});

describe('SimulatedMarket', () => {
  it('gives the same path for the same seed and a different one for another seed', () => {
    const make = (seed: number) => new SimulatedMarket({ seed, symbols: demoSymbols(3) });
    assert.deepEqual(path(make(42), 'MSFT', 100), path(make(42), 'MSFT', 100));
    assert.notDeepEqual(path(make(42), 'MSFT', 100), path(make(43), 'MSFT', 100));
  });

  it("walks each symbol on its own stream: adding symbols leaves the others' paths alone", () => {
    const one = new SimulatedMarket({ seed: 9, symbols: demoSymbols(1) });
    const five = new SimulatedMarket({ seed: 9, symbols: demoSymbols(5) });
    assert.deepEqual(path(one, 'AAPL', 50), path(five, 'AAPL', 50));
  });

  it('keeps every price on its tick with 0 < bid < last < ask, also below $1', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.constantFrom('0.0523', '0.99', '1.00', '3.17', '150.00', '4321.98'),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 50 }),
        (seed, start, volatilityBps, spreadBps) => {
          const m = new SimulatedMarket({ seed, symbols: [{ symbol: 'X', start, volatilityBps, spreadBps }] });
          for (let i = 0; i < 60; i++) {
            const q = m.advance().quotes.get(S('X'))!;
            assert.ok(isOnTick(q.bid) && isOnTick(q.ask) && isOnTick(q.last), `${q.bid} ${q.last} ${q.ask}`);
            assert.ok(q.bid > 0n && q.bid < q.last && q.last < q.ask);
            assert.ok(q.volume >= 0n && q.volume % dec('1') === 0n);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('maps steps to timestamps with the injected clock and labels itself "simulated"', () => {
    const m = new SimulatedMarket({ seed: 1, symbols: demoSymbols(1), clock: stepClock('2025-03-03T15:00:00Z', 300) });
    assert.equal(m.source, 'simulated');
    assert.equal(m.now(), '2025-03-03T15:00:00.000Z');
    m.advance();
    m.advance();
    assert.equal(m.current().ts, '2025-03-03T15:10:00.000Z');
    assert.equal(m.current().step, 2);
  });

  it('setPrice moves the price now and the walk continues from there', () => {
    const m = new SimulatedMarket({ seed: 1, symbols: [{ symbol: 'X', start: '10', volatilityBps: 0, spreadBps: 0 }] });
    m.setPrice(S('X'), dec('25.004'));
    assert.deepEqual(
      [m.latest(S('X'))!.bid, m.latest(S('X'))!.last, m.latest(S('X'))!.ask],
      [dec('24.99'), dec('25'), dec('25.01')],
    );
    assert.equal(m.advance().quotes.get(S('X'))!.last, dec('25'));
    assert.throws(() => m.setPrice(S('NOPE'), dec('1')), RangeError);
  });

  it('rejects a bad configuration', () => {
    assert.throws(() => new SimulatedMarket({ seed: 1, symbols: [{ symbol: 'bad sym', start: '1' }] }), RangeError);
    assert.throws(() => new SimulatedMarket({ seed: 1, symbols: [{ symbol: 'X', start: '0' }] }), RangeError);
    assert.throws(() => new SimulatedMarket({ seed: 1, symbols: [...demoSymbols(1), ...demoSymbols(1)] }), RangeError);
    assert.equal(demoSymbols(17).at(-1)!.symbol, 'SIM17');
  });
});

describe('BarsMarket', () => {
  const bar = (ts: string, symbol: string, close: string, volume = '1000'): Bar => ({
    ts,
    symbol: S(symbol),
    open: dec(close),
    high: dec(close),
    low: dec(close),
    close: dec(close),
    volume: dec(volume),
  });
  const bars = [
    bar('2025-01-02T00:00:00.000Z', 'AAA', '10'),
    bar('2025-01-02T00:00:00.000Z', 'BBB', '20'),
    bar('2025-01-03T00:00:00.000Z', 'AAA', '11'),
    bar('2025-01-06T00:00:00.000Z', 'AAA', '12'),
    bar('2025-01-06T00:00:00.000Z', 'BBB', '21'),
  ];

  it('steps through timestamps; a symbol without a bar keeps its last quote but is not fresh', () => {
    const m = new BarsMarket({ bars, source: 'bars:t.csv' });
    assert.deepEqual(m.symbols, ['AAA', 'BBB']);
    assert.equal(m.now(), '2025-01-02T00:00:00.000Z');
    const s1 = m.advance()!;
    assert.deepEqual([...s1.quotes.keys()], ['AAA']);
    assert.equal(m.latest(S('BBB'))!.last, dec('20'));
    assert.equal(m.remaining(), 1);
    assert.equal(m.advance()!.quotes.get(S('BBB'))!.last, dec('21'));
    assert.equal(m.advance(), undefined);
    assert.equal(m.now(), '2025-01-06T00:00:00.000Z');
  });

  it('quotes the close, with an optional spread rounded to the tick', () => {
    const m = new BarsMarket({ bars, source: 'bars:t.csv', spreadBps: 10 });
    const q = m.latest(S('AAA'))!;
    assert.deepEqual([q.bid, q.last, q.ask], [dec('9.99'), dec('10'), dec('10.01')]);
  });

  it('refuses bars out of order, repeated or empty', () => {
    assert.throws(() => new BarsMarket({ bars: [bars[2]!, bars[0]!], source: 's' }), /earlier/);
    assert.throws(() => new BarsMarket({ bars: [bars[0]!, bars[0]!], source: 's' }), /two bars/);
    assert.throws(() => new BarsMarket({ bars: [], source: 's' }), /no bars/);
  });
});
