/**
 * Wash sales across sleeves: the worked examples of IRS Publication 550 ("Wash Sales") and of
 * 26 CFR 1.1091-1(h), then the account-level rules (any sleeve replaces, crosses are no trade,
 * a replacement share is used once, the 30-day window's edges), all with exact figures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec, toPlain } from './decimal.js';
import type { FillBooked, Side } from './events.js';
import type { DeploymentId, FillId, Symbol } from './ids.js';
import { type WashSale, findWashSales, washSalesIn } from './wash-sales.js';

/** A broker fill for one sleeve on a trade date (15:00 UTC: inside the New York session). */
function fill(id: string, who: string, side: Side, qty: string, price: string, date: string, symbol = 'X'): FillBooked {
  return {
    type: 'fill',
    id: id as FillId,
    symbol: symbol as Symbol,
    price: dec(price),
    ts: `${date}T15:00:00.000Z`,
    legs: [{ deployment: who as DeploymentId, side, qty: dec(qty), fee: dec('0'), feeCurrency: 'quote' }],
  };
}

/** The figures of a wash sale as plain strings. */
function row(w: WashSale) {
  return {
    sale: w.sale.fillId,
    sold_by: w.sale.sleeves.join(','),
    qty: toPlain(w.qty),
    loss: toPlain(w.loss),
    disallowed: toPlain(w.disallowed),
    replacement: w.replacement.fillId,
    replaced_by: w.replacement.sleeves.join(','),
    basis: toPlain(w.replacement.basis),
    adjusted_basis: toPlain(w.replacement.adjustedBasis),
    carried_days: w.replacement.carriedDays,
    held_from: w.replacement.heldFrom,
  };
}

describe('wash sales: the worked examples', () => {
  it('Pub 550 example 1: sell 100 X for $750 (cost $1,000), buy 100 for $800 within 30 days', () => {
    const sales = findWashSales([
      fill('b1', 'a', 'buy', '100', '10', '2024-01-10'),
      fill('s1', 'a', 'sell', '100', '7.5', '2024-06-03'),
      fill('b2', 'a', 'buy', '100', '8', '2024-06-20'),
    ]);
    // $250 loss disallowed; the new shares' basis is $800 + $250 = $1,050; they carry the 145 days
    // (Jan 10 → Jun 3, 2024) the sold shares were held: their holding period starts Jan 27.
    assert.deepEqual(sales.map(row), [
      {
        sale: 's1',
        sold_by: 'a',
        qty: '100',
        loss: '-250',
        disallowed: '250',
        replacement: 'b2',
        replaced_by: 'a',
        basis: '800',
        adjusted_basis: '1050',
        carried_days: 145,
        held_from: '2024-01-27',
      },
    ]);
  });

  it('Pub 550 example 2: the replacement bought before the loss sale (Dec 21), the old shares sold Dec 28', () => {
    const sales = findWashSales([
      fill('sep', 'a', 'buy', '100', '10', '2024-09-24'),
      fill('dec21', 'a', 'buy', '100', '7.5', '2024-12-21'),
      fill('dec28', 'a', 'sell', '100', '7.5', '2024-12-28'),
    ]);
    // FIFO sells the September shares; $250 disallowed and added to the December shares: $1,000.
    assert.deepEqual(sales.map(row), [
      {
        sale: 'dec28',
        sold_by: 'a',
        qty: '100',
        loss: '-250',
        disallowed: '250',
        replacement: 'dec21',
        replaced_by: 'a',
        basis: '750',
        adjusted_basis: '1000',
        carried_days: 95,
        held_from: '2024-09-17',
      },
    ]);
  });

  it('1.1091-1(h) example 2, a partial replacement: 100 sold at a $1,000 loss, 75 bought (50 + 25)', () => {
    const sales = findWashSales([
      fill('sep21', 'a', 'buy', '100', '50', '1954-09-21'),
      fill('dec21', 'b', 'buy', '50', '55', '1954-12-21'),
      fill('dec27', 'c', 'buy', '25', '45', '1954-12-27'),
      fill('jan3', 'a', 'sell', '100', '40', '1955-01-03'),
    ]);
    // Only 75 of the 100 shares are replaced: $750 of the $1,000 loss is disallowed ($500 on the
    // 50 shares bought Dec 21: $2,750 → $3,250; $250 on the 25 bought Dec 27: $1,125 → $1,375);
    // the other $250 is deductible.
    assert.deepEqual(
      sales.map((w) => [
        toPlain(w.qty),
        toPlain(w.disallowed),
        w.replacement.fillId,
        toPlain(w.replacement.adjustedBasis),
      ]),
      [
        ['50', '500', 'dec21', '3250'],
        ['25', '250', 'dec27', '1375'],
      ],
    );
    const disallowed = sales.reduce((s, w) => s + w.disallowed, 0n);
    assert.equal(toPlain(disallowed as never), '750');
    assert.deepEqual(
      sales.map((w) => w.replacement.sleeves.join()),
      ['b', 'c'],
    );
  });

  it('a partial replacement of half the shares: half the loss is disallowed', () => {
    const sales = findWashSales([
      fill('b1', 'a', 'buy', '100', '20', '2025-03-03'),
      fill('s1', 'a', 'sell', '100', '10', '2025-04-01'),
      fill('b2', 'b', 'buy', '50', '20', '2025-04-15'),
    ]);
    assert.deepEqual(
      sales.map((w) => [toPlain(w.qty), toPlain(w.proceeds), toPlain(w.basis), toPlain(w.disallowed)]),
      [['50', '500', '1000', '500']],
    );
    assert.equal(toPlain(sales[0]!.replacement.adjustedBasis), '1500');
  });
});

