/** Block-fill allocation: the worked examples of ACCOUNTING.md §5 and the edges, with exact numbers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AllocationMethod,
  type AllocationPlan,
  ALLOCATION_METHODS,
  allocateFill,
  allocationLegs,
  allocationPlanProblem,
  allocationPolicy,
  allocationPolicyProblem,
  replayAllocations,
  splitByLargestRemainder,
} from './allocation.js';
import { type Dec, dec, toPlain } from './decimal.js';
import type { DeploymentId } from './ids.js';

const WHOLE = dec('1');

function plan(requests: Record<string, string>, method?: AllocationMethod, increment = WHOLE): AllocationPlan {
  return {
    participants: Object.entries(requests).map(([who, qty]) => ({
      deployment: who as DeploymentId,
      requested: dec(qty),
    })),
    policy: allocationPolicy(increment, undefined, method),
  };
}

const fills = (...qty: string[]) => qty.map((q) => ({ qty: dec(q), fee: dec('0') }));

/** Totals after a sequence of executions, as plain strings. */
function totals(p: AllocationPlan, executions: { qty: Dec; fee: Dec }[]): Record<string, string> {
  const { booked } = replayAllocations(p, executions);
  return Object.fromEntries(p.participants.map((x) => [x.deployment, toPlain(booked.get(x.deployment) ?? dec('0'))]));
}

/** Each execution's quantities, as plain strings. */
function perExecution(p: AllocationPlan, executions: { qty: Dec; fee: Dec }[]): string[][] {
  return replayAllocations(p, executions).allocations.map((split) => split.map((a) => toPlain(a.qty)));
}

describe('the worked example: A wants 100, B wants 50, the block fills 137 in whole shares', () => {
  const sequences: Record<string, string[]> = {
    'one execution of 137': ['137'],
    '50 then 87': ['50', '87'],
    '100 then 37': ['100', '37'],
    '137 executions of 1': Array.from({ length: 137 }, () => '1'),
    '1, 1, 135': ['1', '1', '135'],
  };
  for (const method of ALLOCATION_METHODS) {
    for (const [name, sequence] of Object.entries(sequences)) {
      it(`${method}, ${name} → A 91, B 46 (exact 91.33 / 45.67)`, () => {
        assert.deepEqual(totals(plan({ a: '100', b: '50' }, method), fills(...sequence)), { a: '91', b: '46' });
      });
    }
  }

  it('splits 100 then 37 as A 67 / B 33, then A 24 / B 13', () => {
    assert.deepEqual(perExecution(plan({ a: '100', b: '50' }), fills('100', '37')), [
      ['67', '33'],
      ['24', '13'],
    ]);
  });

  it('gives everyone exactly its request once the block is fully filled', () => {
    assert.deepEqual(totals(plan({ a: '100', b: '50' }), fills('137', '13')), { a: '100', b: '50' });
    assert.deepEqual(totals(plan({ a: '1', b: '3', c: '3' }), fills('1', '1', '1', '1', '1', '1', '1')), {
      a: '1',
      b: '3',
      c: '3',
    });
  });
});

describe('the 1:3:3 Alabama-paradox case (ACCOUNTING.md §5 rule 2)', () => {
  // Largest remainder re-run on the cumulative fill gives 1/1/1 for 3 units but 0/2/2 for 4,
  // taking a unit back from A. Allocating each execution on top of what is booked never does.
  const weights = { a: '100', b: '300', c: '300' };

  it('largest deficit: 3 units → 1/1/1, then one more → 1/2/1 (A keeps its unit)', () => {
    assert.deepEqual(perExecution(plan(weights, 'pro_rata_largest_deficit'), fills('3', '1')), [
      ['1', '1', '1'],
      ['0', '1', '0'],
    ]);
  });

  it('earliest deadline: 3 units → 0/2/1, then one more → 0/2/2 (nothing taken back either)', () => {
    assert.deepEqual(perExecution(plan(weights, 'pro_rata_earliest_deadline'), fills('3', '1')), [
      ['0', '2', '1'],
      ['0', '0', '1'],
    ]);
  });

  it('3 then 4 units of a 1:3:3 block of 7 ends at exactly 1/3/3 under both methods', () => {
    for (const method of ALLOCATION_METHODS) {
      assert.deepEqual(totals(plan({ a: '1', b: '3', c: '3' }, method), fills('3', '4')), { a: '1', b: '3', c: '3' });
    }
  });
});

describe('why earliest deadline is the default', () => {
  // Requests 2/18/2/18/2 (of 42), executions 5, 8, 1: after 14 units D's exact share is exactly 6.
  const requests = { a: '2', b: '18', c: '2', d: '18', e: '2' };
  const exactD = '6';

  it('largest deficit leaves D a whole share behind its exact share', () => {
    const after = totals(plan(requests, 'pro_rata_largest_deficit'), fills('5', '8', '1'));
    assert.deepEqual(after, { a: '1', b: '6', c: '1', d: '5', e: '1' });
    assert.notEqual(after.d, exactD);
  });

  it('earliest deadline keeps everyone within one share', () => {
    assert.deepEqual(totals(plan(requests, 'pro_rata_earliest_deadline'), fills('5', '8', '1')), {
      a: '1',
      b: '6',
      c: '1',
      d: exactD,
      e: '0',
    });
  });
});

