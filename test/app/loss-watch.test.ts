/**
 * Loss limits that act, on the real app (paper broker, SQLite): a mark that takes a sleeve's day
 * loss to its `max_daily_loss` journals the breach with exact figures and pauses it (`pause`), or
 * flattens it (`flatten`); a breach journaled before a restart is carried out by `resume()`; the
 * day's opening P&L and the peak are the journal's, so a restart (the store reopened, the state
 * folded again) changes none of the figures: a sleeve 80 down of a 100 limit breaches at 20 more.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { decodeState, encodeState } from '../../src/app/journal/checkpoint.js';
import { Flattener } from '../../src/app/risk/flatten.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { LossWatcher, lossFiguresOf } from '../../src/app/risk/loss-watch.js';
import { Subledger } from '../../src/app/subledger.js';
import type { LossFigures } from '../../src/core/loss-limits.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;

describe('loss limits', () => {
  let t: TestApp;
  let watcher: LossWatcher;
  let flattener: Flattener;
  let avg: string;
  let marks = 0;
  const setUp = async (onBreach: 'pause' | 'flatten') => {
    t = await startTestApp({ seed: 4 });
    flattener = new Flattener(t.app, t.broker.clock);
    watcher = new LossWatcher({ app: t.app, flattener, clock: t.broker.clock });
    await t.app.createDeployment({
      id: A,
      initialCapital: dec('20000'),
      limits: { maxDailyLoss: dec('100'), onBreach },
    });
    await t.app.createDeployment({ id: B, initialCapital: dec('20000') });
    await t.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await t.app.submitOrder(B, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    await t.runUntil(() => t.app.listOrders(A, { status: 'open', limit: 5 }).length === 0);
    avg = t.app.positions(A)[0]!.avg_cost;
    await watcher.check(); // the day's start: P&L at the fill
  };
  /** Marks AAPL `drop` below A's average cost (10 shares: a loss of 10 × drop). */
  const markDown = async (drop: string) => {
    const price = (dec(avg) - dec(drop)) as ReturnType<typeof dec>;
    await t.app.service.append([
      {
        type: 'mark',
        symbol: 'AAPL' as Symbol,
        price,
        ts: new Date(t.broker.clock.now().getTime() + ++marks).toISOString(),
        source: 'test',
      },
    ]);
    await watcher.check();
  };
  afterEach(() => t.close());

  describe('pause', () => {
    beforeEach(() => setUp('pause'));
    it('a loss of 99.90 is within 100; 100.00 pauses the sleeve with the breach journaled', async () => {
      const dayStart = t.app.metrics(A).total_pnl;
      await markDown('9.99');
      assert.equal(t.app.getDeployment(A).status, 'active');
      await markDown('10');
      assert.equal(t.app.getDeployment(A).status, 'paused');
      assert.equal(t.app.getDeployment(B).status, 'active');
      const [breach] = t.app.service.state.controls.get(A)!.breaches;
      assert.equal(breach!.limit, 'max_daily_loss');
      assert.equal(toPlain(breach!.threshold), '100');
      // value = P&L at the day's start − P&L now (the mark moved the 10 shares 10.00 under avg)
      assert.equal(toPlain(breach!.value), toPlain((dec(dayStart) - dec(t.app.metrics(A).total_pnl)) as never));
      assert.equal(toPlain(breach!.value), '100');
      // Paused: a new buy is refused by the risk check.
      await assert.rejects(
        t.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('1'), type: 'market', timeInForce: 'day' }),
      );
    });
  });

  describe('flatten', () => {
    beforeEach(() => setUp('flatten'));
    it('a breach journaled, then a restart before the action: resume() flattens the sleeve only', async () => {
      // The breach is journaled as the watcher would, but the process "stops" before acting on it.
      await t.app.service.append([
        {
          type: 'limit_breached',
          id: `${A}:max_daily_loss:x`,
          deployment: A,
          limit: 'max_daily_loss',
          value: dec('120'),
          threshold: dec('100'),
          action: 'flatten',
          ts: t.broker.clock.now().toISOString(),
        },
      ]);
      assert.equal(t.app.getDeployment(A).status, 'active');
      const restarted = new LossWatcher({
        app: t.app,
        flattener: new Flattener(t.app, t.broker.clock),
        clock: t.broker.clock,
      });
      await restarted.resume();
      await t.runUntil(() => t.app.listOrders(A, { status: 'open', limit: 5 }).length === 0);
      assert.equal(t.app.getDeployment(A).status, 'stopped');
      assert.deepEqual(t.app.positions(A), []);
      assert.deepEqual(
        t.app.positions(B).map((p) => p.qty),
        ['10'],
      );
      const steps = t.app.service.state.controls.get(A)!.lastFlatten;
      assert.equal(steps[0]!.by, 'limit:max_daily_loss');
      assert.equal(steps[0]!.reason, 'max_daily_loss 100 reached (120)');
      // Resumed again (another restart): nothing more is sent.
      const orders = t.app.listOrders(A, { status: 'all', limit: 50 }).length;
      await restarted.resume();
      assert.equal(t.app.listOrders(A, { status: 'all', limit: 50 }).length, orders);
    });
  });
});

