/**
 * The store contract: every StorePort implementation runs this suite against its real back-end
 * (a SQLite file, a PostgreSQL database). It also exercises the ledger service and replay on top,
 * since "a fill is committed once, with its projections, or not at all" is the store's promise.
 *
 * Every test works on a database of its own (a new file, a new schema): none depends on what
 * another wrote, so each can run alone, in any order. `seeded()` is a fresh store holding `seed`.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Checkpointer } from '../../src/app/journal/checkpoint.js';
import { LedgerService, foldJournal } from '../../src/app/journal/ledger-service.js';
import { parseJournalLine, type JournalEvent } from '../../src/app/journal/journal-codec.js';
import { replay } from '../../src/app/journal/replay.js';
import {
  emptyProjections,
  type HistoryRow,
  JournalConflictError,
  type StorePort,
} from '../../src/app/ports/store-port.js';
import { AppError } from '../../src/app/errors.js';
import { journal } from '../helpers/arbitrary.js';

export interface StoreHarness {
  /**
   * A fresh, empty database. Its `open` connects to it as the writer: the first call migrates it,
   * a later one (after `close`) reopens the same data (durability, idempotent migrations).
   */
  database(): Promise<{ open(): Promise<StorePort> }>;
  /** Drops every database made. */
  cleanup(): Promise<void>;
}

const lines = (...objects: object[]): JournalEvent[] =>
  objects.map((o) => {
    const r = parseJournalLine(JSON.stringify(o));
    if ('problems' in r) throw new Error(JSON.stringify(r.problems));
    return r.event;
  });

const seed = lines(
  { type: 'deployment', deployment: 'alpha', initial_capital: '10000' },
  { type: 'deployment', deployment: 'beta', initial_capital: '10000', cost_method: 'fifo' },
  {
    type: 'fill',
    id: 'f1',
    deployment: 'alpha',
    symbol: 'AAPL',
    side: 'buy',
    qty: '10',
    price: '150',
    ts: '2025-01-02T15:00:00Z',
  },
  {
    type: 'fill',
    id: 'f2',
    deployment: 'beta',
    symbol: 'AAPL',
    side: 'buy',
    qty: '5',
    price: '150',
    ts: '2025-01-02T15:00:01Z',
  },
  {
    type: 'fill',
    id: 'f3',
    deployment: 'alpha',
    symbol: 'AAPL',
    side: 'sell',
    qty: '4',
    price: '151.2',
    fee: '0.000000000000000001',
    ts: '2025-01-02T15:01:00Z',
  },
  { type: 'mark', symbol: 'AAPL', price: '152.345678901', ts: '2025-01-02T16:00:00Z' },
);

