/**
 * The internal book survives SIGKILL (issue 14): a real `serve --broker alpaca` process against a
 * real emulator process. A's far-away resting buy is withdrawn at the broker for B's market sell;
 * the serve process is killed with SIGKILL while B's sell is still working and A's order is away;
 * B's sell fills while nothing runs; a new serve process puts A's order back at the broker under a
 * new broker order — the same order, id, price and quantity in A's sleeve — and the books balance.
 * The emulator's own audit says no two opposite orders that could trade were ever open together,
 * and it refused nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../helpers/tmp.js';
import { drillAuth, json, killAll, pollUntil, startEmulatorProcess, startServeProcess } from './processes.js';

const { admin, tokenOf, auth } = drillAuth('book-restart');

interface Order {
  id: string;
  status: string;
  qty: string;
  limit_price: string | null;
  filled_qty: string;
  at_broker: boolean;
}

describe('the internal book across SIGKILL (serve and emulator processes)', () => {
  const { dir, cleanup } = tempDir('subledger-book-kill-');
  after(async () => {
    await killAll();
    cleanup();
  });

  it("A's withdrawn order goes back to the broker after serve is killed, the same order in A's sleeve", async () => {
    // The market moves only when told (one step = one fill round).
    const emulator = await startEmulatorProcess(['--step-ms', '3600000', '--rate-limit', '0']);
    const db = join(dir, 'book.db');
    const start = (takeOver = false) =>
      startServeProcess(
        ['--broker', 'alpaca', '--db', db, ...auth, ...(takeOver ? ['--take-over'] : [])],
        emulator.env,
      );
    let serve = await start();
    const api = (method: 'GET' | 'POST', path: string, who: Record<string, string>, body?: unknown) =>
      json<Record<string, unknown>>(method, `${serve.url}${path}`, who, body);
    for (const id of ['a', 'b'])
      assert.equal((await api('POST', '/deployments', admin, { id, initial_capital: '10000' })).status, 201);
    const order = (who: string, body: object) =>
      api('POST', `/deployments/${who}/orders`, tokenOf(who), { symbol: 'AAPL', time_in_force: 'day', ...body });
    const positionOf = async (who: string) =>
      ((await api('GET', `/deployments/${who}/positions`, tokenOf(who))).body as unknown as { qty: string }[])[0]
        ?.qty ?? '0';

    assert.equal((await order('b', { side: 'buy', qty: '5', type: 'market' })).status, 201);
    await emulator.control('advance', { steps: 1 });
    assert.equal(
      await pollUntil(
        () => positionOf('b'),
        (q) => q === '5',
        15_000,
      ),
      '5',
    );

    const rest = await order('a', { side: 'buy', qty: '1', type: 'limit', limit_price: '1', time_in_force: 'gtc' });
    assert.equal(rest.status, 201, JSON.stringify(rest.body));
    const sell = await order('b', { side: 'sell', qty: '5', type: 'market' });
    assert.equal(sell.status, 201, JSON.stringify(sell.body));
    const away = (await api('GET', '/deployments/a/orders?status=open', tokenOf('a'))).body as unknown as Order[];
    assert.deepEqual(
      away.map((o) => [o.id, o.status, o.limit_price, o.qty, o.at_broker]),
      [[rest.body.id, 'new', '1', '1', false]],
    );

    await serve.proc.kill(); // SIGKILL: A's order is away from the broker, B's sell still working
    await emulator.control('advance', { steps: 1 }); // B's sell fills while nothing runs

    serve = await start(true); // the dead process still holds the lease: take it over, as after any crash
    const back = await pollUntil(
      async () => (await api('GET', '/deployments/a/orders?status=open', tokenOf('a'))).body as unknown as Order[],
      (orders) => orders[0]?.at_broker === true,
      20_000,
    );
    assert.deepEqual(
      back.map((o) => [o.id, o.status, o.limit_price, o.qty, o.filled_qty, o.at_broker]),
      [[rest.body.id, 'new', '1', '1', '0', true]],
    );
    assert.equal(await positionOf('b'), '0', "B's sell, filled while serve was dead, is booked");
    const open = (
      await json<{ client_order_id: string; side: string; qty: string; limit_price: string }[]>(
        'GET',
        `${emulator.url}/v2/orders?status=open`,
        emulator.headers,
      )
    ).body;
    assert.deepEqual(
      open.map((o) => [o.side, o.qty, o.limit_price]),
      [['buy', '1', '1']],
    );
    assert.notEqual(open[0]!.client_order_id, rest.body.id, 'a new broker order: Alpaca never takes an id twice');
    assert.deepEqual((await json('GET', `${emulator.url}/_control/audit`, {})).body, []);
    assert.deepEqual((await json('GET', `${emulator.url}/_control/rejections`, {})).body, []);
    const account = (await api('GET', '/account', admin)).body as { reconciled: boolean; differences: unknown };
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
  });
});
