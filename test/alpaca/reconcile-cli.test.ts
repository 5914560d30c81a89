/**
 * `subledger reconcile --broker alpaca` as its own process against an emulator in this process
 * (issue 13, item 2): it names the broker it checked and the account balances; it reads without
 * the writer lease (a writer holds it meanwhile); a dividend the broker booked and the books have
 * not is journaled first, as the store's writer, and said — or, while another process writes the
 * store, said to be pending (the check then shows the cash it explains).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { type Runtime, createRuntime } from '../../src/server.js';
import { subledger } from '../cli/run.js';
import { tempDir } from '../helpers/tmp.js';
import { START, emulatorEnv } from './helpers.js';

const A = 'a' as DeploymentId;
const B = 'b' as DeploymentId;

describe('reconcile --broker alpaca (emulator), as a process', () => {
  let emulator: EmulatorHandle;
  let runtime: Runtime | undefined;
  let env: Record<string, string>;
  const { dir, cleanup } = tempDir('subledger-reconcile-');
  const db = join(dir, 'alpaca.db');
  const reconcile = (...extra: string[]) =>
    subledger(['reconcile', '--broker', 'alpaca', '--db', db, ...extra], { env });

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    env = emulatorEnv(emulator);
    runtime = await createRuntime(loadConfig({ db, broker: 'alpaca', port: '0', logLevel: 'silent' }, env), {
      onLeaseLost: () => assert.fail('lease lost'),
    });
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

  it('names the broker and balances, while another process holds the writer lease', async () => {
    const r = await reconcile();
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], `checked against alpaca ${emulator.url}`);
    assert.equal(lines[2], 'account reconciliation (balanced: Σ sleeves + house = broker):');
    assert.match(r.out, /│ AAPL │ +14 │ +14 │ +0 │/);
    const json = JSON.parse((await reconcile('--json')).out) as Record<string, unknown>;
    assert.deepEqual(
      [json.broker, json.checked, json.reconciled, json.booked_corporate_actions],
      [`alpaca ${emulator.url}`, true, true, 0],
    );
  });

  it('a dividend not booked yet: pending while another process writes (exit 2, said), booked first once it is free', async () => {
    emulator.control.dividend('AAPL', '0.25'); // $3.50 on 14 shares
    const pending = await reconcile();
    assert.equal(pending.code, 2, pending.err);
    assert.match(
      pending.err,
      new RegExp(
        `^note: 1 corporate action\\(s\\) at the broker are not journaled yet, and pid ${process.pid} on \\S+ \\(serve\\) writes this store: it books them; checked without them$`,
        'm',
      ),
    );
    assert.match(pending.out, /account reconciliation \(NOT BALANCED\)/);
    assert.match(pending.out, /│ cash +│ +[\d,.]+ │ +[\d,.]+ │ +3\.5 +<-- DRIFT │/);

    await runtime!.close();
    runtime = undefined;
    const booked = await reconcile();
    assert.equal(booked.code, 0, booked.err);
    assert.deepEqual(booked.out.split('\n').slice(0, 4), [
      `checked against alpaca ${emulator.url}`,
      "booked 1 corporate action(s) from the broker first (dividends and splits; as the store's writer)",
      '',
      'account reconciliation (balanced: Σ sleeves + house = broker):',
    ]);
    const again = await reconcile();
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.out, /booked/);
    const books = JSON.parse((await subledger(['books', '--json', '--db', db])).out) as {
      deployments: { id: string; dividends: string }[];
    };
    assert.deepEqual(
      books.deployments.filter((d) => d.id !== 'house').map((d) => [d.id, d.dividends]),
      [
        ['a', '2.5'],
        ['b', '1'],
      ],
    );
  });
});
