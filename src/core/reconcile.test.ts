import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec } from './decimal.js';
import { reconcile } from './reconcile.js';

const h = (symbol: string, qty: string) => ({ symbol, qty: dec(qty) });

describe('reconcile', () => {
  it('balances when every symbol and the cash agree', () => {
    const r = reconcile(
      { cash: dec('-2250'), positions: [h('AAPL', '15')] },
      { cash: dec('-2250'), positions: [h('AAPL', '15')] },
    );
    assert.equal(r.reconciled, true);
    assert.deepEqual(r.differences, [
      { item: 'cash', broker: '-2250', books: '-2250', difference: '0', likely_cause: null },
      { item: 'AAPL', broker: '15', books: '15', difference: '0', likely_cause: null },
    ]);
  });

  it('names each difference and its likely cause, never absorbing it', () => {
    const r = reconcile(
      { cash: dec('100'), positions: [h('AAPL', '30'), h('MSFT', '5'), h('NVDA', '7')] },
      { cash: dec('100'), positions: [h('AAPL', '10'), h('NVDA', '9'), h('TSLA', '2')] },
    );
    assert.equal(r.reconciled, false);
    assert.deepEqual(
      r.differences.map((d) => [d.item, d.difference, d.likely_cause]),
      [
        ['cash', '0', null],
        ['AAPL', '20', 'a split (ratio 3) the books have not applied yet'],
        [
          'MSFT',
          '5',
          'a position opened outside Subledger (a manual trade or another tool): book it to the house, or backfill the fills',
        ],
        ['NVDA', '-2', 'fills not booked yet (stream delay; the backfill catches up) or executed outside Subledger'],
        ['TSLA', '-2', 'the broker holds none: closed outside Subledger, or the closing fills are not booked yet'],
      ],
    );
  });

  it('tells a cash-only drift from one that follows the positions', () => {
    assert.match(
      reconcile({ cash: dec('99.5'), positions: [] }, { cash: dec('100'), positions: [] }).differences[0]!
        .likely_cause!,
      /fees or interest/,
    );
    assert.match(
      reconcile({ cash: dec('0'), positions: [h('X', '1')] }, { cash: dec('100'), positions: [] }).differences[0]!
        .likely_cause!,
      /follows the position/,
    );
  });
});