describe('wash sales: one account, many sleeves', () => {
  it("sleeve A's loss is disallowed by sleeve B's purchase; the sleeves are named", () => {
    const sales = findWashSales([
      fill('a-buy', 'alpha', 'buy', '10', '100', '2025-02-03'),
      fill('a-sell', 'alpha', 'sell', '10', '90', '2025-02-10'),
      fill('b-buy', 'beta', 'buy', '10', '95', '2025-03-12'), // the 30th day after
    ]);
    assert.deepEqual(sales.map(row), [
      {
        sale: 'a-sell',
        sold_by: 'alpha',
        qty: '10',
        loss: '-100',
        disallowed: '100',
        replacement: 'b-buy',
        replaced_by: 'beta',
        basis: '950',
        adjusted_basis: '1050',
        carried_days: 7,
        held_from: '2025-03-05',
      },
    ]);
  });

  it('a purchase on the 31st day after is no replacement; nor are shares bought in the same lot', () => {
    assert.deepEqual(
      findWashSales([
        fill('b1', 'a', 'buy', '10', '100', '2025-02-03'),
        fill('s1', 'a', 'sell', '5', '90', '2025-02-10'), // the other 5 of lot b1 are not replacements
        fill('s2', 'a', 'sell', '5', '90', '2025-02-11'),
        fill('b2', 'b', 'buy', '10', '95', '2025-03-14'), // 31 days after s2
      ]),
      [],
    );
  });

  it('an internal cross is no trade at the broker: it neither sells at a loss nor replaces', () => {
    const cross: FillBooked = {
      type: 'fill',
      id: 'cross' as FillId,
      symbol: 'X' as Symbol,
      price: dec('80'),
      ts: '2025-02-12T15:00:00.000Z',
      legs: [
        { deployment: 'alpha' as DeploymentId, side: 'sell', qty: dec('10'), fee: dec('0'), feeCurrency: 'quote' },
        { deployment: 'beta' as DeploymentId, side: 'buy', qty: dec('10'), fee: dec('0'), feeCurrency: 'quote' },
      ],
    };
    assert.deepEqual(findWashSales([fill('b1', 'alpha', 'buy', '10', '100', '2025-02-03'), cross]), []);
  });

  it('a replacement share is used once: the second loss sale finds none left', () => {
    const sales = findWashSales([
      fill('b1', 'a', 'buy', '10', '100', '2025-01-02'),
      fill('b2', 'b', 'buy', '10', '100', '2025-01-03'),
      fill('s1', 'a', 'sell', '10', '90', '2025-01-31'), // FIFO: lot b1, replaced by b2's 10 (still held)
      fill('s2', 'b', 'sell', '10', '80', '2025-02-01'), // lot b2 (adjusted basis 1,100): no other lot
    ]);
    assert.deepEqual(
      sales.map((w) => [w.sale.fillId, w.replacement.fillId, toPlain(w.disallowed)]),
      [['s1', 'b2', '100']],
    );
  });

  it('the adjustment carries on: a replacement lot sold at a loss counts its adjusted basis', () => {
    const sales = findWashSales([
      fill('b1', 'a', 'buy', '10', '100', '2025-01-02'),
      fill('s1', 'a', 'sell', '10', '90', '2025-01-10'),
      fill('b2', 'b', 'buy', '10', '95', '2025-01-15'), // basis 950 + 100 = 1,050
      fill('s2', 'b', 'sell', '10', '100', '2025-01-20'), // proceeds 1,000: a loss of 50, not a gain
      fill('b3', 'c', 'buy', '10', '100', '2025-01-25'),
    ]);
    assert.deepEqual(
      sales.map((w) => [w.sale.fillId, toPlain(w.loss), w.replacement.fillId, toPlain(w.replacement.adjustedBasis)]),
      [
        ['s1', '-100', 'b2', '1050'],
        ['s2', '-50', 'b3', '1050'],
      ],
    );
    // b3 carries the 8 days s1's shares were held plus b2's 5 days: 13 days before Jan 25.
    assert.equal(sales[1]!.replacement.heldFrom, '2025-01-12');
    assert.deepEqual(washSalesIn(sales, 2025).length, 2);
    assert.deepEqual(washSalesIn(sales, 2024).length, 0);
  });

  it('fees: in the basis of a buy, out of the proceeds of a sale', () => {
    const buy = fill('b1', 'a', 'buy', '10', '100', '2025-01-02');
    const sell = fill('s1', 'a', 'sell', '10', '100', '2025-01-10');
    const withFee = (f: FillBooked, fee: string): FillBooked => ({ ...f, legs: [{ ...f.legs[0]!, fee: dec(fee) }] });
    const sales = findWashSales([
      withFee(buy, '1'),
      withFee(sell, '2'),
      fill('b2', 'b', 'buy', '10', '100', '2025-01-11'),
    ]);
    assert.deepEqual(
      sales.map((w) => [toPlain(w.proceeds), toPlain(w.basis), toPlain(w.disallowed)]),
      [['998', '1001', '3']],
    );
  });
});
