/**
 * The internal book against the emulator (Alpaca's wash-trade rule enforced), with the real app on
 * a SQLite journal, across a stop in the middle: A's far-away resting buy is withdrawn for B's
 * market sell; Subledger stops while B's order is still working at the broker and A's is away; B's
 * order fills while it is down; at start-up A's order goes back to the broker under a new broker
 * order, still the same order in A's sleeve. The emulator's own audit of every order it held says
 * no two opposite orders that could interact were ever open together, and its refusals log is empty.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { tempDir } from '../helpers/tmp.js';
import { START, memoryCursors, startAlpacaApp, waitFor } from './helpers.js';

const A = 'a' as DeploymentId;
const B = 'b' as DeploymentId;

describe('the internal book across a restart (emulator)', () => {
  const { dir, cleanup } = tempDir('subledger-book-');
  let emulator: EmulatorHandle;
  const cursors = memoryCursors();
  const start = () => startAlpacaApp(emulator, join(dir, 'app.db'), cursors);
  after(async () => {
    await emulator?.close();
    cleanup();
  });

  it("A's withdrawn order is restored after a restart, the same order in its sleeve", async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    let run = await start();
    await run.app.createDeployment({ id: A, initialCapital: dec('10000') });
    await run.app.createDeployment({ id: B, initialCapital: dec('10000') });
    await run.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('5'), type: 'market', timeInForce: 'day' });
    emulator.control.advance(1);
    await waitFor(() => run.app.positions(B)[0]?.qty === '5', "B's buy to fill");
    const rest = await run.app.submitOrder(A, {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec('1'),
      type: 'limit',
      limitPrice: dec('1'),
      timeInForce: 'gtc',
    });
    const sell = await run.app.submitOrder(B, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('5'),
      type: 'market',
      timeInForce: 'day',
    });
    assert.deepEqual([sell.status, sell.at_broker], ['new', true]);
    const away = run.app.listOrders(A, { status: 'open', limit: 5 });
    assert.deepEqual(
      away.map((o) => [o.id, o.status, o.limit_price, o.qty, o.at_broker]),
      [[rest.id, 'new', '1', '1', false]],
    );
    await run.stop(); // the process dies with A's order away from the broker and B's still working
    emulator.control.advance(1); // B's sell fills while Subledger is down

    run = await start();
    await run.app.resolveAllOrders(); // what `serve` does at start-up
    await run.app.router.book.idle();
    assert.equal(run.app.positions(B).length, 0, "B's sell, filled while down, is booked");
    const back = run.app.listOrders(A, { status: 'open', limit: 5 });
    assert.deepEqual(
      back.map((o) => [o.id, o.status, o.limit_price, o.qty, o.filled_qty, o.at_broker]),
      [[rest.id, 'new', '1', '1', '0', true]],
    );
    const open = emulator.control.venue.allOrders().filter((o) => o.status === 'new');
    assert.deepEqual(
      open.map((o) => [o.side, o.qty, o.limit_price]),
      [['buy', '1', '1']],
    );
    assert.notEqual(open[0]!.client_order_id, rest.id, 'a new broker order: Alpaca never takes an id twice');
    assert.deepEqual(emulator.control.washTradeAudit(), []);
    assert.deepEqual(emulator.control.rejections(), []);
    const account = await run.app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
    await run.stop();
  });
});
