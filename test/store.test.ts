/**
 * Runs the store contract against a real SQLite file and a real PostgreSQL database; then what
 * only the SQL stores do: clear the projections' seq when a journal row is changed (their
 * triggers), and, on SQLite, give `books` the projections to read instead of the journal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { openStore, openWriterStore, readStoredBooks } from '../src/adapters/sql/open-store.js';
import { readSqliteBooks } from '../src/adapters/sql/sqlite-books.js';
import { booksView } from '../src/app/performance/books-view.js';
import { type JournalEvent, parseJournalLine } from '../src/app/journal/journal-codec.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import { replay } from '../src/app/journal/replay.js';
import { ledgerFromStored } from '../src/app/journal/stored-books.js';
import type { CostMethod } from '../src/core/events.js';
import { writerContract } from './contracts/writer.contract.js';
import { storeContract } from './contracts/store.contract.js';
import { journal } from './helpers/arbitrary.js';
import { PG_URL, dropSchema, freshSchema, pgSkipReason, pgUrlFor } from './helpers/pg.js';
import { tempDir } from './helpers/tmp.js';

storeContract('SQLite file', () => {
  const { dir, cleanup } = tempDir();
  let n = 0;
  return {
    database: async () => {
      const path = join(dir, `store-${n++}.db`);
      return { open: () => openWriterStore(path, 'test') };
    },
    cleanup: async () => cleanup(),
  };
});

const skip = await pgSkipReason();
storeContract(
  'PostgreSQL',
  () => {
    const schemas: string[] = [];
    return {
      database: async () => {
        const schema = freshSchema('store');
        schemas.push(schema);
        return { open: () => openWriterStore(pgUrlFor(schema), 'test') };
      },
      cleanup: async () => {
        for (const s of schemas) await dropSchema(s);
      },
    };
  },
  skip,
);

writerContract('SQLite file', () => {
  const { dir, cleanup } = tempDir();
  let n = 0;
  return {
    database: async () => {
      const path = join(dir, `writer-${n++}.db`);
      return { open: () => openStore(path) };
    },
    cleanup: async () => cleanup(),
  };
});

writerContract(
  'PostgreSQL',
  () => {
    const schemas: string[] = [];
    return {
      database: async () => {
        const schema = freshSchema('writer');
        schemas.push(schema);
        return { open: () => openStore(pgUrlFor(schema)) };
      },
      cleanup: async () => {
        for (const s of schemas) await dropSchema(s);
      },
    };
  },
  skip,
);

/**
 * The projections' seq (store-port.ts): what lets `books` read the projections instead of folding
 * the journal. The store itself clears it when a journal row is changed or deleted, whoever does
 * it (migration 0005's triggers); and on SQLite, the books read from the projections are the books
 * folded from the journal, for any journal.
 */
