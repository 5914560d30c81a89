import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionClock } from './clock.js';

/** 14:30–21:00 UTC, Monday to Friday (both ends trade), as the runtime's simulated market keeps. */
const usHours = (ms: number) => {
  const d = new Date(ms);
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  return d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && minute >= 870 && minute <= 1260;
};

describe('sessionClock', () => {
  it('steps over trading minutes only: after Friday 21:00 comes Monday 14:30', () => {
    const clock = sessionClock('2025-01-03T20:59:00.000Z', usHours); // a Friday
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => clock.tsAt(n)),
      ['2025-01-03T20:59:00.000Z', '2025-01-03T21:00:00.000Z', '2025-01-06T14:30:00.000Z', '2025-01-06T14:31:00.000Z'],
    );
  });

  it('starts at the first trading minute at or after the start, and is a pure function of the step', () => {
    const clock = sessionClock('2025-01-02T21:00:30.000Z', usHours);
    assert.equal(clock.tsAt(0), '2025-01-03T14:30:00.000Z');
    assert.equal(clock.tsAt(390), '2025-01-03T21:00:00.000Z');
    assert.equal(clock.tsAt(391), '2025-01-06T14:30:00.000Z');
    assert.equal(clock.tsAt(1), '2025-01-03T14:31:00.000Z', 'an earlier step again');
    assert.equal(clock.tsAt(391), '2025-01-06T14:30:00.000Z');
  });

  it('refuses a bad start and a calendar that never opens', () => {
    assert.throws(() => sessionClock('yesterday', usHours), RangeError);
    assert.throws(() => sessionClock('2025-01-02T14:30:00Z', () => false, 60), /no trading minute within 60 minutes/);
  });
});
