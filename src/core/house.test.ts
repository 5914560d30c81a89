/** The house sleeve's opening: the broker beyond the sleeves the books already hold, exactly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec, toPlain } from './decimal.js';
import { houseOpening } from './house.js';
import type { Symbol } from './ids.js';
import { deployment, fill, fold } from '../../test/helpers/events.js';

const AAPL = 'AAPL' as Symbol;
const MSFT = 'MSFT' as Symbol;
const plain = (o: ReturnType<typeof houseOpening>) => ({
  capital: toPlain(o.capital),
  positions: o.positions.map((p) => [p.symbol, toPlain(p.qty), toPlain(p.price)]),
});

describe('houseOpening', () => {
  // Seed 000: A bought 10 AAPL, B 5, at $150: the sleeves hold $17,750 and 15 AAPL.
  const imported = fold([
    deployment('a', '10000'),
    deployment('b', '10000'),
    fill('f1', 'a', 'AAPL', 'buy', '10', '150'),
    fill('f2', 'b', 'AAPL', 'buy', '5', '150'),
  ]);

  it('a fresh store: the house is the whole account', () => {
    assert.deepEqual(
      plain(houseOpening(dec('100000'), [{ symbol: MSFT, qty: dec('3'), avgEntryPrice: dec('400') }], fold([]))),
      {
        capital: '101200',
        positions: [['MSFT', '3', '400']],
      },
    );
  });

  it('imported sleeves the broker holds exactly: the house opens empty', () => {
    const broker = [{ symbol: AAPL, qty: dec('15'), avgEntryPrice: dec('150') }];
    assert.deepEqual(plain(houseOpening(dec('17750'), broker, imported)), { capital: '0', positions: [] });
  });

  it('a broker holding more: the house holds the rest, at the broker’s entry price', () => {
    const broker = [
      { symbol: AAPL, qty: dec('20'), avgEntryPrice: dec('149.5') },
      { symbol: MSFT, qty: dec('2'), avgEntryPrice: dec('410.25') },
    ];
    // cash 30,000 − 17,750 = 12,250; + 5 × 149.5 + 2 × 410.25 = 13,818
    assert.deepEqual(plain(houseOpening(dec('30000'), broker, imported)), {
      capital: '13818',
      positions: [
        ['AAPL', '5', '149.5'],
        ['MSFT', '2', '410.25'],
      ],
    });
  });

  it('a broker holding less than the sleeves: a house short at the sleeves’ cost, so the books still add up', () => {
    // A fresh paper account ($100,000, nothing held) under imported books.
    assert.deepEqual(plain(houseOpening(dec('100000'), [], imported)), {
      capital: '80000',
      positions: [['AAPL', '-15', '150']],
    });
  });
});
