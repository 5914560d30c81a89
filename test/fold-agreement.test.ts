/**
 * The fold agreement check (bench/fold-agreement.ts) on a generated 10,000-fill journal: the core
 * fold and the ceiling baseline agree exactly on every figure, and the plain-number baseline
 * within FLOAT_TOLERANCE — so a faster fold can never be a wrong one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ceilingFill } from '../bench/ceiling-fold.js';
import { deploymentEvents, fillEvent, generate, numberDeployments, numberFill } from '../bench/data.js';
import { ceilingFigures, compareFigures, coreFigures, numberFigures } from '../bench/fold-agreement.js';

describe('fold agreement: core vs ceiling vs plain numbers, 10,000 generated fills', () => {
  const data = generate(10_000, 20250102);
  const core = coreFigures([...deploymentEvents(data), ...data.fills.map(fillEvent)]);

  it('covers the interesting cases: flats, shorts, several lots, closed round trips', () => {
    const positions = [...core.positions.values()];
    assert.equal(core.cash.size, 100);
    assert.equal(positions.length, 1991);
    assert.ok(positions.some((p) => p.qty === '0'));
    assert.ok(positions.some((p) => p.qty.startsWith('-')));
    assert.ok(positions.some((p) => p.lots.length >= 3));
    assert.ok(positions.some((p) => p.trips > 1));
    assert.ok(
      positions.some((p) => p.fifoCost !== p.cost),
      'FIFO and average bases differ somewhere',
    );
  });

  it('the ceiling baseline agrees exactly on every figure', () => {
    const agreement = compareFigures(core, ceilingFigures(data.deployments, data.fills.map(ceilingFill)));
    assert.deepEqual(agreement.differences, []);
    assert.ok(agreement.compared > 30_000, `compared ${agreement.compared}`);
  });

  it('the plain-number baseline agrees within the float tolerance', () => {
    const agreement = compareFigures(core, numberFigures([...numberDeployments(data), ...data.fills.map(numberFill)]));
    assert.deepEqual(agreement.differences, []);
  });

  it('a wrong fold is caught: one cent more fee on one fill changes a figure', () => {
    const fills = data.fills.map(ceilingFill);
    const i = fills.findIndex((f) => !f.feeInBase);
    fills[i] = { ...fills[i]!, fee: fills[i]!.fee + 10n ** 16n };
    const agreement = compareFigures(core, ceilingFigures(data.deployments, fills));
    assert.ok(agreement.differences.some((d) => d.includes('cash')));
    assert.ok(agreement.differences.some((d) => d.includes('fees')));
  });
});