describe('quantities that are not whole increments', () => {
  it('gives a remainder smaller than one increment to one participant, so the sum is exact', () => {
    // Exact shares 1.25 each: one whole share each, then the half to the earlier (a tie).
    assert.deepEqual(perExecution(plan({ a: '10', b: '10' }), fills('2.5')), [['1.5', '1']]);
  });

  it('never gives a participant more than it requested, even with fractional requests', () => {
    assert.deepEqual(totals(plan({ a: '1.5', b: '1.5' }), fills('2', '1')), { a: '1.5', b: '1.5' });
  });

  it('allocates a large execution in a fine increment at once', () => {
    const p = plan({ a: '1000000.5', b: '333333.25', c: '0.000000007' }, undefined, dec('0.000000001'));
    const [split] = replayAllocations(p, fills('777777.123456789')).allocations;
    // Exact shares 583332.9519674625…, 194444.1714893224…, 0.0000000040833…
    assert.deepEqual(
      split!.map((a) => toPlain(a.qty)),
      ['583332.951967463', '194444.171489322', '0.000000004'],
    );
  });
});

describe('fees', () => {
  it('splits an execution fee pro rata to the allocated quantities in cents, no cent lost', () => {
    const [split] = replayAllocations(plan({ a: '1', b: '1', c: '1' }), [{ qty: dec('3'), fee: dec('1') }]).allocations;
    assert.deepEqual(
      split!.map((a) => toPlain(a.fee)),
      ['0.34', '0.33', '0.33'],
    );
  });

  it('gives a sub-cent remainder by largest remainder too', () => {
    assert.deepEqual(splitByLargestRemainder(dec('0.015'), [dec('1'), dec('1')], dec('0.01')).map(toPlain), [
      '0.01',
      '0.005',
    ]);
    assert.deepEqual(splitByLargestRemainder(dec('1.00'), [dec('1'), dec('2'), dec('0')], dec('0.01')).map(toPlain), [
      '0.33',
      '0.67',
      '0',
    ]);
  });

  it('gives no fee to a participant that gets no quantity', () => {
    const split = allocateFill(plan({ a: '100', b: '1' }), new Map(), dec('1'), dec('0.99'));
    assert.deepEqual(
      split.map((a) => [toPlain(a.qty), toPlain(a.fee)]),
      [
        ['1', '0.99'],
        ['0', '0'],
      ],
    );
  });
});

describe('the policy stored with the order', () => {
  it('is plain JSON and replays to the same allocations', () => {
    const p = plan({ a: '100', b: '50' });
    const stored = JSON.parse(JSON.stringify(p.policy)) as unknown;
    assert.equal(allocationPolicyProblem(stored), undefined);
    assert.deepEqual(p.policy, { method: 'pro_rata_earliest_deadline', increment: '1', feeUnit: '0.01' });
    const replayed = { ...p, policy: stored as AllocationPlan['policy'] };
    assert.deepEqual(replayAllocations(replayed, fills('50', '87')), replayAllocations(p, fills('50', '87')));
  });

  it('names what is wrong with a stored policy', () => {
    assert.equal(allocationPolicyProblem({ method: 'fifo', increment: '1', feeUnit: '0.01' })?.field, 'policy.method');
    assert.equal(
      allocationPolicyProblem({ method: 'pro_rata_largest_deficit', increment: '0', feeUnit: '0.01' })?.field,
      'policy.increment',
    );
    assert.equal(
      allocationPolicyProblem({ method: 'pro_rata_largest_deficit', increment: '1', feeUnit: 'x' })?.field,
      'policy.feeUnit',
    );
  });
});

describe('rejections', () => {
  const p = plan({ a: '100', b: '50' });

  it('rejects a plan with a duplicate participant or a non-positive request', () => {
    assert.equal(allocationPlanProblem(plan({ a: '1', b: '0' }))?.field, 'participants[1].requested');
    const twice = { ...p, participants: [...p.participants, p.participants[0]!] };
    assert.equal(allocationPlanProblem(twice)?.field, 'participants[2].deployment');
  });

  it('throws on an overfill, a non-positive quantity or a negative fee, naming the field', () => {
    const booked = new Map([['a' as DeploymentId, dec('100')]]);
    assert.throws(
      () => allocateFill(p, booked, dec('51'), dec('0')),
      /qty the block would be overfilled: 151 filled of 150/,
    );
    assert.throws(() => allocateFill(p, booked, dec('0'), dec('0')), /qty must be greater than 0/);
    assert.throws(() => allocateFill(p, booked, dec('1'), dec('-1')), /fee must not be negative/);
    assert.throws(() => allocateFill(p, new Map([['z' as DeploymentId, dec('1')]]), dec('1'), dec('0')), /'z' is not/);
  });
});

describe('allocationLegs', () => {
  it('turns an allocated execution into fill legs, leaving out participants given nothing', () => {
    const split = allocateFill(plan({ a: '100', b: '1' }), new Map(), dec('1'), dec('0.5'));
    assert.deepEqual(allocationLegs(split, 'buy'), [
      { deployment: 'a', side: 'buy', qty: dec('1'), fee: dec('0.5'), feeCurrency: 'quote' },
    ]);
  });
});
