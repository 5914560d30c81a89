import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec, toPlain } from '../core/decimal.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
import { runAllStrategies } from './manager.js';
import { fixedWeight, meanReversion, momentumRotation } from './strategies/index.js';

const prices = new Map([
  ['AAPL' as Symbol, dec('150')],
  ['MSFT' as Symbol, dec('400')],
  ['NVDA' as Symbol, dec('120')],
]);
const history = new Map([
  ['AAPL' as Symbol, [dec('140'), dec('150')]],
  ['MSFT' as Symbol, [dec('410'), dec('400')]],
  ['NVDA' as Symbol, [dec('100'), dec('120')]],
]);

describe('multi-strategy manager', () => {
  it("turns each strategy's weights into whole-share targets on its own equity, with attribution", () => {
    const registry = new Map([
      ['fixed', fixedWeight({ AAPL: '0.6', MSFT: '0.4' })],
      ['mom', momentumRotation({ lookback: 1, top: 1 })],
    ]);
    const result = runAllStrategies(
      [
        {
          deployment: 'f' as DeploymentId,
          strategy: 'fixed',
          equity: dec('10000'),
          holdings: new Map([['AAPL' as Symbol, dec('10')]]),
        },
        {
          deployment: 'm' as DeploymentId,
          strategy: 'mom',
          equity: dec('5000'),
          holdings: new Map([['AAPL' as Symbol, dec('3')]]),
        },
        { deployment: 'x' as DeploymentId, strategy: 'nope', equity: dec('1'), holdings: new Map() },
      ],
      registry,
      { prices, history },
    );
    const [f, m] = result.runs;
    assert.deepEqual(
      [...f!.targets].map(([s, q]) => [s, toPlain(q)]),
      [
        ['AAPL', '40'],
        ['MSFT', '10'],
      ],
    ); // 6000/150, 4000/400
    assert.deepEqual(
      [...f!.deltas].map(([s, q]) => [s, toPlain(q)]),
      [
        ['AAPL', '30'],
        ['MSFT', '10'],
      ],
    );
    assert.equal(m!.signal, 'BULLISH: NVDA momentum +20.00%');
    assert.deepEqual(
      [...m!.deltas].map(([s, q]) => [s, toPlain(q)]),
      [
        ['NVDA', '41'],
        ['AAPL', '-3'],
      ],
    ); // 5000/120 = 41.67
    assert.deepEqual(
      result.attribution.get('AAPL' as Symbol)!.map((c) => [c.deployment, c.strategy, toPlain(c.delta)]),
      [
        ['f', 'fixed', '30'],
        ['m', 'mom', '-3'],
      ],
    );
    assert.deepEqual(result.unknownStrategies, [{ deployment: 'x', strategy: 'nope' }]);
  });

  it('mean reversion holds the biggest loser once it fell past the threshold', () => {
    const s = meanReversion({ lookback: 1, threshold: '0.05', weight: '0.5' });
    const decision = s.decide({ prices, history, equity: dec('1000'), holdings: new Map() });
    assert.equal(decision.signal, 'NEUTRAL: no symbol down more than 5.00% (worst MSFT -2.44%)');
    const deeper = s.decide({
      prices,
      history: new Map([['MSFT' as Symbol, [dec('450'), dec('400')]]]),
      equity: dec('1000'),
      holdings: new Map(),
    });
    assert.equal(deeper.signal, 'BULLISH: MSFT -11.11% over 1 prices, expecting a reversion');
    assert.equal(toPlain(deeper.weights.get('MSFT' as Symbol)!), '0.5');
    assert.equal(
      s.decide({ prices: new Map(), history: new Map(), equity: dec('1000'), holdings: new Map() }).signal,
      'NEUTRAL: waiting for prices',
    );
  });
});
