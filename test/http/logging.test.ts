/**
 * Structured logs: one JSON line per request (request id, method, route, status, duration), the
 * error of a 500 under the request id its answer names, broker trouble as 503 BROKER_UNAVAILABLE,
 * a corrupt journal entry as fatal — on the real application (SQLite file, paper broker) — and no
 * token or secret in any line, checked on the real runtime (`createRuntime`, Alpaca adapter
 * against the emulator) with the most verbose level.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, after, describe, it } from 'node:test';
import { BrokerUnavailableError } from '../../src/app/ports/broker-port.js';
import { JournalCorruptError } from '../../src/app/errors.js';
import { PriceFetchError } from '../../src/app/marks/price-updater.js';
import { loadConfig } from '../../src/config.js';
import { startEmulator } from '../../src/emulator/index.js';
import { createLogger, safeLocation } from '../../src/logging.js';
import { createRuntime } from '../../src/server.js';
import { tempDir } from '../helpers/tmp.js';
import { ADMIN, setUp, tokenOf } from './fixture.js';

/** A pino logger writing into memory; `lines()` parses what it wrote. */
function memoryLogger(level: 'trace' | 'info' = 'info') {
  const chunks: string[] = [];
  const logger = createLogger({ level, destination: { write: (chunk: string) => void chunks.push(chunk) } });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** The real app behind a server that logs into memory. */
async function served(t: TestContext, options: { onFatal?: (error: Error) => void } = {}) {
  const log = memoryLogger();
  const fx = await setUp(t, { logger: log.logger, ...options });
  return { fx, app: fx.app, log };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request logs', () => {
  it('one line per request: request id, method, route, url, status, duration, principal', async (t) => {
    const { app, log } = await served(t);
    const res = await app.inject({ url: '/deployments/alpha/metrics', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.statusCode, 200);
    const id = String(res.headers['x-request-id']);
    assert.match(id, UUID);
    const lines = log.lines().filter((l) => l.msg === 'request');
    assert.equal(lines.length, 1);
    const { time, duration_ms, pid, hostname, ...line } = lines[0]!;
    assert.ok(typeof time === 'string' && typeof pid === 'number' && typeof hostname === 'string');
    assert.ok(typeof duration_ms === 'number' && duration_ms >= 0);
    assert.deepEqual(line, {
      level: 'info',
      req_id: id,
      method: 'GET',
      route: '/deployments/:id/metrics',
      url: '/deployments/alpha/metrics',
      status: 200,
      principal: 'admin',
      msg: 'request',
    });
    assert.ok(!log.text().includes(ADMIN), 'the token is never logged');
  });

  it("keeps the caller's X-Request-Id when it is a plain token, else makes one", async (t) => {
    const { app, log } = await served(t);
    const kept = await app.inject({ url: '/health', headers: { 'x-request-id': 'bot-7.order:42' } });
    assert.equal(kept.headers['x-request-id'], 'bot-7.order:42');
    const replaced = await app.inject({ url: '/health', headers: { 'x-request-id': 'not ok; <script>' } });
    assert.match(String(replaced.headers['x-request-id']), UUID);
    assert.deepEqual(
      log
        .lines()
        .filter((l) => l.msg === 'request')
        .map((l) => l.req_id),
      ['bot-7.order:42', replaced.headers['x-request-id']],
    );
  });

  it('hides the values of secret-looking query parameters; an unknown token is a 401 with no token logged', async (t) => {
    const { app, log } = await served(t);
    const res = await app.inject({
      url: '/deployments/alpha/trades?limit=5&access_token=abc123secret',
      headers: { authorization: 'Bearer sld_alpha_wrong-token-value' },
    });
    assert.equal(res.statusCode, 401);
    const line = log.lines().find((l) => l.msg === 'request')!;
    assert.equal(line.url, '/deployments/alpha/trades?limit=5&access_token=%5Bredacted%5D');
    assert.equal(line.status, 401);
    assert.ok(!log.text().includes('abc123secret') && !log.text().includes('wrong-token-value'));
  });

  it('a 500 is logged with its error under the request id its answer names', async (t) => {
    const { fx, app, log } = await served(t);
    await fx.t.store.close(); // the database goes away under the app: its next query throws
    const res = await app.inject({ url: '/deployments/alpha/trades', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.statusCode, 500);
    const id = res.headers['x-request-id'];
    assert.deepEqual(res.json(), {
      code: 'INTERNAL',
      message: 'An unexpected error occurred; it has been logged.',
      details: { request_id: id },
    });
    const lines = log.lines().filter((l) => l.req_id === id);
    const error = lines.find((l) => l.msg === 'unexpected error')!;
    assert.equal(error.level, 'error');
    // Kysely's words for a query on a closed store, with the stack that led there.
    assert.equal((error.err as { message: string }).message, 'driver has already been destroyed');
    assert.match((error.err as { stack: string }).stack, /^Error: driver has already been destroyed\n\s+at /);
    assert.deepEqual(
      lines.filter((l) => l.msg === 'request').map((l) => [l.level, l.status]),
      [['error', 500]],
    );
  });

  it('an unreachable broker, or a failure it caused, is 503 BROKER_UNAVAILABLE (retryable), logged as a warning', async (t) => {
    const { fx, app, log } = await served(t);
    const get = () => app.inject({ url: '/account', headers: { authorization: `Bearer ${ADMIN}` } });
    const unavailable = (what: string) => ({
      code: 'BROKER_UNAVAILABLE',
      message: `BROKER_UNAVAILABLE: could not reach the broker (${what}); retry later`,
      details: { retryable: true },
    });
    fx.t.link.down = true;
    const cut = await get();
    assert.equal(cut.statusCode, 503);
    assert.deepEqual(cut.json(), unavailable('paper broker account: connection refused'));
    fx.t.link.down = false;
    // A failure an unreachable broker caused, planted in the real app (no route meets one on demand).
    const unreachable = new BrokerUnavailableError('Alpaca GET /v2/account: timed out');
    fx.t.app.account = async () => {
      throw new PriceFetchError('price update failed: Alpaca GET /v2/account: timed out', true, { cause: unreachable });
    };
    const caused = await get();
    assert.equal(caused.statusCode, 503);
    assert.deepEqual(caused.json(), unavailable('Alpaca GET /v2/account: timed out'));
    assert.deepEqual(
      log
        .lines()
        .filter((l) => l.msg === 'request')
        .map((l) => [l.level, l.status]),
      [
        ['warn', 503],
        ['warn', 503],
      ],
    );
  });

  it('a corrupt journal entry met by a request: 500, logged as fatal, and the process is told to stop', async (t) => {
    const fatal: Error[] = [];
    const { fx, app, log } = await served(t, { onFatal: (error) => fatal.push(error) });
    // Planted in the real app: the journal is read through at start-up, not by a request.
    const corrupt = new JournalCorruptError('seq 42', [{ field: 'price', message: 'must be a decimal string' }]);
    fx.t.app.account = async () => {
      throw corrupt;
    };
    const res = await app.inject({ url: '/account', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(fatal, [corrupt]);
    const line = log.lines().find((l) => l.level === 'fatal')!;
    assert.equal(line.msg, 'corrupt journal entry seq 42: price: must be a decimal string; stopping');
    assert.equal(line.req_id, res.headers['x-request-id']);
  });
});

describe('secrets never reach the log', () => {
  const { dir, cleanup } = tempDir('subledger-logs-');
  after(cleanup);

  it('a real runtime on the Alpaca adapter, every level on: no token, token secret or API secret in any line', async () => {
    const secretKey = 'APCA-SECRET-never-in-a-log-7f3a9c';
    const adminToken = 'admin-token-never-in-a-log-5521';
    const tokenSecret = 'token-secret-never-in-a-log-9d0e';
    const emulator = await startEmulator({ keyId: 'log-test-key', secretKey, rateLimitPerMinute: false });
    const log = memoryLogger('trace');
    const config = loadConfig(
      { db: join(dir, 'logs.db'), port: '0', broker: 'alpaca', adminToken, tokenSecret, stepMs: '3600000' },
      {
        APCA_API_KEY_ID: 'log-test-key',
        APCA_API_SECRET_KEY: secretKey,
        APCA_API_BASE_URL: emulator.url,
        APCA_DATA_URL: emulator.url,
        APCA_STREAM_URL: emulator.wsUrl,
      },
    );
    const runtime = await createRuntime(config, { logger: log.logger });
    let token: string | undefined;
    try {
      const url = await runtime.serve();
      const call = (path: string, bearer: string, body?: unknown) =>
        fetch(`${url}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      assert.equal((await call('/deployments', adminToken, { id: 'd1', initial_capital: '10000' })).status, 201);
      token = runtime.tokenFor('d1');
      const order = await call('/deployments/d1/orders', token, {
        symbol: 'AAPL',
        side: 'buy',
        type: 'limit',
        limit_price: '1',
        qty: '1',
      });
      assert.equal(order.status, 201, await order.clone().text());
      const { id } = (await order.json()) as { id: string };
      assert.equal((await call('/deployments/d1/metrics', token)).status, 200);
      assert.equal((await call('/account', tokenOf('d1'))).status, 401);
      assert.equal((await call('/account', adminToken)).status, 200);
      // Should a configuration object ever be logged, its secrets are redacted by name.
      runtime.logger.info({ config, headers: { authorization: `Bearer ${adminToken}` } }, 'configuration');

      const lines = log.lines();
      const submit = lines.find((l) => l.broker_call === 'submit')!;
      assert.equal(submit.client_order_id, id);
      assert.equal(submit.outcome, 'ok');
      assert.ok(['new', 'accepted', 'pending_new'].includes(String(submit.status)), String(submit.status));
      assert.ok(
        lines.some((l) => l.lease === 'taken'),
        'the lease taken is logged',
      );
      assert.ok(lines.some((l) => l.msg === 'listening' && l.url === url));
      const requests = lines.filter((l) => l.msg === 'request');
      assert.deepEqual(
        requests.map((l) => [l.method, l.route, l.status]),
        [
          ['POST', '/deployments', 201],
          ['POST', '/deployments/:id/orders', 201],
          ['GET', '/deployments/:id/metrics', 200],
          ['GET', '/account', 401],
          ['GET', '/account', 200],
        ],
      );
      const configuration = lines.find((l) => l.msg === 'configuration')!;
      assert.equal((configuration.config as { adminToken: string }).adminToken, '[redacted]');
      assert.equal((configuration.config as { alpaca: { secretKey: string } }).alpaca.secretKey, '[redacted]');
    } finally {
      await runtime.close();
      await emulator.close();
    }
    const text = log.text();
    for (const [what, secret] of [
      ['APCA_API_SECRET_KEY', secretKey],
      ['admin token', adminToken],
      ['token secret', tokenSecret],
      ['deployment token', token ?? '(none: the test failed before)'],
      ['a token signed with another secret', tokenOf('d1')],
    ])
      assert.ok(secret && !text.includes(secret), `${what} appears in the log`);
  });

  it('a postgres:// location loses its password', () => {
    assert.equal(
      safeLocation('postgres://app:hunter2@db.example.com:5432/books?schema=s1'),
      'postgres://app:%5Bredacted%5D@db.example.com:5432/books?schema=s1',
    );
    assert.equal(safeLocation('./subledger.db'), './subledger.db');
  });
});
