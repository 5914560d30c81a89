/**
 * The kill switch against the emulator (Alpaca's rules enforced: wash trades, no flip in one
 * order, qty available), with the real app on the Alpaca adapter and a SQLite journal: three
 * sleeves hold AAPL (10, 7, 5); A and B each rest a far-away limit buy. Flattening A cancels A's
 * buy and sells exactly A's 10 at the broker; B's resting buy stays B's working order (withdrawn
 * at the broker while the sell is there, if the book must, and restored); B and C keep their
 * shares to the share; Σ sleeves + house = broker; the emulator's audit finds no wash trade and
 * its refusals log is empty.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Flattener } from '../../src/app/risk/flatten.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { tempDir } from '../helpers/tmp.js';
import { START, startAlpacaApp, waitFor } from './helpers.js';

const A = 'a' as DeploymentId;
const B = 'b' as DeploymentId;
const C = 'c' as DeploymentId;
const market = (side: 'buy' | 'sell', qty: string) =>
  ({ symbol: 'AAPL', side, qty: dec(qty), type: 'market', timeInForce: 'day' }) as const;
const farBuy = {
  symbol: 'AAPL',
  side: 'buy',
  qty: dec('1'),
  type: 'limit',
  limitPrice: dec('1'),
  timeInForce: 'gtc',
} as const;

describe('flatten one sleeve of three against the emulator', () => {
  const { dir, cleanup } = tempDir('subledger-flatten-');
  let emulator: EmulatorHandle;
  after(async () => {
    await emulator?.close();
    cleanup();
  });

  it('closes exactly its position at the broker; the others unchanged; reconciled; no wash trade', async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    const run = await startAlpacaApp(emulator, join(dir, 'app.db'));
    try {
      const { app } = run;
      const held = (d: DeploymentId) => app.positions(d).map((p) => `${p.symbol} ${p.qty}`);
      for (const d of [A, B, C]) await app.createDeployment({ id: d, initialCapital: dec('10000') });
      await app.submitOrder(A, market('buy', '10'));
      await app.submitOrder(B, market('buy', '7'));
      await app.submitOrder(C, market('buy', '5'));
      emulator.control.advance(1);
      await waitFor(() => [A, B, C].every((d) => app.positions(d).length === 1), 'the three buys to fill');
      const aRest = await app.submitOrder(A, farBuy);
      const bRest = await app.submitOrder(B, farBuy);
      const brokerOrders = emulator.control.venue.allOrders().length;

      const flattener = new Flattener(app, run.clock);
      // As the composition root does: each commit may close a flatten (`done` once A holds nothing).
      const unsubscribe = app.service.subscribe(() => void flattener.settle());
      const result = await flattener.flatten(A, { by: 'admin', reason: 'test' });
      assert.deepEqual(
        result.orders.map((o) => [o.symbol, o.side, o.qty, o.type]),
        [['AAPL', 'sell', '10', 'market']],
      );
      emulator.control.advance(1);
      await waitFor(() => app.positions(A).length === 0, "A's sell to fill");
      await app.router.book.idle();
      await waitFor(() => app.service.state.controls.get(A)!.lastFlatten.at(-1)?.step === 'done', 'flatten done');
      unsubscribe();

      assert.equal(app.getDeployment(A).status, 'stopped');
      assert.deepEqual(
        app
          .listOrders(A, { status: 'all', limit: 10 })
          .map((o) => [o.id === aRest.id ? 'rest' : o.side, o.status])
          .sort(),
        [
          ['buy', 'filled'],
          ['rest', 'canceled'],
          ['sell', 'filled'],
        ],
      );
      assert.deepEqual([held(B), held(C)], [['AAPL 7'], ['AAPL 5']]);
      assert.deepEqual(
        app.listOrders(B, { status: 'open', limit: 10 }).map((o) => [o.id, o.qty, o.limit_price]),
        [[bRest.id, '1', '1']],
      );
      // What the broker saw since: A's cancel and its one closing sell (and any withdrawal and
      // restore of B's buy, never a second sell).
      const since = emulator.control.venue.allOrders().slice(brokerOrders);
      assert.deepEqual(
        since.filter((o) => o.side === 'sell').map((o) => [o.symbol, o.qty, o.type, o.status]),
        [['AAPL', '10', 'market', 'filled']],
      );
      const account = await app.account();
      assert.equal(account.reconciled, true, JSON.stringify(account.differences));
      assert.deepEqual(account.broker.positions, [{ symbol: 'AAPL', qty: '12' }]);
      assert.deepEqual(emulator.control.washTradeAudit(), []);
      assert.deepEqual(emulator.control.rejections(), []);
    } finally {
      await run.stop();
    }
  });
});