describe("the projections' seq and the books read from the projections", () => {
  const { dir, cleanup } = tempDir('subledger-stored-books-');
  after(cleanup);
  let n = 0;
  const sqlitePath = () => join(dir, `books-${n++}.db`);

  const events = (...objects: object[]): JournalEvent[] =>
    objects.map((o) => {
      const r = parseJournalLine(JSON.stringify(o));
      if ('problems' in r) throw new Error(JSON.stringify(r.problems));
      return r.event;
    });
  // 'zeta' is created before 'alpha': the books list them in the journal's order, not by id.
  const seed = events(
    { type: 'deployment', deployment: 'zeta', initial_capital: '5000', cost_method: 'fifo', name: 'Zeta' },
    { type: 'deployment', deployment: 'alpha', initial_capital: '10000' },
    {
      type: 'fill',
      id: 'f1',
      deployment: 'zeta',
      symbol: 'MSFT',
      side: 'buy',
      qty: '3',
      price: '410.5',
      ts: '2025-01-02T15:00:00Z',
    },
    {
      type: 'fill',
      id: 'f2',
      deployment: 'alpha',
      symbol: 'AAPL',
      side: 'buy',
      qty: '10',
      price: '150',
      fee: '1',
      ts: '2025-01-02T15:01:00Z',
    },
    { type: 'mark', symbol: 'AAPL', price: '151.25', ts: '2025-01-02T16:00:00Z' },
  );

  /** The books JSON both ways: from the projections as `books` reads them, and folded from the journal. */
  async function bothWays(path: string, method?: CostMethod): Promise<{ stored: string; folded: string }> {
    const read = readSqliteBooks(path);
    assert.ok('books' in read, 'reason' in read ? read.reason : '');
    const rebuilt = ledgerFromStored(read.books);
    assert.ok(!('reason' in rebuilt), 'reason' in rebuilt ? rebuilt.reason : '');
    const store = await openStore(path);
    try {
      const service = await LedgerService.load(store);
      return {
        stored: JSON.stringify(
          booksView(rebuilt.ledger, rebuilt.ids, (id) => rebuilt.infos.get(id), method),
          null,
          2,
        ),
        folded: JSON.stringify(
          booksView(service.ledger, service.deploymentIds(), (id) => service.deploymentInfo(id), method),
          null,
          2,
        ),
      };
    } finally {
      await store.close();
    }
  }

  it('SQLite: read-only, in the journal’s order, only while the seq is the journal’s last one', async () => {
    const path = sqlitePath();
    assert.match(reasonOf(readSqliteBooks(path)), /cannot open .* read-only/);
    const store = await openWriterStore(path, 'test');
    try {
      assert.equal(reasonOf(readSqliteBooks(path)), 'the projections’ seq is not known', 'an empty store');
      await (await LedgerService.load(store)).append(seed);
      const read = readSqliteBooks(path);
      assert.ok('books' in read);
      assert.equal(read.books.seq, 5);
      assert.deepEqual(read.books.deploymentIds, ['zeta', 'alpha']);
      const { stored, folded } = await bothWays(path);
      assert.equal(stored, folded);
      assert.deepEqual(
        (JSON.parse(stored) as { deployments: { id: string }[] }).deployments.map((d) => d.id),
        ['zeta', 'alpha'],
      );

      // A journal row written by something that does not keep the seq (an older writer): behind.
      const raw = new Database(path);
      try {
        raw
          .prepare('INSERT INTO journal (seq, key, type, payload, ts_event, ts_recorded) VALUES (?, ?, ?, ?, ?, ?)')
          .run(
            6,
            'mark:AAPL:2025-01-02T17:00:00.000Z:x',
            'mark',
            '{"type":"mark","symbol":"AAPL","price":"160","ts":"2025-01-02T17:00:00.000Z","source":"x"}',
            '2025-01-02T17:00:00.000Z',
            '2025-01-02T17:00:00.000Z',
          );
      } finally {
        raw.close();
      }
      assert.equal(
        reasonOf(readSqliteBooks(path)),
        'the projections were written at seq 5; the journal holds 6 entries up to seq 6',
      );
      assert.equal(await store.projectionsSeq(), 5);
      await replay(store);
      assert.equal(await store.projectionsSeq(), 6);
      const again = await bothWays(path, 'average');
      assert.equal(again.stored, again.folded);
      assert.match(again.stored, /"mark": "160"/, 'the projections now hold what was journaled behind them');
    } finally {
      await store.close();
    }
    assert.equal(
      reasonOf(await readStoredBooks('postgres://nobody@127.0.0.1:1/none')),
      'a PostgreSQL store: books folds its journal',
    );
  });

  it('SQLite: an UPDATE or a DELETE of a journal row clears the seq, from any connection', async () => {
    const path = sqlitePath();
    const store = await openWriterStore(path, 'test');
    try {
      await (await LedgerService.load(store)).append(seed);
      assert.equal(await store.projectionsSeq(), 5);
      const raw = new Database(path);
      try {
        raw.prepare('UPDATE journal SET ts_recorded = ts_recorded WHERE seq = 3').run();
        assert.equal(await store.projectionsSeq(), undefined, 'an update, even one that changes nothing');
        assert.equal(reasonOf(readSqliteBooks(path)), 'the projections’ seq is not known');
        await replay(store);
        assert.equal(await store.projectionsSeq(), 5);
        raw.prepare('DELETE FROM journal WHERE seq = 5').run();
        assert.equal(await store.projectionsSeq(), undefined, 'a delete');
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });

  it(
    'PostgreSQL: an UPDATE, DELETE or TRUNCATE of the journal clears the seq, from a session on another search_path',
    { skip },
    async () => {
      const schema = freshSchema('stamp');
      const store = await openWriterStore(pgUrlFor(schema), 'test');
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await (await LedgerService.load(store)).append(seed);
        for (const change of [
          `UPDATE "${schema}".journal SET ts_recorded = ts_recorded WHERE seq = 3`,
          `DELETE FROM "${schema}".journal WHERE seq = 5`,
          `TRUNCATE "${schema}".journal`,
        ]) {
          await replay(store);
          assert.equal(await store.projectionsSeq(), Number((await store.journalStats()).lastSeq), change);
          await client.query(change);
          assert.equal(await store.projectionsSeq(), undefined, change);
        }
      } finally {
        await client.end();
        await store.close();
        await dropSchema(schema);
      }
    },
  );

  it('SQLite: for any journal, the books from the projections are the books folded from it, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(journal, async (generated) => {
        const path = sqlitePath();
        const store = await openWriterStore(path, 'test');
        try {
          const service = await LedgerService.load(store);
          const mid = Math.floor(generated.length / 2);
          await service.append(generated.slice(0, mid) as JournalEvent[]);
          await service.append(generated.slice(mid) as JournalEvent[]);
        } finally {
          await store.close();
        }
        for (const method of [undefined, 'average', 'fifo'] as const) {
          const { stored, folded } = await bothWays(path, method);
          assert.equal(stored, folded, `method ${method ?? 'own'}`);
        }
      }),
      { numRuns: 25 },
    );
  });
});

function reasonOf(read: { books: unknown } | { reason: string }): string {
  return 'reason' in read ? read.reason : '(read)';
}