export function storeContract(name: string, harness: () => StoreHarness, skip?: string) {
  describe(`store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    /** Every store a test opened, closed after it (a close of a closed store is ignored). */
    const opened: StorePort[] = [];
    const connect = async (db: { open(): Promise<StorePort> }) => {
      const store = await db.open();
      opened.push(store);
      return store;
    };
    /** A store on a fresh, empty database; `reopen` connects to the same database again. */
    const fresh = async () => {
      const db = await h.database();
      return { store: await connect(db), reopen: () => connect(db) };
    };
    /** A fresh store holding `seed` (6 events: alpha and beta, three AAPL fills, a mark). */
    const seeded = async () => {
      const f = await fresh();
      const result = await (await LedgerService.load(f.store)).append(seed);
      assert.equal(result.appended, 6);
      return f;
    };
    before(() => {
      h = harness();
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined);
    });
    after(async () => {
      await h?.cleanup();
    });

    it('journals events with their projections and reads them back exactly', async () => {
      const { store } = await fresh();
      const service = await LedgerService.load(store, { now: () => new Date('2025-01-03T00:00:00Z') });
      const result = await service.append(seed);
      assert.equal(result.appended, 6);
      assert.deepEqual(await store.journalStats(), { count: 6, lastSeq: 6 });
      assert.deepEqual(
        (await store.balances()).map((b) => [b.deploymentId, b.cash]),
        [
          ['alpha', '9104.799999999999999999'],
          ['beta', '9250'],
        ],
      );
      const [alphaAapl] = await store.positions('alpha');
      assert.equal(alphaAapl!.qty, '6');
      assert.equal(alphaAapl!.realizedPnlAverage, '4.8');
      assert.deepEqual(JSON.parse(alphaAapl!.lots), [['6', '900', '2025-01-02T15:00:00Z']]);
      const trades = await store.trades({ deploymentId: 'alpha', limit: 10 });
      assert.deepEqual(
        trades.map((t) => [t.fillId, t.side, t.qty, t.price, t.fee, t.realizedPnl]),
        [
          ['f1', 'buy', '10', '150', '0', '0'],
          ['f3', 'sell', '4', '151.2', '0.000000000000000001', '4.8'],
        ],
      );
      assert.deepEqual(
        await store.marks(),
        [
          {
            symbol: 'AAPL',
            price: '152.345678901',
            splitDivisor: null,
            ts: '2025-01-02T16:00:00.000Z',
            source: 'import',
          },
        ].map((m) => ({ ...m, ts: m.ts.replace('.000Z', 'Z') })),
      );
      assert.equal((await store.deployments()).find((d) => d.id === 'beta')!.costMethod, 'fifo');
    });

    it('filters and pages trades by deployment, symbol, time and cursor', async () => {
      const { store } = await seeded();
      assert.equal((await store.trades({ deploymentId: 'beta', limit: 10 })).length, 1);
      assert.equal((await store.trades({ symbol: 'MSFT', limit: 10 })).length, 0);
      assert.deepEqual(
        (await store.trades({ from: '2025-01-02T15:00:01Z', limit: 10 })).map((t) => t.fillId),
        ['f2', 'f3'],
      );
      assert.deepEqual(
        (await store.trades({ to: '2025-01-02T15:00:01Z', limit: 10 })).map((t) => t.fillId),
        ['f1'],
      );
      const first = await store.trades({ limit: 2 });
      const rest = await store.trades({ limit: 2, after: { seq: first[1]!.seq, leg: first[1]!.leg } });
      assert.deepEqual(
        [...first, ...rest].map((t) => t.fillId),
        ['f1', 'f2', 'f3'],
      );
    });

    it('treats a re-sent identical event as a duplicate and changes nothing', async () => {
      const { store } = await seeded();
      const service = await LedgerService.load(store);
      const result = await service.append(seed);
      assert.equal(result.appended, 0);
      assert.equal(result.duplicates, 6);
      assert.equal((await store.journalStats()).count, 6);
    });

    it('refuses a known fill id with different content, writing nothing', async () => {
      const { store } = await seeded();
      const service = await LedgerService.load(store);
      const altered = lines(
        {
          type: 'fill',
          id: 'f9',
          deployment: 'alpha',
          symbol: 'AAPL',
          side: 'buy',
          qty: '1',
          price: '1',
          ts: '2025-01-02T17:00:00Z',
        },
        {
          type: 'fill',
          id: 'f1',
          deployment: 'alpha',
          symbol: 'AAPL',
          side: 'buy',
          qty: '11',
          price: '150',
          ts: '2025-01-02T15:00:00Z',
        },
      );
      await assert.rejects(
        service.append(altered),
        (e: AppError) => e.code === 'JOURNAL_CONFLICT' && /event 2: id: fill:f1/.test(e.message),
      );
      assert.equal((await store.journalStats()).count, 6);
      assert.equal(
        service.ledger.sleeves.get('alpha' as never)!.cash,
        (await LedgerService.load(store)).ledger.sleeves.get('alpha' as never)!.cash,
      );
    });

    it('rejects a whole batch when one event is invalid, naming it', async () => {
      const { store } = await seeded();
      const service = await LedgerService.load(store);
      const bad = lines(
        {
          type: 'fill',
          id: 'g1',
          deployment: 'alpha',
          symbol: 'AAPL',
          side: 'buy',
          qty: '1',
          price: '1',
          ts: '2025-01-02T17:00:00Z',
        },
        {
          type: 'fill',
          id: 'g2',
          deployment: 'ghost',
          symbol: 'AAPL',
          side: 'buy',
          qty: '1',
          price: '1',
          ts: '2025-01-02T17:00:00Z',
        },
        {
          type: 'fill',
          id: 'g3',
          deployment: 'alpha',
          symbol: 'AAPL',
          side: 'buy',
          qty: '0',
          price: '1',
          ts: '2025-01-02T17:00:00Z',
        },
      );
      const problems = await service.check(bad);
      assert.deepEqual(problems, [
        { index: 1, field: 'deployment', message: "unknown deployment 'ghost' (create it first)" },
        { index: 2, field: 'qty', message: 'must be greater than 0' },
      ]);
      await assert.rejects(service.append(bad), (e: AppError) => e.code === 'VALIDATION_FAILED');
      assert.equal((await store.journalStats()).count, 6);
      assert.equal((await store.trades({ limit: 100 })).length, 3);
    });

    it('raises JournalConflictError and writes nothing when a seq is already taken (a second writer)', async () => {
      const { store } = await seeded();
      const existing = (await store.readJournal(0, 1))[0]!;
      await assert.rejects(
        store.commit([{ ...existing, key: 'other-key' }], {
          ...emptyProjections(),
          balances: [{ deploymentId: 'alpha', cash: '1', capitalFlows: '0' }],
        }),
        JournalConflictError,
      );
      assert.notEqual((await store.balances()).find((b) => b.deploymentId === 'alpha')!.cash, '1');
    });

    it('keeps named cursors', async () => {
      const { store } = await fresh();
      assert.equal(await store.getCursor('alpaca.fills'), undefined);
      await store.setCursor('alpaca.fills', '2025-01-02T15:00:00Z');
      await store.setCursor('alpaca.fills', '2025-01-02T16:00:00Z');
      assert.equal(await store.getCursor('alpaca.fills'), '2025-01-02T16:00:00Z');
    });

    it('survives a reopen: migrations are idempotent and committed data is there', async () => {
      const first = await seeded();
      await first.store.setCursor('alpaca.fills', '2025-01-02T16:00:00Z');
      await first.store.close();
      const store = await first.reopen();
      assert.equal((await store.journalStats()).count, 6);
      assert.equal(await store.getCursor('alpaca.fills'), '2025-01-02T16:00:00Z');
      const report = await replay(store, { dryRun: true });
      assert.deepEqual(report.differences, []);
    });

    it('replay finds and repairs a tampered projection', async () => {
      const { store } = await seeded();
      await store.commit([], {
        ...emptyProjections(),
        balances: [{ deploymentId: 'alpha', cash: '1', capitalFlows: '0' }],
      });
      const report = await replay(store);
      assert.deepEqual(
        report.differences.map((d) => [d.table, d.key]),
        [['balances', 'alpha']],
      );
      assert.deepEqual((await replay(store, { dryRun: true })).differences, []);
    });

    it("keeps the projections' seq with the commits that wrote them; anything else clears it until a replay", async () => {
      const { store } = await fresh();
      assert.equal(await store.projectionsSeq(), undefined, 'an empty store');
      const service = await LedgerService.load(store);
      await service.append(seed.slice(0, 3));
      assert.equal(await store.projectionsSeq(), 3, 'from an empty journal');
      await service.append(seed.slice(3));
      assert.equal(await store.projectionsSeq(), 6, 'each commit moves it on');
      const snapshot = { deploymentId: 'alpha', ts: '2025-01-02T21:00:00.000Z', cash: '1', positionsValue: '0' };
      await store.commit([], {
        ...emptyProjections(),
        metrics: [
          {
            ...snapshot,
            equity: '1',
            realizedPnl: '0',
            unrealizedPnl: '0',
            fees: '0',
            dividends: '0',
            totalPnl: '0',
            returnPct: '0.0000',
          },
        ],
      });
      assert.equal(await store.projectionsSeq(), 6, 'a metrics snapshot is not a projection books reads');
      // Projection rows written without journal rows (what replay repairs): no longer vouched for.
      await store.commit([], {
        ...emptyProjections(),
        balances: [{ deploymentId: 'alpha', cash: '1', capitalFlows: '0' }],
      });
      assert.equal(await store.projectionsSeq(), undefined);
      const mark = lines({ type: 'mark', symbol: 'AAPL', price: '153', ts: '2025-01-02T17:00:00Z' });
      await service.append(mark);
      assert.equal(
        await store.projectionsSeq(),
        undefined,
        'a commit that does not follow on from it leaves it unknown',
      );
      await replay(store, { dryRun: true });
      assert.equal(await store.projectionsSeq(), undefined, 'a dry run writes nothing');
      const report = await replay(store);
      assert.deepEqual(
        report.differences.map((d) => [d.table, d.key]),
        [['balances', 'alpha']],
      );
      assert.equal(await store.projectionsSeq(), 7, 'replay rebuilt them from the whole journal');
      await (
        await LedgerService.load(store)
      ).append(lines({ type: 'mark', symbol: 'AAPL', price: '154', ts: '2025-01-02T18:00:00Z' }));
      assert.equal(await store.projectionsSeq(), 8);
      await store.replaceProjections(emptyProjections());
      assert.equal(await store.projectionsSeq(), undefined, 'projections replaced without their seq');
      await store.replaceProjections(emptyProjections(), 7);
      assert.equal(await store.projectionsSeq(), undefined, 'folded through 7 while the journal ends at 8');
    });

    it('keeps the journal and the live ledger in step for any journal (replay = live)', async () => {
      await fc.assert(
        fc.asyncProperty(journal, async (events) => {
          const { store } = await fresh();
          try {
            const service = await LedgerService.load(store);
            const mid = Math.floor(events.length / 2);
            await service.append(events.slice(0, mid) as JournalEvent[]);
            await service.append(events.slice(mid) as JournalEvent[]);
            const report = await replay(store, { dryRun: true });
            assert.deepEqual(report.differences, []);
          } finally {
            await store.close();
          }
        }),
        { numRuns: 15 },
      );
    });

    it('upserts P&L history rows by (scope, subject, kind, ts), exactly, and filters them with inclusive bounds', async () => {
      const { store } = await fresh();
      const row = (subject: string, kind: string, ts: string, equity: string): HistoryRow => ({
        scope: 'deployment',
        subject,
        kind,
        ts,
        day: ts.slice(0, 10),
        members: 1,
        capital: '10000',
        cash: '0.000000000000000001',
        positionsValue: equity,
        equity,
        realizedPnl: '-12345678901234567890.123456789012345678',
        unrealizedPnl: '0',
        fees: '0',
        dividends: '0',
        totalPnl: '0',
        returnPct: '0.0000',
        grossExposure: equity,
        openPositions: 2,
      });
      const d1 = '2025-01-02T21:00:00.000Z';
      const d2 = '2025-01-03T21:00:00.000Z';
      await store.writeHistory([
        row('b', 'close', d2, '2'),
        row('a', 'close', d2, '20'),
        row('a', 'close', d1, '10'),
        row('a', 'rebalance', d1, '11'),
      ]);
      await store.writeHistory([{ ...row('a', 'close', d1, '10.5'), scope: 'strategy' }]);
      const all = await store.history({ scope: 'deployment' });
      assert.deepEqual(
        all.map((r) => [r.subject, r.kind, r.ts, r.equity]),
        [
          ['a', 'close', d1, '10'],
          ['a', 'rebalance', d1, '11'],
          ['a', 'close', d2, '20'],
          ['b', 'close', d2, '2'],
        ],
      );
      assert.deepEqual(all[0], row('a', 'close', d1, '10'));
      await store.writeHistory([row('a', 'close', d1, '99.99')]);
      assert.equal((await store.history({ scope: 'deployment', subject: 'a', kind: 'close' }))[0]!.equity, '99.99');
      assert.equal((await store.history({ scope: 'deployment' })).length, 4);
      assert.deepEqual(
        (await store.history({ scope: 'deployment', subject: 'a', from: d2, to: d2 })).map((r) => r.equity),
        ['20'],
      );
      assert.deepEqual(
        (await store.history({ scope: 'deployment', kind: 'rebalance', to: d1 })).map((r) => r.subject),
        ['a'],
      );
      assert.deepEqual(
        (await store.history({ scope: 'strategy' })).map((r) => r.equity),
        ['10.5'],
      );
      await store.replaceProjections(emptyProjections());
      assert.equal(
        (await store.history({ scope: 'deployment' })).length,
        4,
        'history is not a journal projection: a replay keeps it',
      );
    });

    it('keeps the latest two checkpoints and reads back the newest exactly (stores that keep them)', async (t) => {
      const { store, reopen } = await seeded();
      if (!store.writeCheckpoint || !store.latestCheckpoint) return t.skip('this store keeps no checkpoints');
      assert.equal(await store.latestCheckpoint(), undefined);
      const journalRows = await store.readJournal(0, 10);
      for (const seq of [2, 4, 6])
        await store.writeCheckpoint({
          seq,
          key: journalRows[seq - 1]!.key,
          format: 'test/1',
          state: `state at ${seq}: "quoted", 0.000000000000000001`,
          writtenAt: `2025-01-03T00:00:0${seq}.000Z`,
        });
      const expected = {
        seq: 6,
        key: journalRows[5]!.key,
        format: 'test/1',
        state: 'state at 6: "quoted", 0.000000000000000001',
        writtenAt: '2025-01-03T00:00:06.000Z',
      };
      assert.deepEqual(await store.latestCheckpoint(), expected);
      await store.close();
      const again = await reopen();
      assert.deepEqual(await again.latestCheckpoint!(), expected, 'durable');
    });

    it('starts a service from its checkpoint with the state a whole fold gives (stores that keep them)', async (t) => {
      const { store } = await seeded();
      if (!store.writeCheckpoint) return t.skip('this store keeps no checkpoints');
      const service = await LedgerService.load(store);
      const checkpointer = new Checkpointer(store, service, { everyEvents: 1, everyMs: 0 }, (e) => assert.fail(e));
      checkpointer.start();
      await service.append(
        lines(
          { type: 'mark', symbol: 'AAPL', price: '153', ts: '2025-01-02T17:00:00Z' },
          { type: 'capital_flow', id: 'c1', deployment: 'beta', amount: '-0.5', ts: '2025-01-02T17:00:01Z' },
        ),
      );
      await checkpointer.stop();
      const fromCheckpoint = await LedgerService.load(store);
      const folded = await LedgerService.load(store, { checkpoint: false });
      assert.equal(fromCheckpoint.checkpointSeq, 8);
      assert.deepStrictEqual(fromCheckpoint.state, folded.state);
      assert.deepStrictEqual(fromCheckpoint.state, (await foldJournal(store)).state);
    });

    it('keeps one snapshot per deployment and time (writing it again replaces it)', async () => {
      const { store } = await fresh();
      const snap = (equity: string) => ({
        deploymentId: 'alpha',
        ts: '2025-01-02T21:00:00.000Z',
        cash: '1',
        positionsValue: '0',
        equity,
        realizedPnl: '0',
        unrealizedPnl: '0',
        fees: '0',
        dividends: '0',
        totalPnl: '0',
        returnPct: '0.0000',
      });
      await store.commit([], { ...emptyProjections(), metrics: [snap('1')] });
      await store.commit([], { ...emptyProjections(), metrics: [snap('2')] });
      assert.deepEqual(await store.metrics('alpha'), [snap('2')]);
    });
  });
}
