/**
 * The whole fill path on the Alpaca adapter: a real Subledger (SQLite journal) trading through the
 * adapter against the emulator. Two deployments' fills are attributed by client order id and the
 * books reconcile to the broker; a wash-trade refusal marks the order rejected with the broker's
 * words and releases its reservation; and a crash while fills arrive, followed by a restart on the
 * same journal and cursor store, loses nothing and doubles nothing — also when Alpaca's FILL
 * activity ids do not carry the stream's execution ids (FACTS §2.1 leaves that open).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import type { AlpacaBroker } from '../../src/adapters/alpaca/index.js';
import { AppError } from '../../src/app/errors.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { Subledger } from '../../src/app/subledger.js';
import { dec } from '../../src/core/decimal.js';
import { type ClientOrderId, type DeploymentId, HOUSE, type Symbol } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { tempDir } from '../helpers/tmp.js';
import { START, adapterFor, memoryCursors, waitFor } from './helpers.js';

const A = 'a' as DeploymentId;
const B = 'b' as DeploymentId;

interface Running {
  app: Subledger;
  broker: AlpacaBroker;
  /** Resolves once every trade update published since start-up was delivered. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

for (const fillActivityIds of ['execution_id', 'independent'] as const)
  describe(`Subledger on the Alpaca adapter against the emulator (FILL activity ids: ${fillActivityIds})`, () => {
    let emulator: EmulatorHandle;
    let run: Running;
    const cursors = memoryCursors();
    const errors: unknown[] = [];
    const { dir, cleanup } = tempDir('subledger-alpaca-');
    const dbPath = join(dir, 'app.db');

    const start = async (): Promise<Running> => {
      const store = await openWriterStore(dbPath, 'test');
      const clock = { now: () => new Date(emulator.control.stats().now) };
      const service = await LedgerService.load(store, clock);
      const broker = adapterFor(emulator, cursors, {}, errors);
      const app = new Subledger({ service, broker, market: broker, clock, onError: (e) => errors.push(e) });
      await app.start();
      await broker.ready();
      const published = emulator.control.stats().published;
      const delivered = broker.stats().delivered;
      return {
        app,
        broker,
        async settle() {
          const target = emulator.control.stats().published - published;
          await waitFor(() => broker.stats().delivered - delivered >= target, 'reports');
          await broker.idle();
        },
        async stop() {
          await app.stop();
          await broker.close();
          await store.close();
        },
      };
    };
    const openOrders = (id: DeploymentId) => run.app.listOrders(id, { status: 'open', limit: 100 });
    /** Steps the emulator until the deployments have no open order and every report is booked. */
    const fillAll = async (...ids: DeploymentId[]) => {
      for (let i = 0; i < 30 && ids.some((id) => openOrders(id).length > 0); i++) {
        emulator.control.advance(1);
        await run.settle();
      }
      assert.deepEqual(ids.flatMap(openOrders), []);
    };
    const fillsOf = (clientOrderIdPrefix: string) =>
      emulator.control.venue
        .activities()
        .filter((a) => a.activity_type === 'FILL')
        .filter((a) =>
          emulator.control.venue
            .allOrders()
            .find((o) => o.id === a.order_id)!
            .client_order_id.startsWith(clientOrderIdPrefix),
        );

    before(async () => {
      emulator = await startEmulator({ start: START, stepMs: 60_000, maxQtyPerStep: '4', fillActivityIds });
      run = await start();
      await run.app.createDeployment({ id: A, initialCapital: dec('10000') });
      await run.app.createDeployment({ id: B, initialCapital: dec('10000') });
    });
    after(async () => {
      await run.stop();
      await emulator.close();
      cleanup();
    });

    it("books each deployment's partial fills to it, and the books reconcile to the broker", async () => {
      await run.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
      await run.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('5'), type: 'market', timeInForce: 'day' });
      await fillAll(A, B);
      assert.deepEqual([run.app.positions(A)[0]!.qty, run.app.positions(B)[0]!.qty], ['10', '5']);
      const trades = await run.app.trades(A, { limit: 100 });
      assert.equal(trades.trades.length, fillsOf('s.a.').length);
      assert.ok(trades.trades.length > 1, 'partial fills');
      const account = await run.app.account();
      assert.ok(account.reconciled, JSON.stringify(account.differences));
      assert.deepEqual(errors, []);
    });

    it("a wash-trade refusal marks the order rejected with the broker's words and frees its cash", async () => {
      // An order placed at the broker by hand (not through Subledger): the house's, which the
      // internal book never moves, so the broker judges B's order against it.
      const manual = emulator.control.venue.submit({
        clientOrderId: 'by-hand-1' as ClientOrderId,
        symbol: 'AAPL' as Symbol,
        side: 'sell',
        qty: dec('5'),
        type: 'limit',
        limitPrice: dec('1000'),
        timeInForce: 'gtc',
      });
      assert.ok(manual.ok);
      if (!manual.ok) return;
      await run.settle();
      await assert.rejects(
        run.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('1'), type: 'market', timeInForce: 'day' }),
        (e: unknown) => {
          assert.ok(e instanceof AppError);
          assert.equal(e.code, 'BROKER_REJECTED');
          assert.deepEqual(
            [e.details.broker_code, e.details.broker_message, e.details.other_deployments],
            ['wash_trade', 'potential wash trade detected. use complex orders', ['house']],
          );
          assert.match(e.message, /\(on this shared account, house also holds orders or a position in AAPL\)$/);
          return true;
        },
      );
      const [rejected] = run.app.listOrders(B, { status: 'all', limit: 1 });
      assert.deepEqual(
        [rejected!.status, rejected!.reason],
        ['rejected', 'potential wash trade detected. use complex orders'],
      );
      assert.equal(run.app.metrics(B).reserved_cash, '0');
      assert.ok(emulator.control.venue.cancel(manual.order.id).ok);
      const houseOpen = () =>
        [...run.app.service.state.orders.values()].some((o) => o.deployment === HOUSE && o.status !== 'canceled');
      await waitFor(() => !houseOpen(), 'the cancel to be booked');
    });

    it('a crash while fills arrive, then a restart: nothing lost, nothing doubled', async () => {
      await run.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('20'), type: 'market', timeInForce: 'day' });
      emulator.control.advance(1);
      await waitFor(() => run.app.positions(B)[0]!.qty === '9', 'the first fill of 4');
      await run.stop(); // the process dies: no shutdown work beyond sockets and files closing
      emulator.control.advance(3); // 12 more shares fill while Subledger is down
      run = await start();
      assert.equal(run.app.positions(B)[0]!.qty, '21', 'the fills made while down are booked at start-up');
      await fillAll(B);
      assert.equal(run.app.positions(B)[0]!.qty, '25');
      const trades = await run.app.trades(B, { limit: 100 });
      const ids = trades.trades.map((t) => t.fill_id);
      assert.equal(new Set(ids).size, ids.length, 'no fill booked twice');
      assert.equal(ids.length, fillsOf('s.b.').length, 'every fill booked');
      if (fillActivityIds === 'execution_id') {
        assert.deepEqual(
          ids.sort(),
          fillsOf('s.b.')
            .map((a) => a.id.split('::')[1])
            .sort(),
        );
      }
      const account = await run.app.account();
      assert.ok(account.reconciled, JSON.stringify(account.differences));
      assert.deepEqual(errors, []);
    });
  });
