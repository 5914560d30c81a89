/**
 * The price updater (issue 6 §1) on the real app: a failed fetch keeps every last mark, journals
 * nothing and shows in /health (503, degraded) and the log; a missing or zero quote never zeroes
 * a price; `mark_stale` in GET /deployments/{id}/positions flips at the threshold; equities are
 * asked for only while their market is open, crypto always, in one batched call.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import type { MarketDataPort, Quote } from '../../src/app/ports/broker-port.js';
import { importJournal } from '../../src/app/journal/import-journal.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import { PriceFetchError, PriceUpdater } from '../../src/app/marks/price-updater.js';
import { type Dec, dec } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { deploymentToken } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { type PerfApp, startPerfApp } from '../helpers/perf-app.js';
import { tempDir } from '../helpers/tmp.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const A = 'a' as DeploymentId;
const tokenA = { authorization: `Bearer ${deploymentToken(auth.tokenSecret, 'a')}` };

describe('price updater on the real app', () => {
  let t: PerfApp;
  let http: FastifyInstance;
  const positions = async () =>
    JSON.parse((await http.inject({ method: 'GET', url: '/deployments/a/positions', headers: tokenA })).body);
  const health = async () => {
    const r = await http.inject({ method: 'GET', url: '/health' });
    return { status: r.statusCode, body: JSON.parse(r.body) };
  };

  before(async () => {
    t = await startPerfApp({ staleMarkSeconds: 120 });
    http = buildServer({ api: t.app, auth });
    await t.app.createDeployment({ id: A, initialCapital: dec('10000') });
    await t.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    for (let i = 0; i < 20 && t.app.listOrders(A, { status: 'open', limit: 10 }).length > 0; i++) await t.broker.step();
  });
  after(async () => {
    await http.close();
    await t.close();
  });

  it('marks every held symbol in one batched call, with its time and source; fresh marks are not stale', async () => {
    await t.broker.step();
    t.market.calls = [];
    const marked = await t.app.markToMarket();
    assert.deepEqual(marked, ['AAPL']);
    assert.deepEqual(t.market.calls, [['AAPL']]);
    const [p] = await positions();
    assert.equal(p.mark_ts, t.broker.clock.now().toISOString());
    assert.equal(p.mark_source, 'simulated');
    assert.equal(p.mark_stale, false);
    const h = await health();
    assert.equal(h.status, 200);
    assert.equal(h.body.marks.status, 'ok');
    assert.equal(h.body.marks.stale_after_seconds, 120);
  });

  it('a failed fetch keeps the last mark, journals nothing, and is reported in /health and the log', async () => {
    const [before] = await positions();
    const journal = (await t.store.journalStats()).count;
    t.market.fail = 'connection reset by peer';
    await t.broker.step();
    await assert.rejects(
      t.app.markToMarket(),
      (e: unknown) => e instanceof PriceFetchError && /connection reset/.test(e.message),
    );
    const [p] = await positions();
    assert.deepEqual([p.mark, p.mark_ts, p.market_value], [before.mark, before.mark_ts, before.market_value]);
    assert.notEqual(p.mark, '0');
    assert.equal((await t.store.journalStats()).count, journal);
    const h = await health();
    assert.equal(h.status, 503);
    assert.equal(h.body.status, 'degraded');
    assert.equal(h.body.marks.status, 'failing');
    assert.equal(h.body.marks.consecutive_failures, 1);
    assert.equal(h.body.marks.last_error, 'connection reset by peer');
    assert.equal(h.body.marks.last_failure_at, t.broker.clock.now().toISOString());
    assert.ok(t.logs.some((l) => l.startsWith('error: price update failed') && l.includes('every last mark kept')));
  });

  it('flags the position stale once its mark is older than the threshold (120 s here)', async () => {
    await t.broker.step(); // the mark is now 2 minutes old: at the threshold, not over it
    await assert.rejects(t.app.markToMarket());
    assert.equal((await positions())[0].mark_stale, false);
    await t.broker.step(); // 3 minutes
    await assert.rejects(t.app.markToMarket());
    assert.equal((await positions())[0].mark_stale, true);
    assert.equal((await health()).body.marks.consecutive_failures, 3);
  });

  it('recovers on the next successful fetch: a new mark, not stale, health ok', async () => {
    t.market.fail = undefined;
    assert.deepEqual(await t.app.markToMarket(), ['AAPL']);
    const [p] = await positions();
    assert.equal(p.mark_ts, t.broker.clock.now().toISOString());
    assert.equal(p.mark_stale, false);
    assert.equal((await health()).status, 200);
    assert.ok(t.logs.some((l) => l.startsWith('info: price update recovered') && l.includes('3 failure(s)')));
  });

  it('a missing or zero quote never zeroes a price: the symbol keeps its last mark and is listed as missing', async () => {
    const [before] = await positions();
    await t.broker.step();
    const now = t.broker.clock.now().toISOString();
    t.market.override('AAPL', { symbol: 'AAPL' as Symbol, last: 0n as Dec, ts: now, source: 'simulated' });
    assert.deepEqual(await t.app.markToMarket(), []);
    t.market.override('AAPL', null);
    assert.deepEqual(await t.app.markToMarket(), []);
    const [p] = await positions();
    assert.deepEqual([p.mark, p.mark_ts], [before.mark, before.mark_ts]);
    assert.deepEqual((await health()).body.marks.missing, ['AAPL']);
    t.market.override('AAPL', undefined);
  });
});

describe('price updater: market hours and crypto', () => {
  const quotes = new Map<string, Quote>();
  const calls: string[][] = [];
  const market: MarketDataPort = {
    async latest(symbols) {
      calls.push([...symbols]);
      return new Map(symbols.filter((s) => quotes.has(s)).map((s) => [s, quotes.get(s)!]));
    },
  };
  let now = new Date('2025-01-04T12:00:00Z'); // a Saturday
  let service: LedgerService;
  let close: () => Promise<void>;

  before(async () => {
    const tmp = tempDir('subledger-hours-');
    const store = await openWriterStore(join(tmp.dir, 'h.db'), 'test');
    service = await LedgerService.load(store);
    const lines = [
      { type: 'deployment', deployment: 'c', initial_capital: '100000' },
      {
        type: 'fill',
        id: 'f1',
        deployment: 'c',
        symbol: 'AAPL',
        side: 'buy',
        qty: '10',
        price: '150',
        ts: '2025-01-03T15:00:00Z',
      },
      {
        type: 'fill',
        id: 'f2',
        deployment: 'c',
        symbol: 'BTC/USD',
        side: 'buy',
        qty: '0.5',
        price: '90000',
        ts: '2025-01-03T15:00:00Z',
      },
    ];
    const r = await importJournal(service, lines.map((l) => JSON.stringify(l)).join('\n'));
    assert.ok(r.ok);
    close = async () => {
      await store.close();
      tmp.cleanup();
    };
  });
  after(() => close());

  const updater = () =>
    new PriceUpdater({ service, market, clock: { now: () => now }, hours: usEquityHours, log: () => {} });

  it('on a weekend only crypto is asked for; the equity keeps its last mark', async () => {
    quotes.set('BTC/USD', {
      symbol: 'BTC/USD' as Symbol,
      bid: dec('95000'),
      ask: dec('95010'),
      ts: '2025-01-04T12:00:00Z',
      source: 'test',
    });
    quotes.set('AAPL', { symbol: 'AAPL' as Symbol, last: dec('151'), ts: '2025-01-04T12:00:00Z', source: 'test' });
    const run = await updater().update();
    assert.deepEqual(calls.at(-1), ['BTC/USD']);
    assert.deepEqual([run.marked, run.closed, run.missing], [['BTC/USD'], ['AAPL'], []]);
    assert.equal(service.ledger.marks.get('BTC/USD' as Symbol)!.price, dec('95005')); // midpoint without a last trade
    assert.equal(service.ledger.marks.get('AAPL' as Symbol)!.source, 'fill');
  });

  it('on a weekday at 14:30–21:00 UTC both are asked for, in one call; outside those hours only crypto', async () => {
    now = new Date('2025-01-06T21:00:00Z'); // Monday, the closing minute
    quotes.set('AAPL', { symbol: 'AAPL' as Symbol, last: dec('152'), ts: '2025-01-06T21:00:00Z', source: 'test' });
    quotes.set('BTC/USD', {
      symbol: 'BTC/USD' as Symbol,
      last: dec('96000'),
      ts: '2025-01-06T21:00:00Z',
      source: 'test',
    });
    assert.deepEqual((await updater().update()).marked, ['AAPL', 'BTC/USD']);
    assert.deepEqual(calls.at(-1), ['AAPL', 'BTC/USD']);
    now = new Date('2025-01-06T21:01:00Z');
    await updater().update();
    assert.deepEqual(calls.at(-1), ['BTC/USD']);
  });

  it('a quote already journaled (same symbol, time and source) is not journaled again', async () => {
    const before = (await service.store.journalStats()).count;
    const run = await updater().update();
    assert.deepEqual(run.marked, []);
    assert.equal((await service.store.journalStats()).count, before);
  });
});
