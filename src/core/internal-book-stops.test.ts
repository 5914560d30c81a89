/**
 * The internal book's rules for stop orders (docs/decisions/0004, "Stop orders"): a stop counts as
 * the market order it becomes and a stop_limit as its limit (Alpaca's wash-trade table), a
 * trailing stop never conflicts, a stop not triggered yet is never crossed inside, another
 * sleeve's resting stop gives way to any new order (it is held and triggered by the book), and a
 * new stop that meets opposite orders at the broker is held, withdrawing nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec } from './decimal.js';
import { type BookOrder, interacts, planPlacement, selfConflict } from './internal-book.js';

const order = (fields: Partial<BookOrder> & Pick<BookOrder, 'id' | 'side'>): BookOrder => ({
  owner: fields.id.split('.')[0]!,
  type: 'market',
  limitPrice: null,
  remaining: dec('10'),
  createdAt: '2025-01-02T14:30:00.000Z',
  atBroker: true,
  movable: true,
  ...fields,
});
const REF = dec('100');

describe('internal book: stop orders', () => {
  const stopSell = order({ id: 'a.stop', side: 'sell', trigger: 'stop' });
  const stopLimitSell = order({ id: 'a.sl', side: 'sell', type: 'limit', limitPrice: dec('95'), trigger: 'stop' });
  const trailingSell = order({ id: 'a.trail', side: 'sell', trigger: 'trailing' });
  const farBuy = order({ id: 'b.far', side: 'buy', type: 'limit', limitPrice: dec('50'), atBroker: false });

  it('Alpaca’s table per type: stop ≈ market, stop_limit ≈ limit at its limit, trailing never', () => {
    assert.equal(interacts(stopSell, farBuy), true);
    assert.equal(interacts(stopLimitSell, farBuy), false);
    assert.equal(interacts(stopLimitSell, { ...farBuy, limitPrice: dec('95') }), true);
    assert.equal(interacts(trailingSell, { ...farBuy, type: 'market', limitPrice: null }), false);
    assert.equal(selfConflict({ ...farBuy, id: 'a.new', owner: 'a' }, [stopSell, trailingSell])?.id, 'a.stop');
  });

  it('a new order withdraws another sleeve’s resting stop, marketable or not, and never crosses it', () => {
    const plan = planPlacement(farBuy, [stopSell], REF);
    assert.deepEqual(plan, { kind: 'place', crosses: [], withdraw: [stopSell], sendQty: dec('10') });
    const market = planPlacement({ ...farBuy, type: 'market', limitPrice: null }, [stopSell], REF);
    assert.deepEqual(market, { kind: 'place', crosses: [], withdraw: [stopSell], sendQty: dec('10') });
  });

  it('a held (off-broker) stop is neither crossed nor in the way', () => {
    const held = { ...stopSell, atBroker: false };
    assert.deepEqual(planPlacement({ ...farBuy, type: 'market', limitPrice: null }, [held], REF), {
      kind: 'place',
      crosses: [],
      withdraw: [],
      sendQty: dec('10'),
    });
  });

  it('a new stop meeting an opposite order at the broker is held and withdraws nothing', () => {
    const resting = { ...farBuy, id: 'b.rest', atBroker: true };
    const incoming = { ...stopSell, atBroker: false };
    assert.deepEqual(planPlacement(incoming, [resting], REF), {
      kind: 'hold',
      crosses: [],
      withdraw: [],
      blockers: [resting],
    });
  });

  it('a trailing stop goes beside anything (exempt), unless the account is flat', () => {
    const resting = { ...farBuy, id: 'b.rest', atBroker: true };
    const incoming = { ...trailingSell, atBroker: false };
    assert.equal(planPlacement(incoming, [resting], REF, { net: dec('20') }).kind, 'place');
    assert.equal(planPlacement(incoming, [resting], REF, { flat: true }).kind, 'hold');
  });
});
