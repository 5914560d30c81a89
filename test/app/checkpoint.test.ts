/**
 * Checkpoints (src/app/journal/checkpoint.ts) against a full replay: the real app on the paper broker
 * journals deployments, a flow, market and limit orders (open, filled, canceled, a flip split in
 * two legs), fills and marks; then, for a checkpoint taken after every seq, loading it and folding
 * the rest of the journal gives exactly the state a fold of the whole journal gives — and the
 * state `LedgerService.load` starts from a stored checkpoint equals the one it folds without.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Checkpointer, CHECKPOINT_FORMAT, decodeState, encodeState } from '../../src/app/journal/checkpoint.js';
import { LedgerService, foldJournal } from '../../src/app/journal/ledger-service.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;
const open = (t: TestApp) => [A, B].flatMap((d) => t.app.listOrders(d, { status: 'open', limit: 50 }));

describe('a checkpoint of the folded state', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed: 5 });
    await t.app.createDeployment({ id: A, initialCapital: dec('20000') });
    await t.app.createDeployment({ id: B, initialCapital: dec('20000'), limits: { allowShort: true } });
    await t.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await t.runUntil(() => open(t).length === 0);
    await t.app.submitOrder(B, { symbol: 'AAPL', side: 'sell', qty: dec('15'), type: 'market', timeInForce: 'day' });
    const resting = await t.app.submitOrder(A, {
      symbol: 'MSFT',
      side: 'buy',
      qty: dec('3'),
      type: 'limit',
      limitPrice: dec('1'),
      timeInForce: 'gtc',
    });
    await t.runUntil(() => open(t).length === 1, 30);
    await t.app.submitOrder(A, {
      symbol: 'MSFT',
      side: 'buy',
      qty: dec('2'),
      type: 'limit',
      limitPrice: dec('2'),
      timeInForce: 'gtc',
    });
    await t.app.cancelOrder(A, resting.id);
    await t.app.markToMarket();
  });
  after(() => t.close());

  it('taken after any seq, then the rest of the journal folded, equals a fold of the whole journal', async () => {
    const whole = await foldJournal(t.store);
    assert.ok(whole.lastSeq >= 15, `a journal of ${whole.lastSeq} entries`);
    assert.ok(whole.state.orders.size >= 5);
    for (let k = 0; k <= whole.lastSeq; k++) {
      const head = await foldJournal(t.store, undefined, undefined, undefined, k);
      const start = { ...decodeState(encodeState(head.state, head.latestMs)), lastSeq: head.lastSeq };
      const rest = await foldJournal(t.store, undefined, undefined, start);
      assert.deepStrictEqual(rest, whole, `checkpoint at seq ${k}`);
    }
  });

  it('keeps an order one object in `orders` and in `ordersByDeployment`, as the fold does', () => {
    const { state } = decodeState(encodeState(t.app.service.state, 0));
    for (const [deployment, list] of state.ordersByDeployment)
      for (const order of list) assert.equal(state.orders.get(order.id), order, `${deployment} ${order.id}`);
  });

  it('writes every decimal as its exact string', () => {
    const text = encodeState(t.app.service.state, 0);
    assert.match(text, /"D","?\d+"?\]|\["D",\d+\]/);
    assert.doesNotMatch(text, /"BigInt"/);
  });

  it('is written by the Checkpointer, and `load` starts from it with the state a whole fold gives', async () => {
    const service = t.app.service;
    const checkpointer = new Checkpointer(t.store, service, { everyEvents: 1, everyMs: 0 }, (e) => assert.fail(e));
    checkpointer.start();
    await t.app.markToMarket();
    await t.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('1'), type: 'market', timeInForce: 'day' });
    await checkpointer.stop();
    const stored = await t.store.latestCheckpoint!();
    assert.equal(stored?.format, CHECKPOINT_FORMAT);
    assert.equal(stored?.seq, service.lastSeq);
    const fromCheckpoint = await LedgerService.load(t.store);
    const folded = await LedgerService.load(t.store, { checkpoint: false });
    assert.equal(fromCheckpoint.checkpointSeq, stored!.seq);
    assert.equal(folded.checkpointSeq, 0);
    assert.deepStrictEqual(fromCheckpoint.state, folded.state);
    assert.equal(fromCheckpoint.lastSeq, folded.lastSeq);
    assert.equal(fromCheckpoint.latestEventMs, folded.latestEventMs);
  });
});
