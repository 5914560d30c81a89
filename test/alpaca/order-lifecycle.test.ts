/**
 * The order lifecycle against the emulator, with the real app on a SQLite journal: an order
 * journaled but never sent (a crash between the journal and the POST) is sent once at start-up;
 * one sent but whose answer was never journaled is adopted, not sent again; an idempotent retry of
 * a pending order answers its resolved state; one too old to send expires with the reason; and a
 * cancel during a delayed submit ends as the broker says, without ever freeing cash early.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import type { AlpacaBroker } from '../../src/adapters/alpaca/index.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { Subledger } from '../../src/app/subledger.js';
import { makeClientOrderId } from '../../src/app/trading/client-order-id.js';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { tempDir } from '../helpers/tmp.js';
import { START, adapterFor, control, memoryCursors, waitFor } from './helpers.js';

const A = 'a' as DeploymentId;
const AAPL = 'AAPL' as Symbol;

interface Running {
  app: Subledger;
  service: LedgerService;
  broker: AlpacaBroker;
  stop(): Promise<void>;
}

async function harness() {
  const { dir, cleanup } = tempDir('subledger-lifecycle-');
  const emulator: EmulatorHandle = await startEmulator({ start: START, stepMs: 60_000 });
  const cursors = memoryCursors();
  const dbPath = join(dir, 'app.db');
  const clock = { now: () => new Date(emulator.control.stats().now) };
  const start = async (): Promise<Running> => {
    const store = await openWriterStore(dbPath, 'test');
    const service = await LedgerService.load(store, clock);
    const broker = adapterFor(emulator, cursors);
    const app = new Subledger({ service, broker, market: broker, clock, onError: () => undefined });
    await app.start();
    await broker.ready();
    return {
      app,
      service,
      broker,
      async stop() {
        await app.stop();
        await broker.close();
        await store.close();
      },
    };
  };
  /** The emulator's orders by client order id (every status). */
  const atBroker = async () => {
    const response = await fetch(`${emulator.url}/v2/orders?status=all&limit=500`, {
      headers: { 'APCA-API-KEY-ID': emulator.keyId, 'APCA-API-SECRET-KEY': emulator.secretKey },
    });
    return (await response.json()) as { client_order_id: string; status: string; filled_qty: string }[];
  };
  return { emulator, start, atBroker, clock, dispose: async () => (await emulator.close(), cleanup()) };
}

/** What the router journals before it sends: the order, with its reservation. */
const journaled = (id: string, ts: string, qty = '10') => ({
  type: 'order_submitted' as const,
  id,
  deployment: A,
  symbol: AAPL,
  side: 'buy' as const,
  qty: dec(qty),
  orderType: 'market' as const,
  limitPrice: null,
  timeInForce: 'day' as const,
  reservePrice: dec('200'),
  idempotencyKey: 'k-1',
  ts,
});