describe('loss figures from the journal across a restart', () => {
  const plain = (f: LossFigures | undefined) =>
    f && {
      pnl: toPlain(f.pnl),
      dayStartPnl: toPlain(f.dayStartPnl),
      peakPnl: toPlain(f.peakPnl),
      capital: toPlain(f.capital),
    };

  it('80 of a 100 daily limit lost, a restart, then 20 more: the breach is at exactly 100', async () => {
    const t = await startTestApp({ seed: 4 });
    let app = t.app;
    let store = t.store;
    const day = () => t.broker.clock.now().toISOString().slice(0, 10);
    const watcherOf = (a: Subledger) =>
      new LossWatcher({ app: a, flattener: new Flattener(a, t.broker.clock), clock: t.broker.clock });
    try {
      await app.createDeployment({
        id: A,
        initialCapital: dec('20000'),
        limits: { maxDailyLoss: dec('100'), maxDrawdownPct: dec('50') },
      });
      await app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
      await t.runUntil(() => app.listOrders(A, { status: 'open', limit: 5 }).length === 0);
      const avg = dec(app.positions(A)[0]!.avg_cost);
      let n = 0;
      /** A mark of AAPL `delta` from A's average cost (10 shares: P&L 10 × delta). */
      const mark = (a: Subledger, delta: string) =>
        a.service.append([
          {
            type: 'mark',
            symbol: 'AAPL' as Symbol,
            price: (avg + dec(delta)) as typeof avg,
            ts: new Date(t.broker.clock.now().getTime() + ++n).toISOString(),
            source: 'test',
          },
        ]);
      await mark(app, '5'); // the peak: +50
      await mark(app, '-8'); // 80 lost today (from 0 at the day's open), 130 from the peak
      let watcher = watcherOf(app);
      await watcher.check();
      assert.equal(app.getDeployment(A).status, 'active');
      const before = plain(lossFiguresOf(app.service.state, A, day()));
      assert.deepEqual(before, { pnl: '-80', dayStartPnl: '0', peakPnl: '50', capital: '20000' });
      // A checkpoint carries them too (the state is encoded as a whole).
      const decoded = decodeState(encodeState(app.service.state, 0)).state;
      assert.deepEqual(plain(lossFiguresOf(decoded, A, day())), before);

      // Restart: the process ends, the store is reopened and the journal folded again.
      await app.stop();
      await store.close();
      store = await openWriterStore(t.dbPath, 'test');
      const service = await LedgerService.load(store, { now: () => t.broker.clock.now() });
      app = new Subledger({ service, broker: t.broker, market: t.broker, clock: t.broker.clock, onError: () => {} });
      await app.start();
      assert.deepEqual(plain(lossFiguresOf(app.service.state, A, day())), before);
      watcher = watcherOf(app);
      await watcher.check();
      assert.equal(app.getDeployment(A).status, 'active');

      await mark(app, '-9.99'); // 99.90: within the limit
      await watcher.check();
      assert.equal(app.getDeployment(A).status, 'active');
      await mark(app, '-10'); // 100: reached
      await watcher.check();
      assert.equal(app.getDeployment(A).status, 'paused');
      const breaches = app.service.state.controls.get(A)!.breaches;
      assert.deepEqual(
        breaches.map((b) => [b.limit, toPlain(b.value), toPlain(b.threshold), b.action]),
        [['max_daily_loss', '100', '100', 'pause']],
      );
    } finally {
      await app.stop();
      await store.close();
      await t.close();
    }
  });
});
