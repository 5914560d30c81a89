/**
 * Corporate actions from Alpaca's account activities: a DIV booked by the broker is journaled and
 * paid to each sleeve holding the symbol (pro rata to what each holds), and the account still
 * reconciles; a re-sync adds nothing. The SPLIT legs' ratio is read from the REMOVE/ADD pair.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { corporateActionsOf } from '../../src/adapters/alpaca/corporate-actions.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { Subledger } from '../../src/app/subledger.js';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import type { StorePort } from '../../src/app/ports/store-port.js';
import type { AlpacaBroker } from '../../src/adapters/alpaca/index.js';
import { tempDir } from '../helpers/tmp.js';
import { START, adapterFor, memoryCursors } from './helpers.js';

const A = 'a' as DeploymentId;
const B = 'b' as DeploymentId;

describe('split legs', () => {
  it('gives the ratio added ÷ removed, and ignores canceled rows', () => {
    const row = (id: string, qty: string, status = 'executed') => ({
      id,
      activity_type: 'SPLIT',
      activity_sub_type: 'FSPLIT',
      date: '2025-01-06',
      created_at: undefined,
      net_amount: dec('0'),
      symbol: 'AAPL',
      qty: dec(qty),
      group_id: 'g1',
      status,
    });
    const actions = corporateActionsOf([row('r1', '-10'), row('r2', '30')] as never);
    assert.deepEqual(
      actions.map((a) => [a.kind, a.symbol, a.kind === 'split' ? toPlain(a.ratio) : '', a.ts]),
      [['split', 'AAPL', '3', '2025-01-06T00:00:00Z']],
    );
    assert.deepEqual(corporateActionsOf([row('r1', '-10', 'canceled'), row('r2', '30')] as never), []);
  });
});

describe('a dividend booked by Alpaca reaches the sleeves', () => {
  let emulator: EmulatorHandle;
  let store: StorePort;
  let broker: AlpacaBroker;
  let app: Subledger;
  const { dir, cleanup } = tempDir('subledger-ca-');
  before(async () => {
    emulator = await startEmulator({ start: START, rateLimitPerMinute: false });
    store = await openWriterStore(join(dir, 'ca.db'), 'test');
    const clock = { now: () => new Date(emulator.control.stats().now) };
    const service = await LedgerService.load(store, clock);
    broker = adapterFor(emulator, memoryCursors(), {}, []);
    app = new Subledger({ service, broker, market: broker, clock });
    await app.start();
    await broker.ready();
    await app.createDeployment({ id: A, initialCapital: dec('20000') });
    await app.createDeployment({ id: B, initialCapital: dec('20000') });
    await app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('4'), type: 'market', timeInForce: 'day' });
    for (
      let i = 0;
      i < 20 &&
      app.listOrders(A, { status: 'open', limit: 5 }).length + app.listOrders(B, { status: 'open', limit: 5 }).length >
        0;
      i++
    ) {
      emulator.control.advance(1);
      await new Promise((r) => setTimeout(r, 30));
      await broker.idle();
    }
  });
  after(async () => {
    await app.stop();
    await broker.close();
    await store.close();
    await emulator.close();
    cleanup();
  });

  it('pays each holder qty × amount, and the account reconciles', async () => {
    assert.equal((await app.account()).reconciled, true);
    emulator.control.dividend('AAPL', '0.25');
    assert.equal(await app.syncCorporateActions(), 1);
    assert.equal(app.metrics(A).dividends, '2.5');
    assert.equal(app.metrics(B).dividends, '1');
    const account = await app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
    assert.equal(await app.syncCorporateActions(), 0);
  });
});
