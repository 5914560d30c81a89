/**
 * The gateway's clock and calendar come from the broker (the emulator here, standing in for
 * Alpaca), passed through and cached: bots polling `/v2/clock` cost the broker one request per
 * change of the market's state, and a calendar range one request an hour.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { dec } from '../../src/core/decimal.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { GatewayKeys } from '../../src/gateway/keys.js';
import { MarketInfoCache } from '../../src/gateway/market-info-cache.js';
import { type Gateway, buildGateway } from '../../src/gateway/server.js';
import { type AlpacaApp, START, startAlpacaApp } from '../alpaca/helpers.js';
import { tempDir } from '../helpers/tmp.js';

describe('the gateway’s clock, calendar and assets, passed through from the broker', () => {
  const { dir, cleanup } = tempDir('subledger-market-info-');
  let emulator: EmulatorHandle;
  let running: AlpacaApp;
  let gateway: Gateway;
  let base: string;
  let headers: Record<string, string>;

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    running = await startAlpacaApp(emulator, join(dir, 'app.db'));
    const keys = GatewayKeys.inMemory();
    await running.app.createDeployment({ id: 'bot' as DeploymentId, initialCapital: dec('1000') });
    const { keyId, secret } = await keys.create('bot');
    headers = { 'APCA-API-KEY-ID': keyId, 'APCA-API-SECRET-KEY': secret };
    gateway = await buildGateway({
      app: running.app,
      keys,
      market: running.broker,
      clock: running.clock,
      hours: usEquityHours,
      marketInfo: running.broker.marketInfo,
    });
    base = await gateway.fastify.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await gateway.close();
    await running.stop();
    await emulator.close();
    cleanup();
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
  };
  const brokerReads = (path: string) => emulator.control.requests().filter((r) => r.url.startsWith(path)).length;

  it('GET /v2/clock is the broker’s, asked once while the market stays as it is', async () => {
    const before = brokerReads('/v2/clock');
    const first = await get('/v2/clock');
    assert.equal(first.status, 200);
    // The emulator's session: 2025-01-02 14:30 UTC open; its clock is the venue's time.
    assert.deepEqual([first.body.is_open, first.body.next_close], [true, '2025-01-02T21:00:00.000Z']);
    assert.equal(first.body.next_open, '2025-01-03T14:30:00.000Z');
    for (let i = 0; i < 20; i++) assert.equal((await get('/v2/clock')).body.next_close, '2025-01-02T21:00:00.000Z');
    assert.equal(brokerReads('/v2/clock') - before, 1, 'one broker read for 21 polls');
  });

  it('GET /v2/calendar is the broker’s trading days, one read per range', async () => {
    const before = brokerReads('/v2/calendar');
    const days = await get('/v2/calendar?start=2025-01-03&end=2025-01-07');
    assert.equal(days.status, 200);
    assert.deepEqual(
      (days.body as { date: string; open: string; close: string }[]).map((d) => [d.date, d.open, d.close]),
      [
        ['2025-01-03', '09:30', '16:00'],
        ['2025-01-06', '09:30', '16:00'],
        ['2025-01-07', '09:30', '16:00'],
      ],
    );
    await get('/v2/calendar?start=2025-01-03&end=2025-01-07');
    assert.equal(brokerReads('/v2/calendar') - before, 1);
  });

  it('GET /v2/assets and /v2/assets/{symbol} are the broker’s assets as it describes them, one read an hour', async () => {
    const before = brokerReads('/v2/assets');
    const direct = (await (
      await fetch(`${emulator.url}/v2/assets`, {
        headers: { 'APCA-API-KEY-ID': emulator.keyId, 'APCA-API-SECRET-KEY': emulator.secretKey },
      })
    ).json()) as Record<string, unknown>[];
    const through = await get('/v2/assets');
    assert.equal(through.status, 200);
    assert.deepEqual(through.body, direct, 'every asset, every field, as the broker sent it');
    const aapl = await get('/v2/assets/AAPL');
    assert.deepEqual(
      aapl.body,
      direct.find((a) => a.symbol === 'AAPL'),
    );
    assert.deepEqual((await get('/v2/assets/NOPE')).body, { code: 40410000, message: 'asset not found' });
    assert.equal(
      (await get('/v2/assets?asset_class=crypto')).body.length,
      direct.filter((a) => a.class === 'crypto').length,
    );
    assert.equal(brokerReads('/v2/assets') - before, 2, 'the direct read and one through the gateway');
  });

  it('the cache asks again once the next open or close has passed, and keeps the broker’s time', async () => {
    let calls = 0;
    let localMs = 0;
    const cache = new MarketInfoCache(
      {
        clock: async () => {
          calls++;
          return calls === 1
            ? {
                timestamp: '2025-01-02T20:59:00.000Z',
                isOpen: true,
                nextOpen: '2025-01-03T14:30:00.000Z',
                nextClose: '2025-01-02T21:00:00.000Z',
              }
            : {
                timestamp: '2025-01-02T21:00:01.000Z',
                isOpen: false,
                nextOpen: '2025-01-03T14:30:00.000Z',
                nextClose: '2025-01-03T21:00:00.000Z',
              };
        },
        calendar: async () => [],
        assets: async () => [],
      },
      () => localMs,
    );
    assert.deepEqual([(await cache.clock()).isOpen, calls], [true, 1]);
    localMs = 30_000;
    assert.deepEqual([(await cache.clock()).timestamp, calls], ['2025-01-02T20:59:30.000Z', 1]);
    localMs = 60_000; // the close has come: asked again
    assert.deepEqual([(await cache.clock()).isOpen, calls], [false, 2]);
  });

  it('says so when the broker cannot answer (503), never a made-up clock', async () => {
    const keys = GatewayKeys.inMemory();
    const { keyId, secret } = await keys.create('bot');
    const failing = await buildGateway({
      app: running.app,
      keys,
      market: running.broker,
      clock: running.clock,
      marketInfo: {
        clock: () => Promise.reject(new Error('connect ECONNREFUSED')),
        calendar: () => Promise.reject(new Error('connect ECONNREFUSED')),
        assets: () => Promise.reject(new Error('connect ECONNREFUSED')),
      },
    });
    try {
      const auth = { 'APCA-API-KEY-ID': keyId, 'APCA-API-SECRET-KEY': secret };
      const clock = await failing.fastify.inject({ method: 'GET', url: '/v2/clock', headers: auth });
      assert.deepEqual(
        [clock.statusCode, clock.json()],
        [503, { code: 50300000, message: "the broker's clock is unavailable: connect ECONNREFUSED" }],
      );
      const assets = await failing.fastify.inject({ method: 'GET', url: '/v2/assets', headers: auth });
      assert.deepEqual(
        [assets.statusCode, assets.json()],
        [503, { code: 50300000, message: "the broker's assets are unavailable: connect ECONNREFUSED" }],
      );
      const calendar = await failing.fastify.inject({ method: 'GET', url: '/v2/calendar', headers: auth });
      assert.deepEqual(
        [calendar.statusCode, calendar.json()],
        [503, { code: 50300000, message: "the broker's calendar is unavailable: connect ECONNREFUSED" }],
      );
    } finally {
      await failing.close();
    }
  });
});
