/**
 * The runtime as `serve --broker alpaca` builds it (the composition root, not a hand-wired app)
 * against the emulator: a dividend the broker books reaches the sleeves that hold the symbol, and
 * the account reconciles. Before the broker was passed whole, the runtime's broker had no
 * `corporateActions`, so the dividend was never booked and the cash drifted for ever.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { type Runtime, createRuntime } from '../../src/server.js';
import { tempDir } from '../helpers/tmp.js';
import { START, emulatorEnv } from './helpers.js';

const A = 'a' as DeploymentId;
const B = 'b' as DeploymentId;

describe('the composition root on Alpaca (emulator)', () => {
  let emulator: EmulatorHandle;
  let runtime: Runtime;
  const { dir, cleanup } = tempDir('subledger-root-');

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    const config = loadConfig({ db: join(dir, 'root.db'), broker: 'alpaca', port: '0' }, emulatorEnv(emulator));
    runtime = await createRuntime(config, { onLeaseLost: () => assert.fail('lease lost') });
    const { app } = runtime;
    await app.createDeployment({ id: A, initialCapital: dec('20000') });
    await app.createDeployment({ id: B, initialCapital: dec('20000') });
    await app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('4'), type: 'market', timeInForce: 'day' });
    const open = () =>
      app.listOrders(A, { status: 'open', limit: 5 }).length + app.listOrders(B, { status: 'open', limit: 5 }).length;
    for (let i = 0; i < 40 && open() > 0; i++) {
      emulator.control.advance(1);
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.equal(open(), 0, 'both orders filled');
  });
  after(async () => {
    await runtime?.close();
    await emulator?.close();
    cleanup();
  });

  it('books a dividend paid by the broker to each holder, and the account reconciles', async () => {
    const { app } = runtime;
    assert.equal((await app.account()).reconciled, true);
    emulator.control.dividend('AAPL', '0.25');
    assert.equal(await app.syncCorporateActions(), 1);
    assert.deepEqual([app.metrics(A).dividends, app.metrics(B).dividends], ['2.5', '1']);
    const account = await app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
  });
});
