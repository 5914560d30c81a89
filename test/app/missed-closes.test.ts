/**
 * Missed day closes caught up after start-up (issue 17): `MarkScheduler.startInBackground` returns
 * once it knows the closes and records them afterwards, in batches of `CLOSES_PER_BATCH`; the rows
 * are exactly those a per-day rebuild from the journal alone writes, ticks wait for the catch-up,
 * and a stopped catch-up resumes from its cursor without a gap or a repeat.
 *
 * The journal: `long` (strategy alpha, capital 10,000) buys 10 X @ 100 on Monday 2025-01-06;
 * X is marked at 100 + k at 20:00 on the k-th trading day (k = 0 … 119); `idle` (strategy beta,
 * capital 5,000) never trades; one more mark the morning after the last day. So the close of day k
 * has long's equity 10,000 + 10k.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import type { MarketDataPort } from '../../src/app/ports/broker-port.js';
import { importJournal } from '../../src/app/journal/import-journal.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import { PriceUpdater } from '../../src/app/marks/price-updater.js';
import { CLOSES_PER_BATCH, Recorder, rebuildHistory, verifyHistory } from '../../src/app/marks/recorder.js';
import { LAST_CLOSE_CURSOR, MarkScheduler } from '../../src/app/marks/scheduler.js';
import { type StorePort, emptyProjections } from '../../src/app/ports/store-port.js';
import { tempDir } from '../helpers/tmp.js';

const DAYS = 120;
const noMarket: MarketDataPort = { latest: async () => new Map() };

/** The first `n` weekdays from Monday 2025-01-06, as YYYY-MM-DD. */
function tradingDays(n: number): string[] {
  const days: string[] = [];
  for (let t = Date.parse('2025-01-06T00:00:00Z'); days.length < n; t += 86_400_000) {
    const weekday = new Date(t).getUTCDay();
    if (weekday >= 1 && weekday <= 5) days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
const DAY = tradingDays(DAYS);
const CLOSES = DAY.map((d) => `${d}T21:00:00.000Z`);
/** The morning after the last trading day (before any later close). */
const AFTER = new Date(Date.parse(CLOSES.at(-1)!) + 18 * 3_600_000).toISOString();

function journal(): string {
  const lines: object[] = [
    { type: 'deployment', deployment: 'long', initial_capital: '10000', strategy: 'alpha', ts: `${DAY[0]}T14:00:00Z` },
    { type: 'deployment', deployment: 'idle', initial_capital: '5000', strategy: 'beta', ts: `${DAY[0]}T14:00:00Z` },
    {
      type: 'fill',
      id: 'b1',
      deployment: 'long',
      symbol: 'X',
      side: 'buy',
      qty: '10',
      price: '100',
      ts: `${DAY[0]}T14:30:00Z`,
    },
  ];
  DAY.forEach((d, k) => lines.push({ type: 'mark', symbol: 'X', price: String(100 + k), ts: `${d}T20:00:00Z` }));
  lines.push({ type: 'mark', symbol: 'X', price: String(100 + DAYS), ts: AFTER });
  return lines.map((l) => JSON.stringify(l)).join('\n');
}

/** Every history row, and the snapshot rows of the closes (the import also wrote one of its own). */
async function everything(store: StorePort) {
  const history = [];
  for (const scope of ['deployment', 'strategy', 'account']) history.push(...(await store.history({ scope })));
  const metrics = [];
  for (const d of ['idle', 'long']) metrics.push(...(await store.metrics(d)).filter((m) => CLOSES.includes(m.ts)));
  return { history, metrics };
}

describe('missed day closes are recorded after start-up, in batches, with the same rows', () => {
  let dir: string;
  let cleanup: () => void;
  let store: StorePort;
  let service: LedgerService;
  // Every close of the journal was missed.
  const clock = { now: () => new Date(Date.parse(AFTER) + 60_000) };
  const scheduler = () =>
    new MarkScheduler({
      prices: new PriceUpdater({ service, market: noMarket, clock, log: () => {} }),
      recorder: new Recorder(service),
      hours: usEquityHours,
      clock,
      store,
      log: () => {},
    });

  before(async () => {
    ({ dir, cleanup } = tempDir('subledger-missed-closes-'));
    store = await openWriterStore(join(dir, 'a.db'), 'test');
    service = await LedgerService.load(store);
    const imported = await importJournal(service, journal(), { now: clock.now });
    if (!imported.ok) throw new Error(JSON.stringify(imported.problems));
  });
  after(async () => {
    await store.close();
    cleanup();
  });

  it('a stopped catch-up keeps its cursor after the rows it wrote; the next start finishes without a gap or a repeat', async () => {
    const first = scheduler();
    const errors: unknown[] = [];
    const onError = (error: unknown) => void errors.push(error);
    assert.deepEqual(await first.startInBackground(onError), CLOSES);
    assert.equal(await first.tick(), null, 'a tick waits for the catch-up');
    await first.stop();
    const cursor = await store.getCursor(LAST_CLOSE_CURSOR);
    const written = cursor === undefined ? 0 : CLOSES.indexOf(cursor) + 1;
    const rowsOfLong = async () =>
      (await store.history({ scope: 'deployment', subject: 'long', kind: 'close' })).map((r) => r.ts);
    assert.deepEqual(await rowsOfLong(), CLOSES.slice(0, written), 'rows up to the cursor, none after');
    assert.deepEqual(errors, []);

    const second = scheduler();
    const rest = await second.startInBackground(onError);
    assert.deepEqual(rest, CLOSES.slice(written));
    await second.caughtUp();
    assert.deepEqual(errors, []);
    assert.equal(await store.getCursor(LAST_CLOSE_CURSOR), CLOSES.at(-1));
    assert.deepEqual(await scheduler().startInBackground(() => {}), [], 'nothing is left to catch up');
  });

  it('writes one row per subject and close, with exact values', async () => {
    assert.ok(DAYS > 2 * CLOSES_PER_BATCH, 'the closes span several batches');
    const long = await store.history({ scope: 'deployment', subject: 'long', kind: 'close' });
    assert.deepEqual(
      long.map((r) => r.ts),
      CLOSES,
    );
    for (const k of [0, 1, 49, 50, 99, 100, 119])
      assert.deepEqual(
        [long[k]!.day, long[k]!.equity, long[k]!.unrealizedPnl, long[k]!.totalPnl, long[k]!.positionsValue],
        [DAY[k], String(10_000 + 10 * k), String(10 * k), String(10 * k), String(1000 + 10 * k)],
      );
    const account = await store.history({ scope: 'account', kind: 'close' });
    assert.deepEqual(
      [account.length, account[119]!.members, account[119]!.capital, account[119]!.totalPnl],
      [DAYS, 2, '15000', '1190'],
    );
    const beta = await store.history({ scope: 'strategy', subject: 'beta', kind: 'close' });
    assert.deepEqual(new Set(beta.map((r) => r.equity)), new Set(['5000']));
    const metrics = (await everything(store)).metrics.filter((m) => m.deploymentId === 'long');
    assert.deepEqual([metrics.length, metrics[75]!.ts, metrics[75]!.equity], [DAYS, CLOSES[75], String(10_000 + 750)]);
  });

  it('the rows equal a rebuild from the journal alone, one close at a time, on a fresh store', async () => {
    assert.deepEqual(await verifyHistory(store), []);
    const fresh = await openWriterStore(join(dir, 'fresh.db'), 'test');
    try {
      await fresh.commit(await store.readJournal(0, 1_000_000), emptyProjections());
      assert.deepEqual(await rebuildHistory(fresh, usEquityHours), CLOSES);
      const ours = await everything(store);
      const rebuilt = await everything(fresh);
      assert.equal(ours.history.length, DAYS * 5); // 2 deployments, 2 strategies, the account
      assert.equal(ours.metrics.length, DAYS * 2);
      assert.deepEqual(ours, rebuilt);
    } finally {
      await fresh.close();
    }
  });
});
