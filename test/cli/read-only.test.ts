/**
 * Read-only means read-only (issue 13, item 2), with the command line as its own process:
 *
 * - `rebalance --dry-run` on a store made by `import` alone prints the plan and leaves the store
 *   byte for byte as it was (before: it journaled a house sleeve with $100,000, seq 6);
 * - `reconcile` without a real broker says there is nothing to check and exits 0, claiming no
 *   balance (before: it rebuilt a paper broker from the books and always said "balanced");
 * - a reader never creates a store;
 * - every read-only command runs while another writer (a serving runtime) holds the store's writer
 *   lease, and leaves that lease alone, while a writing command is refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type Runtime, createRuntime } from '../../src/server.js';
import { tempDir } from '../helpers/tmp.js';
import { ROOT, subledger } from './run.js';

const SEED = join(ROOT, 'samples/seed-000.jsonl');

/** Every row of every table, in a fixed order: equal dumps mean nothing was written. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .all()
      .map((r) => (r as { name: string }).name);
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`select * from "${t}" order by 1, 2`).all()]));
  } catch {
    return {};
  } finally {
    db.close();
  }
}

const journal = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('select count(*) as count, max(seq) as last from journal').get() as {
      count: number;
      last: number;
    };
  } finally {
    db.close();
  }
};

const NOTHING_TO_CHECK =
  'nothing to check: the paper broker is rebuilt from these same books, so it always agrees with them. reconcile checks the books against a real account: --broker alpaca, with APCA_API_KEY_ID and APCA_API_SECRET_KEY set.\n';

/** Seed 000 (momentum a, mean-reversion b, 15 AAPL marked at 151.2 at the close) planned on the next session's open. */
const PLAN = `rebalance rb-ID (dry run: nothing was sent) · 2025-01-03T14:30:00.000Z → 2025-01-03T14:30:00.000Z

per symbol:
  AAPL     nothing crossed; broker sell 15

per strategy:
  a (momentum) — BEARISH: no symbol up over 30 prices
    allocation: AAPL 0.0% → 0 (-10)
    equity 10,012.00  realized 0.00  unrealized 12.00  total 12.00  orders 0/0 filled  crossed 0 (fees saved 0.00)
  b (mean-reversion) — NEUTRAL: no symbol down more than 0.20% (worst AAPL 0.00%)
    allocation: AAPL 0.0% → 0 (-5)
    equity 10,006.00  realized 0.00  unrealized 6.00  total 6.00  orders 0/0 filled  crossed 0 (fees saved 0.00)
`;

describe('read-only commands write nothing', () => {
  const { dir, cleanup } = tempDir('subledger-read-only-');
  after(cleanup);
  const db = join(dir, 'imported.db');

  before(async () => {
    const r = await subledger(['import', SEED, '--db', db, '--quiet']);
    assert.equal(r.code, 0, r.err);
  });

  it('rebalance --dry-run on a store made by import alone: the plan, and the store byte for byte as it was', async () => {
    const stored = dump(db);
    assert.deepEqual(journal(db), { count: 5, last: 5 });
    const r = await subledger(['rebalance', '--dry-run', '--db', db]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.replace(/rb-\d{14}-[0-9a-f]{6}/, 'rb-ID'), PLAN);
    assert.deepEqual(journal(db), { count: 5, last: 5 }, 'no journal entry added');
    assert.deepEqual(
      (stored.deployments as { id: string }[]).map((d) => d.id),
      ['a', 'b'],
    );
    assert.deepEqual(dump(db), stored, 'no table changed: no house sleeve, no cursor, no lease');
  });

  it('reconcile without a real broker: nothing to check, exit 0, no balance claimed, nothing written', async () => {
    const stored = dump(db);
    const r = await subledger(['reconcile', '--db', db]);
    assert.deepEqual([r.code, r.out, r.err], [0, NOTHING_TO_CHECK, '']);
    const json = await subledger(['reconcile', '--db', db, '--json']);
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out), { broker: 'paper', checked: false, reason: NOTHING_TO_CHECK.trim() });
    assert.doesNotMatch(r.out + json.out, /balanced/);
    assert.deepEqual(dump(db), stored);
  });

  it('a reader never creates a store: books on a missing file fails naming it, and no file appears', async () => {
    const missing = join(dir, 'missing.db');
    for (const args of [['books'], ['history'], ['rebalance', '--dry-run']]) {
      const r = await subledger([...args, '--db', missing]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}`);
      assert.equal(
        r.err.trim().split('\n').at(-1),
        `error: no store at ${missing}: nothing has been written there yet (\`subledger demo\` or \`subledger import FILE\` creates it; --db or SUBLEDGER_DB chooses another)`,
      );
      assert.equal(existsSync(missing), false);
    }
  });
});

describe('read-only commands while a writer serves the store', () => {
  const { dir, cleanup } = tempDir('subledger-read-only-serving-');
  const db = join(dir, 'served.db');
  let runtime: Runtime;

  before(async () => {
    runtime = await createRuntime(
      loadConfig(
        {
          db,
          port: '0',
          stepMs: '20',
          logLevel: 'silent',
          adminToken: 'admin-token-0123456789',
          tokenSecret: 'secret-0123456789abcdef',
        },
        {},
      ),
      { onLeaseLost: () => assert.fail('the serving runtime lost its lease') },
    );
    await runtime.app.createDeployment({
      id: 'fixed' as DeploymentId,
      strategy: 'fixed-weight',
      initialCapital: dec('20000'),
    });
    await runtime.rebalance();
    await runtime.serve(); // the market steps every 20 ms from now on: marks, fills and snapshots are written meanwhile
  });
  after(async () => {
    await runtime?.close();
    cleanup();
  });

  it('books, history, summary, report, replay --dry-run, rebalance --dry-run and reconcile all run; the lease stays the writer’s', async () => {
    const lease = await runtime.store.readLease();
    assert.equal(lease?.holder.pid, process.pid);
    const readers = [
      ['books', '--json'],
      ['history', '--runs'],
      ['summary'],
      ['report'],
      ['replay', '--dry-run', '--quiet'],
      ['rebalance', '--dry-run'],
      ['reconcile'],
    ];
    for (const args of readers) {
      const r = await subledger([...args, '--db', db]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
      assert.doesNotMatch(r.err, /writer lease/, args.join(' '));
    }
    const books = await subledger(['books', '--json', '--db', db]);
    assert.deepEqual(
      (JSON.parse(books.out) as { deployments: { id: string }[] }).deployments.map((d) => d.id),
      ['house', 'fixed'],
    );
    assert.deepEqual(await runtime.store.readLease().then((l) => [l?.epoch, l?.holder.id]), [
      lease!.epoch,
      lease!.holder.id,
    ]);
  });

  it('a command that writes is refused, naming the writer', async () => {
    const r = await subledger(['import', SEED, '--db', db, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^error: the writer lease of this store is held by pid ${process.pid} on `, 'm'));
  });
});
