/**
 * History log and snapshots (issue 6 §2, §4): idempotent per subject and time, reproducible from
 * the journal alone (a rebuild on a fresh store and a replay to every stored row give identical
 * rows), recorded on their own by the scheduler while serving — prices every minute, snapshots on
 * their cadence, the day's close — with missed closes caught up on start and none repeated.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import type { MarketDataPort } from '../../src/app/ports/broker-port.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import { PriceUpdater } from '../../src/app/marks/price-updater.js';
import { Recorder, rebuildHistory, verifyHistory } from '../../src/app/marks/recorder.js';
import { LAST_CLOSE_CURSOR, MarkScheduler } from '../../src/app/marks/scheduler.js';
import { type StorePort, emptyProjections } from '../../src/app/ports/store-port.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type PerfApp, startPerfApp } from '../helpers/perf-app.js';
import { PERFORMANCE_CLOSES, importPerformanceJournal } from '../helpers/performance-journal.js';
import { tempDir } from '../helpers/tmp.js';

const noMarket: MarketDataPort = { latest: async () => new Map() };

async function everything(store: StorePort) {
  const history = [];
  for (const scope of ['deployment', 'strategy', 'account']) history.push(...(await store.history({ scope })));
  const metrics = [];
  for (const d of await store.deployments()) metrics.push(...(await store.metrics(d.id)));
  return { history, metrics };
}

describe('history from a fixed journal', () => {
  let dir: string;
  let cleanup: () => void;
  let store: StorePort;
  let service: LedgerService;

  before(async () => {
    ({ dir, cleanup } = tempDir('subledger-history-'));
    store = await openWriterStore(join(dir, 'a.db'), 'test');
    service = await LedgerService.load(store);
    await importPerformanceJournal(service);
  });
  after(async () => {
    await store.close();
    cleanup();
  });

  it('catches up every missed close on start, keeps its place, and repeats none', async () => {
    let now = new Date('2025-01-14T09:00:00Z');
    const clock = { now: () => now };
    const scheduler = () =>
      new MarkScheduler({
        prices: new PriceUpdater({ service, market: noMarket, clock, log: () => {} }),
        recorder: new Recorder(service),
        hours: usEquityHours,
        clock,
        store,
        log: () => {},
      });
    assert.deepEqual(await scheduler().start(), PERFORMANCE_CLOSES);
    assert.equal(await store.getCursor(LAST_CLOSE_CURSOR), PERFORMANCE_CLOSES.at(-1));
    assert.deepEqual(await scheduler().start(), []);
    now = new Date('2025-01-15T22:00:00Z');
    assert.deepEqual(await scheduler().start(), ['2025-01-14T21:00:00.000Z', '2025-01-15T21:00:00.000Z']);
    const rows = await store.history({ scope: 'deployment', subject: 'sharpe', kind: 'close' });
    assert.deepEqual(
      rows.map((r) => r.day),
      ['2025-01-06', '2025-01-07', '2025-01-08', '2025-01-09', '2025-01-10', '2025-01-13', '2025-01-14', '2025-01-15'],
    );
    assert.equal(rows.at(-1)!.equity, rows.at(-3)!.equity, 'no new marks: the last close carries over');
  });

  it('is idempotent: rebuilding or re-running at the same times writes identical rows', async () => {
    const first = await everything(store);
    await rebuildHistory(store, usEquityHours);
    await new Recorder(service).closeDays(PERFORMANCE_CLOSES);
    assert.deepEqual(await everything(store), first);
  });

  it('replays: every stored row equals its recomputation from the journal', async () => {
    assert.deepEqual(await verifyHistory(store), []);
    await store.writeHistory([{ ...(await store.history({ scope: 'account', kind: 'close' }))[0]!, equity: '1' }]);
    const differences = await verifyHistory(store);
    assert.deepEqual(
      differences.map((d) => [d.table, d.key]),
      [['pnl_history', 'account/account/close/2025-01-06T21:00:00.000Z']],
    );
    await rebuildHistory(store, usEquityHours);
    assert.deepEqual(await verifyHistory(store), []);
  });

  it('replays on a fresh store from the journal alone to the same daily rows', async () => {
    const fresh = await openWriterStore(join(dir, 'fresh.db'), 'test');
    try {
      await fresh.commit(await store.readJournal(0, 1_000_000), emptyProjections());
      await rebuildHistory(fresh, usEquityHours);
      const closes = (s: StorePort) => s.history({ scope: 'strategy', kind: 'close', to: PERFORMANCE_CLOSES.at(-1)! });
      assert.deepEqual(await closes(fresh), await closes(store));
      assert.equal((await closes(fresh)).length, 2 * 6);
    } finally {
      await fresh.close();
    }
  });

  it('appendHistory(kind, ts) records a rebalance run as of its time, also in the past, and replays', async () => {
    const recorder = new Recorder(service);
    await recorder.appendHistory('rebalance', '2025-01-08T16:00:00Z');
    await recorder.appendHistory('rebalance', '2025-01-08T16:00:00Z');
    const rows = await store.history({ scope: 'strategy', subject: 'alpha', kind: 'rebalance' });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.ts, '2025-01-08T16:00:00.000Z');
    // As of Jan 8 16:00: trader sold Y at 15:00 (+49 net) and X still marks at the Jan 7 close (98.98).
    assert.deepEqual([rows[0]!.realizedPnl, rows[0]!.fees, rows[0]!.equity], ['50', '1', '10947']);
    assert.deepEqual(await verifyHistory(store), []);
  });
});

describe('the scheduler keeps the real app marked, snapshotted and closed on its own', () => {
  let t: PerfApp;
  const A = 'a' as DeploymentId;
  const B = 'b' as DeploymentId;
  const ticks: { closes: readonly string[]; snapshot: string | null; priceError: string | null; marked: number }[] = [];

  before(async () => {
    t = await startPerfApp({ seed: 3, schedule: { markEverySeconds: 60, snapshotEverySeconds: 3600 } });
    await t.app.createDeployment({ id: A, initialCapital: dec('10000'), strategy: 'm' });
    await t.app.createDeployment({ id: B, initialCapital: dec('20000'), strategy: 'm' });
    await t.scheduler.start();
    // 14:30 → 21:05 UTC on Thursday 2025-01-02, one simulated minute per step, a tick after each.
    for (let step = 1; step <= 395; step++) {
      if (step === 5)
        await t.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
      if (step === 9)
        await t.app.submitOrder(B, { symbol: 'MSFT', side: 'buy', qty: dec('20'), type: 'market', timeInForce: 'day' });
      if (step === 200)
        await t.app.submitOrder(A, { symbol: 'AAPL', side: 'sell', qty: dec('4'), type: 'market', timeInForce: 'day' });
      if (step === 300) await t.app.moveCapital(B, dec('1000'));
      t.market.fail = step === 241 ? 'feed down' : undefined; // 18:31, when a snapshot is due
      await t.broker.step();
      const r = await t.scheduler.tick();
      if (r)
        ticks.push({
          closes: r.closes,
          snapshot: r.snapshot,
          priceError: r.priceError,
          marked: r.prices?.marked.length ?? -1,
        });
    }
  });
  after(() => t.close());

  it('marks every minute while the market is open, and not after the close', () => {
    assert.equal(ticks.length, 395);
    assert.ok(ticks.slice(20, 380).every((x) => x.marked >= 1 || x.priceError !== null));
    assert.equal(t.broker.clock.now().toISOString(), '2025-01-02T21:05:00.000Z');
    assert.deepEqual(
      ticks.slice(-4).map((x) => x.marked),
      [0, 0, 0, 0],
    );
  });

  it('a failed fetch is reported and the snapshot due still happens with the last marks', () => {
    const failed = ticks[240]!;
    assert.equal(failed.priceError, 'price update failed: feed down');
    assert.equal(failed.snapshot, '2025-01-02T18:31:00.000Z');
    assert.equal(ticks.filter((x) => x.priceError !== null).length, 1);
  });

  it('snapshots on the cadence and at the close, and writes the daily history at 21:00', async () => {
    const snapshots = await t.store.metrics(A);
    assert.deepEqual(
      snapshots.map((s) => s.ts.slice(11, 16)),
      ['14:31', '15:31', '16:31', '17:31', '18:31', '19:31', '20:31', '21:00'],
    );
    assert.deepEqual(
      ticks.filter((x) => x.closes.length > 0).map((x) => x.closes),
      [['2025-01-02T21:00:00.000Z']],
    );
    assert.equal(await t.store.getCursor(LAST_CLOSE_CURSOR), '2025-01-02T21:00:00.000Z');
    const close = await t.store.history({ scope: 'strategy', subject: 'm', kind: 'close' });
    assert.equal(close.length, 1);
    assert.equal(close[0]!.members, 2);
    assert.equal(close[0]!.capital, '31000');
    const closeSnapshot = snapshots.at(-1)!;
    const deployment = (await t.store.history({ scope: 'deployment', subject: 'a', kind: 'close' }))[0]!;
    assert.deepEqual([deployment.equity, deployment.totalPnl], [closeSnapshot.equity, closeSnapshot.totalPnl]);
    const account = (await t.store.history({ scope: 'account', kind: 'close' }))[0]!;
    assert.equal(account.capital, '100000', 'the account (house included) holds the broker’s starting cash');
  });

  it('every row written live equals its replay from the journal, and a re-run of the close changes nothing', async () => {
    assert.deepEqual(await verifyHistory(t.store), []);
    const before = await everything(t.store);
    await t.recorder.closeDays(['2025-01-02T21:00:00.000Z']);
    await t.recorder.snapshot('2025-01-02T15:31:00.000Z');
    assert.deepEqual(await everything(t.store), before);
  });

  it('statistics and history answer for the deployments and the strategy', async () => {
    const s = await t.performance.strategyStats('m', {});
    assert.deepEqual([s.days, s.deployments, s.from], [1, ['a', 'b'], '2025-01-02']);
    const h = await t.performance.deploymentHistory(A, 'daily', {});
    assert.equal(h.rows.length, 1);
    assert.equal(h.rows[0]!.pnl_change, h.rows[0]!.total_pnl);
    const series = await t.performance.equitySeries(A, {}, 4);
    assert.equal(series.points_total, 8);
    assert.ok(series.equity.length <= 4);
  });
});
