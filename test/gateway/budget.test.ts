/**
 * The account's broker budget shared fairly among the deployments trading through the gateway:
 * each gets the budget divided by the deployments holding a live key; a bot over its share gets
 * 429 with Retry-After, the others go on; reads are never counted (they never reach the broker).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import { RequestBudget } from '../../src/gateway/budget.js';
import { GatewayKeys } from '../../src/gateway/keys.js';
import { type Gateway, buildGateway } from '../../src/gateway/server.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

describe('RequestBudget', () => {
  it('gives each sharer floor(budget / sharers) per rolling minute, and says when to retry', () => {
    let now = 1_000_000;
    let sharers = 2;
    const budget = new RequestBudget({ perMinute: 7, sharers: () => sharers, now: () => now });
    assert.equal(budget.share(), 3);
    assert.deepEqual([budget.take('a'), budget.take('a')], [{ ok: true }, { ok: true }]);
    now += 20_000;
    assert.deepEqual(budget.take('a'), { ok: true });
    assert.deepEqual(budget.take('a'), { ok: false, retryAfterSeconds: 40, share: 3 });
    assert.deepEqual(budget.take('b'), { ok: true }, 'the other sharer is not affected');
    now += 40_000; // the first two leave the window
    assert.deepEqual(budget.take('a'), { ok: true });
    sharers = 7;
    assert.equal(budget.share(), 1);
    assert.deepEqual(budget.take('b'), { ok: false, retryAfterSeconds: 20, share: 1 });
  });
});

describe('the gateway holds each deployment to its share', () => {
  let t: TestApp;
  let gateway: Gateway;
  let base: string;
  const creds = new Map<string, Record<string, string>>();
  const order = (who: string, n: number) =>
    fetch(`${base}/v2/orders`, {
      method: 'POST',
      headers: { ...creds.get(who)!, 'content-type': 'application/json' },
      body: JSON.stringify({
        symbol: 'AAPL',
        qty: '1',
        side: 'buy',
        type: 'limit',
        limit_price: '1',
        time_in_force: 'gtc',
        client_order_id: `${who}-${n}`,
      }),
    });

  before(async () => {
    t = await startTestApp({ seed: 4 });
    const keys = GatewayKeys.inMemory();
    for (const id of ['a', 'b']) {
      await t.app.createDeployment({ id: id as DeploymentId, initialCapital: dec('10000') });
      const { keyId, secret } = await keys.create(id);
      creds.set(id, { 'APCA-API-KEY-ID': keyId, 'APCA-API-SECRET-KEY': secret });
    }
    gateway = await buildGateway({
      app: t.app,
      keys,
      market: t.broker,
      clock: t.broker.clock,
      hours: usEquityHours,
      brokerRequestsPerMinute: 4,
    });
    base = await gateway.fastify.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await gateway.close();
    await t.close();
  });

  it('answers 429 with Retry-After to the bot over its share (2 of 4/min), never to the other; reads are free', async () => {
    assert.deepEqual([(await order('a', 1)).status, (await order('a', 2)).status], [200, 200]);
    const over = await order('a', 3);
    assert.equal(over.status, 429);
    assert.match(String(over.headers.get('retry-after')), /^[1-9]\d*$/);
    assert.deepEqual(await over.json(), {
      code: 42910000,
      message: `too many requests: this deployment's share of the account's broker budget is 2 requests/min; retry in ${over.headers.get('retry-after')} s`,
    });
    assert.equal((await order('b', 1)).status, 200, 'b still has its share');
    for (let i = 0; i < 5; i++)
      assert.equal((await fetch(`${base}/v2/orders?status=all`, { headers: creds.get('a')! })).status, 200);
    assert.deepEqual(
      t.app.listOrders('a' as DeploymentId, { status: 'all', limit: 10 }).map((o) => o.idempotency_key),
      ['a-2', 'a-1'],
      'the refused request placed nothing',
    );
  });
});