describe('order lifecycle: the broker is the authority', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('sends at start-up, once, an order journaled before a crash but never sent; adopts one sent but never recorded', async () => {
    const h = await harness();
    cleanups.push(h.dispose);
    let run = await h.start();
    await run.app.createDeployment({ id: A, initialCapital: dec('10000') });
    const now = h.clock.now();
    const unsent = makeClientOrderId(A, now.getTime(), 1);
    const unrecorded = makeClientOrderId(A, now.getTime(), 2);
    // The crash: both orders are journaled; only the second reached the broker, its answer lost.
    await run.service.append([
      journaled(unsent, now.toISOString()),
      { ...journaled(unrecorded, now.toISOString(), '5'), idempotencyKey: null },
    ]);
    await run.stop();
    // It reached the broker while nothing listened, and its answer was never journaled.
    const posted = await fetch(`${h.emulator.url}/v2/orders`, {
      method: 'POST',
      headers: {
        'APCA-API-KEY-ID': h.emulator.keyId,
        'APCA-API-SECRET-KEY': h.emulator.secretKey,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        client_order_id: unrecorded,
        symbol: 'AAPL',
        side: 'buy',
        qty: '5',
        type: 'market',
        time_in_force: 'day',
      }),
    });
    assert.equal(posted.status, 200);

    run = await h.start();
    cleanups.push(() => run.stop());
    const result = await run.app.resolveAllOrders();
    // The unsent one is sent; the unrecorded one is adopted (by this sweep, or already by the
    // stream's report of it on reconnect), never sent again.
    assert.deepEqual([result.sent, result.expired, result.failed], [1, 0, 0]);
    const orders = await h.atBroker();
    assert.deepEqual(
      orders.map((o) => o.client_order_id).sort(),
      [unsent, unrecorded].sort(),
      'each order at the broker exactly once',
    );
    assert.deepEqual(
      run.app.listOrders(A, { status: 'all', limit: 10 }).map((o) => [o.id, o.status]),
      [
        [unrecorded, 'new'],
        [unsent, 'new'],
      ].sort((x, y) => (x[0]! < y[0]! ? 1 : -1)),
    );
    // A second sweep finds nothing to do: nothing is ever sent twice.
    assert.deepEqual(await run.app.resolveAllOrders(), { adopted: 0, sent: 0, expired: 0, canceled: 0, failed: 0 });
    h.emulator.control.advance(1);
    await waitFor(() => run.app.listOrders(A, { status: 'open', limit: 10 }).length === 0, 'both filled');
    assert.equal((await h.atBroker()).length, 2);
  });

  it('answers an idempotent retry of a pending order with its resolved state, and expires one too old to send', async () => {
    const h = await harness();
    cleanups.push(h.dispose);
    const run = await h.start();
    cleanups.push(() => run.stop());
    await run.app.createDeployment({ id: A, initialCapital: dec('10000') });
    const now = h.clock.now();
    const pending = makeClientOrderId(A, now.getTime(), 3);
    const stale = makeClientOrderId(A, now.getTime() - 11 * 60_000, 4);
    await run.service.append([
      journaled(pending, now.toISOString()),
      { ...journaled(stale, new Date(now.getTime() - 11 * 60_000).toISOString()), idempotencyKey: 'k-old' },
    ]);
    const retried = await run.app.submitOrder(A, {
      symbol: AAPL,
      side: 'buy',
      qty: dec('10'),
      type: 'market',
      timeInForce: 'day',
      idempotencyKey: 'k-1',
    });
    assert.equal(retried.id, pending);
    assert.equal(retried.status, 'new');
    assert.notEqual(retried.broker_order_id, null);
    const old = await run.app.submitOrder(A, {
      symbol: AAPL,
      side: 'buy',
      qty: dec('10'),
      type: 'market',
      timeInForce: 'day',
      idempotencyKey: 'k-old',
    });
    assert.deepEqual(
      [old.id, old.status, old.reason, old.reserved_cash],
      [stale, 'expired', 'never reached the broker; not sent 11 min late', '0'],
    );
    assert.deepEqual(
      (await h.atBroker()).map((o) => o.client_order_id),
      [pending],
    );
  });

  it('a cancel during a delayed submit ends as the broker says, and the cash stays reserved until then', async () => {
    const h = await harness();
    cleanups.push(h.dispose);
    const run = await h.start();
    cleanups.push(() => run.stop());
    await run.app.createDeployment({ id: A, initialCapital: dec('10000') });
    // The broker takes the order at once but answers 300 ms late.
    await control(h.emulator, 'delay', { method: 'POST', path: '/v2/orders', ms: 300, times: 1, phase: 'after' });
    const submitting = run.app.submitOrder(A, {
      symbol: AAPL,
      side: 'buy',
      qty: dec('10'),
      type: 'limit',
      limitPrice: dec('150'),
      timeInForce: 'day',
    });
    await waitFor(() => run.app.listOrders(A, { status: 'all', limit: 1 }).length === 1, 'the order journaled');
    const [journaledOrder] = run.app.listOrders(A, { status: 'all', limit: 1 });
    const canceled = await run.app.cancelOrder(A, journaledOrder!.id);
    assert.deepEqual([canceled.status, canceled.broker_order_id], ['pending_cancel', null]);
    // Still reserved: the broker may fill it until it says otherwise.
    assert.equal(run.app.metrics(A).buying_power, '8500');
    const sent = await submitting;
    assert.equal(sent.id, journaledOrder!.id);
    await waitFor(() => run.app.listOrders(A, { status: 'open', limit: 5 }).length === 0, 'the broker cancel');
    const [final] = run.app.listOrders(A, { status: 'all', limit: 1 });
    const [broker] = await h.atBroker();
    assert.deepEqual([final!.status, final!.filled_qty], [broker!.status, broker!.filled_qty]);
    assert.deepEqual([final!.status, toPlain(dec(final!.filled_qty))], ['canceled', '0']);
    assert.equal(run.app.metrics(A).buying_power, '10000');
  });
});
