import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec, toPlain } from '../core/decimal.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
import { allocateFill } from '../core/allocation.js';
import type { ManagerResult } from './manager.js';
import { planRebalance } from './planner.js';

const X = 'X' as Symbol;
const manager = (wishes: [string, string][], symbol = X): ManagerResult => ({
  runs: [],
  unknownStrategies: [],
  attribution: new Map([
    [
      symbol,
      wishes.map(([d, delta]) => ({
        deployment: d as DeploymentId,
        strategy: `s-${d}`,
        target: dec('0'),
        delta: dec(delta),
      })),
    ],
  ]),
});

describe('rebalance planner', () => {
  it('A +10, B −4, C +5 sends +11 to the broker and crosses 4 (A 3, C 1) at the midpoint', () => {
    const plan = planRebalance(
      manager([
        ['a', '10'],
        ['b', '-4'],
        ['c', '5'],
      ]),
      new Map([[X, { price: dec('100.05'), source: 'quote_mid' }]]),
    );
    const [p] = plan.symbols;
    assert.equal(toPlain(p!.cross!.qty), '4');
    assert.deepEqual(
      p!.cross!.legs.map((l) => [l.deployment, l.side, toPlain(l.qty)]),
      [
        ['a', 'buy', '3'],
        ['b', 'sell', '4'],
        ['c', 'buy', '1'],
      ],
    );
    assert.equal(toPlain(p!.cross!.price), '100.05');
    assert.equal(p!.brokerOrder!.side, 'buy');
    assert.equal(toPlain(p!.brokerOrder!.qty), '11');
    assert.deepEqual(
      p!.brokerOrder!.plan.participants.map((x) => [x.deployment, toPlain(x.requested)]),
      [
        ['a', '7'],
        ['c', '4'],
      ],
    );
    // a fully filled block gives each exactly what it asked
    const all = allocateFill(p!.brokerOrder!.plan, new Map(), dec('11'), dec('0.06'));
    assert.deepEqual(
      all.map((x) => [x.deployment, toPlain(x.qty), toPlain(x.fee)]),
      [
        ['a', '7', '0.04'],
        ['c', '4', '0.02'],
      ],
    );
  });

  it('lists sells before buys and reports unpriced symbols', () => {
    const m: ManagerResult = {
      runs: [],
      unknownStrategies: [],
      attribution: new Map([
        ['AAA' as Symbol, [{ deployment: 'a' as DeploymentId, strategy: 's', target: dec('5'), delta: dec('5') }]],
        ['BBB' as Symbol, [{ deployment: 'a' as DeploymentId, strategy: 's', target: dec('0'), delta: dec('-3') }]],
        ['CCC' as Symbol, [{ deployment: 'a' as DeploymentId, strategy: 's', target: dec('1'), delta: dec('1') }]],
      ]),
    };
    const ref = { price: dec('10'), source: 'last_trade' };
    const plan = planRebalance(
      m,
      new Map([
        ['AAA' as Symbol, ref],
        ['BBB' as Symbol, ref],
      ]),
    );
    assert.deepEqual(
      plan.symbols.map((p) => [p.symbol, p.brokerOrder?.side]),
      [
        ['BBB', 'sell'],
        ['AAA', 'buy'],
      ],
    );
    assert.deepEqual(plan.unpriced, ['CCC']);
  });
});
