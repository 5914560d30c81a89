/**
 * Bots poll; the broker does not hear of it (issue 15): 10 bots, each on its own deployment's
 * gateway key, poll their account, positions and orders 5 times a second through the gateway in
 * front of a Subledger on the Alpaca adapter and the emulator. Every poll is answered (200) from the
 * ledger: the emulator's request log shows no account, position or order read during the polling,
 * and no 429 (its limit is Alpaca's 200 requests/min per key).
 *
 * SUBLEDGER_POLL_SECONDS sets the polling time (default 10; the figure is 60).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import type { Subledger } from '../../src/app/subledger.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { GatewayKeys } from '../../src/gateway/keys.js';
import { type Gateway, buildGateway } from '../../src/gateway/server.js';
import { type AlpacaApp, START, startAlpacaApp, waitFor } from '../alpaca/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const BOTS = 10;
const PER_SECOND = 5;
const SECONDS = Number(process.env.SUBLEDGER_POLL_SECONDS ?? '10');
const READS = ['/v2/account', '/v2/positions', '/v2/orders'];

describe(`${BOTS} bots polling the gateway ${PER_SECOND}×/s for ${SECONDS} s`, () => {
  const { dir, cleanup } = tempDir('subledger-polling-');
  let emulator: EmulatorHandle;
  let running: AlpacaApp;
  let app: Subledger;
  let gateway: Gateway;
  let base: string;
  const creds: { keyId: string; secret: string }[] = [];

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    running = await startAlpacaApp(emulator, join(dir, 'app.db'));
    app = running.app;
    const { broker, clock } = running;
    const keys = GatewayKeys.inMemory();
    for (let i = 0; i < BOTS; i++) {
      const id = `bot${i}` as DeploymentId;
      await app.createDeployment({ id, initialCapital: dec('10000') });
      const { keyId, secret } = await keys.create(id);
      creds.push({ keyId, secret });
    }
    // Each bot holds a position and a resting order, so its reads have something to say.
    for (let i = 0; i < BOTS; i++) {
      const id = `bot${i}` as DeploymentId;
      await app.submitOrder(id, { symbol: 'AAPL', side: 'buy', qty: dec('1'), type: 'market', timeInForce: 'day' });
    }
    emulator.control.advance(1);
    await waitFor(() => app.positions('bot9' as DeploymentId).length === 1, 'the bots’ buys to fill');
    gateway = await buildGateway({ app, keys, market: broker, clock, hours: usEquityHours });
    base = await gateway.fastify.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await gateway.close();
    await running.stop();
    await emulator.close();
    cleanup();
  });

  it('answers every poll from the ledger: no read reaches the broker, no 429', async (t) => {
    const logged = emulator.control.requests().length;
    const statuses = new Map<number, number>();
    const deadline = Date.now() + SECONDS * 1000;
    const bot = async ({ keyId, secret }: { keyId: string; secret: string }) => {
      const headers = { 'APCA-API-KEY-ID': keyId, 'APCA-API-SECRET-KEY': secret };
      while (Date.now() < deadline) {
        const started = Date.now();
        for (const path of READS) {
          const response = await fetch(`${base}${path}`, { headers });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 / PER_SECOND - (Date.now() - started))));
      }
    };
    await Promise.all(creds.map(bot));
    const polls = [...statuses.values()].reduce((a, b) => a + b, 0);
    assert.deepEqual([...statuses.keys()], [200], JSON.stringify(Object.fromEntries(statuses)));
    assert.ok(polls >= BOTS * READS.length * SECONDS, `${polls} polls answered`); // at least one round a second
    const during = emulator.control.requests().slice(logged);
    t.diagnostic(`${polls} polls answered (200); ${during.length} requests reached the emulator meanwhile`);
    const reads = during.filter((r) => r.method === 'GET' && READS.some((p) => r.url.split('?')[0] === p));
    assert.deepEqual(reads, [], 'no account, position or order read forwarded to the broker');
    assert.deepEqual(
      during.filter((r) => r.status === 429),
      [],
    );
  });
});
