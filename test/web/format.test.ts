/** The dashboard's number formatting (src/web/format.ts): exact strings in, rounded text out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  age,
  money,
  percent,
  product,
  qty,
  ratio,
  ratioPercent,
  sumDecimals,
  weight,
  when,
} from '../../src/web/format.js';

describe('dashboard formatting', () => {
  it('money: thousands separators, half-to-even at 2 dp, no float on the way', () => {
    assert.equal(money('1234567.891'), '1,234,567.89');
    assert.equal(money('-0.005'), '0.00');
    assert.equal(money('0.015'), '0.02');
    assert.equal(money('90071992547409931.35'), '90,071,992,547,409,931.35'); // beyond 2^53
    assert.equal(money('189.690000000000000000004', 4), '189.6900'); // averages are long quotients
    assert.equal(money(null), '—');
  });

  it('quantities stay exact; percentages and ratios round to 2 dp; null is a dash', () => {
    assert.equal(qty('-12345.678'), '-12,345.678');
    assert.equal(percent('1.7394'), '1.74 %');
    assert.equal(ratioPercent('-0.0065789'), '-0.66 %');
    assert.equal(ratioPercent(null), '—');
    assert.equal(ratio('1.235'), '1.24');
    assert.equal(weight('1300.56', '12650.83'), '10.28 %');
    assert.equal(weight('5', '0'), '—');
  });

  it('sums and products are exact', () => {
    assert.equal(sumDecimals(['0.1', '0.2', '-0.3']), '0');
    assert.equal(sumDecimals(['10000', '2500.5']), '12500.5');
    assert.equal(product('3', '0.1'), '0.3');
  });

  it('times: UTC minutes and a short age', () => {
    assert.equal(when('2025-01-02T14:31:00.000Z'), '2025-01-02 14:31');
    assert.equal(age('2025-01-02T14:30:00Z', '2025-01-02T14:30:45Z'), '45 s');
    assert.equal(age('2025-01-02T14:30:00Z', '2025-01-02T17:35:00Z'), '3 h 5 min');
    assert.equal(age('2025-01-02T14:30:00Z', '2025-01-05T18:30:00Z'), '3 d 4 h');
  });
});
