import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Dec,
  dec,
  decimalProblem,
  div,
  formatMoney,
  mul,
  mulDiv,
  percentString,
  quotientString,
  roundToPlaces,
  toFixedString,
  toPlain,
} from './decimal.js';

describe('decimal', () => {
  it('parses and prints exactly', () => {
    for (const text of ['0', '150', '-0.5', '151.2', '0.000000000000000001', '12345678901.123456789', '-7']) {
      assert.equal(toPlain(dec(text)), text);
    }
    assert.equal(toPlain(dec('+1.50')), '1.5');
    assert.equal(toPlain(dec('.25')), '0.25');
    assert.equal(toPlain(dec('-.25')), '-0.25');
  });

  it('prints every decimal as dividing its units by the scale does', () => {
    // The plain way: whole part and fraction by bigint division, the fraction's trailing zeros cut.
    const divided = (a: bigint): string => {
      const abs = a < 0n ? -a : a;
      const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
      return (a < 0n ? '-' : '') + (abs / 10n ** 18n).toString() + (frac === '' ? '' : '.' + frac);
    };
    const edges = [0n, 1n, -1n, 10n ** 18n, -(10n ** 18n), 10n ** 17n, 10n ** 19n + 1n, 123_450_000_000_000_000_000n];
    for (const v of edges) assert.equal(toPlain(v as Dec), divided(v), String(v));
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 45n), max: 10n ** 45n }), (v) => {
        assert.equal(toPlain(v as Dec), divided(v));
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects what is not a decimal, saying why', () => {
    assert.match(decimalProblem('1e5')!, /not a decimal number/);
    assert.match(decimalProblem('abc')!, /not a decimal number/);
    assert.match(decimalProblem('')!, /not a decimal number/);
    assert.match(decimalProblem('1.0000000000000000001')!, /more than 18 fractional digits/);
    assert.match(decimalProblem('123456789012345678901')!, /too large/);
    assert.throws(() => dec('NaN'), RangeError);
  });

  it('multiplies without the rounding a 20-digit float library would do', () => {
    // decimal.js at its default precision 20 prints …545.953 here (ECOSYSTEM.md Q4).
    assert.equal(
      toPlain(mul(dec('12345678901.123456789'), dec('98765.432101234'))),
      '1219326311252545.952975249872577626',
    );
  });

  it('rounds quotients half to even at 10^-18', () => {
    assert.equal(toPlain(div(dec('200'), dec('3'))), '66.666666666666666667');
    assert.equal(toPlain(div(dec('1'), dec('3'))), '0.333333333333333333');
    assert.equal(toPlain(mulDiv(dec('0.000000000000000001'), dec('1'), dec('2'))), '0');
    assert.equal(toPlain(mulDiv(dec('0.000000000000000003'), dec('1'), dec('2'))), '0.000000000000000002');
    assert.equal(toPlain(mulDiv(dec('-0.000000000000000003'), dec('1'), dec('2'))), '-0.000000000000000002');
  });

  it('prints quotients with at least 20 significant digits', () => {
    assert.equal(quotientString(dec('200'), dec('3')), '66.666666666666666667');
    assert.equal(quotientString(dec('2200'), dec('20')), '110');
    assert.equal(quotientString(dec('0.0001'), dec('3')), '0.000033333333333333333333');
    assert.equal(quotientString(dec('-550'), dec('-10')), '55');
    assert.equal(quotientString(dec('-1'), dec('3')), '-0.33333333333333333333');
  });

  it('rounds for display only, half to even', () => {
    assert.equal(toFixedString(dec('2.345'), 2), '2.34');
    assert.equal(toFixedString(dec('2.355'), 2), '2.36');
    assert.equal(toFixedString(dec('-2.345'), 2), '-2.34');
    assert.equal(toFixedString(dec('-0.001'), 2), '0.00');
    assert.equal(toFixedString(dec('7'), 0), '7');
    assert.equal(toPlain(roundToPlaces(dec('1.005'), 2)), '1');
    assert.equal(formatMoney(dec('-1234567.891')), '-1,234,567.89');
    assert.equal(formatMoney(dec('999.999')), '1,000.00');
    assert.equal(percentString(dec('75'), dec('10000')), '0.75');
    assert.equal(percentString(dec('1'), dec('0')), '0.00');
  });

  it('round-trips any decimal with up to 18 fractional digits', () => {
    const decimalText = fc
      .tuple(
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 18 }),
        fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }),
      )
      .map(([negative, whole, places, frac]) => {
        const fracText =
          places === 0 ? '' : (frac % 10n ** BigInt(places)).toString().padStart(places, '0').replace(/0+$/, '');
        const text = whole.toString() + (fracText ? '.' + fracText : '');
        return negative && text !== '0' ? '-' + text : text;
      });
    fc.assert(fc.property(decimalText, (text) => toPlain(dec(text)) === text));
  });

  it('has exact sums, products and quotient identities', () => {
    const small = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }).map((v) => v as Dec);
    fc.assert(
      fc.property(small, small, (a, b) => {
        // (a × b) is exact for 9+9 fractional digits: scale a and b to multiples of 10^-9.
        const a9 = ((a / 10n ** 9n) * 10n ** 9n) as Dec;
        const b9 = ((b / 10n ** 9n) * 10n ** 9n) as Dec;
        const product = mul(a9, b9);
        return b9 === 0n || mulDiv(product, dec('1'), b9) === a9;
      }),
    );
  });
});
