/**
 * An unreachable or timing-out broker is `503 BROKER_UNAVAILABLE` (retryable) on every route that
 * needs it — never a 500. The real HTTP app over a real Subledger (SQLite journal) trading through
 * the Alpaca adapter against the emulator; then the emulator is stopped (connection refused), or
 * made to answer later than the adapter waits (timeouts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import type { AlpacaBroker } from '../../src/adapters/alpaca/index.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { Subledger } from '../../src/app/subledger.js';
import type { Symbol } from '../../src/core/ids.js';
import { Engine } from '../../src/engine/engine.js';
import { sampleStrategies } from '../../src/engine/strategies/index.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { buildServer } from '../../src/http/server.js';
import { tempDir } from '../helpers/tmp.js';
import { START, adapterFor, memoryCursors } from './helpers.js';

const ADMIN = 'admin-token-for-broker-tests';
const AUTH = { adminToken: ADMIN, tokenSecret: 'secret-for-broker-tests-0001' };

interface Served {
  emulator: EmulatorHandle;
  broker: AlpacaBroker;
  http: FastifyInstance;
  /** An open limit order with a broker id (cancelable). */
  openOrderId: string;
  call(method: string, url: string, payload?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

async function serve(): Promise<Served> {
  const { dir, cleanup } = tempDir('subledger-unavailable-');
  const emulator = await startEmulator({ start: START, stepMs: 60_000, rateLimitPerMinute: false });
  const store = await openWriterStore(join(dir, 'app.db'), 'test');
  const clock = { now: () => new Date(emulator.control.stats().now) };
  const service = await LedgerService.load(store, clock);
  // No read retries and a short timeout, so each failure shows within the test's time.
  const broker = adapterFor(emulator, memoryCursors(), { readRetries: 0, timeoutMs: 300 });
  const app = new Subledger({ service, broker, market: broker, clock, onError: () => undefined });
  await app.start();
  await broker.ready();
  const engine = new Engine(
    { app: app.engine, market: broker, clock, registry: sampleStrategies(), wait: async () => undefined },
    { universe: ['AAPL', 'MSFT'] as Symbol[] },
  );
  const http = buildServer({
    api: app,
    auth: AUTH,
    rebalances: {
      listRebalances: (n) => engine.listRebalances(n),
      getRebalance: (id) => engine.getRebalance(id),
      rebalance: (dryRun) => engine.rebalance(dryRun),
    },
  });
  const call = async (method: string, url: string, payload?: unknown) => {
    const res = await http.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${ADMIN}` },
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const created = await call('POST', '/deployments', {
    id: 'fixed',
    initial_capital: '20000',
    strategy: 'fixed-weight',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const order = await call('POST', '/deployments/fixed/orders', {
    symbol: 'AAPL',
    side: 'buy',
    type: 'limit',
    limit_price: '1',
    qty: '1',
  });
  assert.equal(order.status, 201, JSON.stringify(order.body));
  assert.ok(order.body.broker_order_id, 'the order reached the broker');
  return {
    emulator,
    broker,
    http,
    openOrderId: order.body.id as string,
    call,
    async close() {
      emulator.control.clearDelays();
      await http.close();
      await app.stop();
      await broker.close();
      await emulator.close().catch(() => undefined);
      await store.close();
      cleanup();
    },
  };
}

/** Every route that needs the broker, with what it sends. */
const brokerRoutes = (s: Served): [string, string, unknown?][] => [
  ['POST', '/deployments/fixed/orders', { symbol: 'AAPL', side: 'buy', type: 'market', qty: '1' }],
  ['DELETE', `/deployments/fixed/orders/${s.openOrderId}`],
  ['GET', '/account'],
  ['GET', '/account/reconciliation'],
  ['POST', '/rebalances', { dry_run: true }],
];

function assertUnavailable(route: string, res: { status: number; body: Record<string, unknown> }): void {
  assert.equal(res.status, 503, `${route}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, 'BROKER_UNAVAILABLE', route);
  assert.match(String(res.body.message), /^BROKER_UNAVAILABLE: could not reach the broker \(Alpaca .+\)/, route);
  assert.equal((res.body.details as Record<string, unknown>).retryable, true, route);
}

describe('an unreachable broker answers 503 BROKER_UNAVAILABLE, retryable, on every route that needs it', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it('when the broker is gone (connection refused)', async () => {
    served = await serve();
    await served.emulator.close();
    for (const [method, url, payload] of brokerRoutes(served))
      assertUnavailable(`${method} ${url}`, await served.call(method, url, payload));
    const health = await served.call('GET', '/health');
    assert.equal(health.status, 503);
    assert.match(String(health.body.broker), /^unreachable: Alpaca GET \/v2\/account: no answer/);
    // Routes that need no broker still answer from the books.
    assert.equal((await served.call('GET', '/deployments/fixed/metrics')).status, 200);
  });

  it('when the broker answers later than the adapter waits (timeouts)', async () => {
    served = await serve();
    served.emulator.control.delay({ path: '/v2', ms: 2_000, phase: 'before' });
    for (const [method, url, payload] of brokerRoutes(served)) {
      const res = await served.call(method, url, payload);
      assertUnavailable(`${method} ${url}`, res);
      assert.match(String(res.body.message), /timed out/, `${method} ${url}`);
    }
  });
});
