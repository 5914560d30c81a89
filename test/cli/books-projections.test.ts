/**
 * `books` reads the stored projections instead of folding the journal when the store vouches for
 * them (issue 13, item 6: `books --json` on 10,000 fills started in 11× a bare `node`), and prints
 * the very bytes the fold prints. Each store is read both ways: as it is (the projections) and as a
 * copy whose projections' seq was deleted (then `books` folds the whole journal, as it always did);
 * `SUBLEDGER_DEBUG=1` makes `books` say when it folds, so each run is known to have taken its way.
 *
 * The stores: the start-up benchmark's journal (bench/data.ts, 10,000 fills over 100 deployments,
 * imported), and the demo's (orders, block orders, marks, capital flows, the house sleeve). And
 * projections that cannot stand for the journal are never shown: one behind it (an entry appended
 * by something that does not keep their seq), or holding a value the fold could not have written.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { generate } from '../../bench/data.js';
import { journalLines } from '../../bench/startup.js';
import { tempDir } from '../helpers/tmp.js';
import { type Run, subledger } from './run.js';

const FOLDING = /^books: folding the journal: (.+)$/m;
const { dir, cleanup } = tempDir('subledger-books-projections-');
after(cleanup);

/** A copy of the SQLite store at `db` (its WAL too), changed by `sql` statements. */
function copyOf(db: string, name: string, ...sql: string[]): string {
  const copy = join(dir, `${name}.db`);
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(db + suffix)) copyFileSync(db + suffix, copy + suffix);
  const raw = new Database(copy);
  try {
    for (const statement of sql) raw.exec(statement);
  } finally {
    raw.close();
  }
  return copy;
}

const UNSTAMPED = "DELETE FROM cursors WHERE name = 'projections.seq'";

async function books(db: string, ...args: string[]): Promise<Run> {
  const run = await subledger(['books', '--db', db, ...args], { env: { SUBLEDGER_DEBUG: '1' } });
  assert.equal(run.code, 0, run.err);
  return run;
}

/** `books …args` from the projections and folded from the journal: the same bytes. */
async function assertBothWaysEqual(db: string, name: string, ...args: string[]): Promise<string> {
  const stored = await books(db, ...args);
  assert.doesNotMatch(stored.err, FOLDING, `books ${args.join(' ')} read the projections`);
  const folded = await books(copyOf(db, `${name}-folded`, UNSTAMPED), ...args);
  assert.equal(FOLDING.exec(folded.err)?.[1], 'the projections’ seq is not known');
  assert.ok(folded.out === stored.out, `books ${args.join(' ')}: the projections print other bytes than the fold`);
  return stored.out;
}

describe('books from the projections prints what the fold prints, byte for byte', () => {
  it("the start-up benchmark's journal: 10,000 fills over 100 deployments (--json, --method fifo, the table)", async () => {
    const journal = join(dir, 'bench.jsonl');
    const db = join(dir, 'bench.db');
    writeFileSync(journal, journalLines(generate(10_000)));
    const imported = await subledger(['import', journal, '--db', db, '--quiet']);
    assert.equal(imported.code, 0, imported.err);
    const out = await assertBothWaysEqual(db, 'bench', '--json');
    const parsed = JSON.parse(out) as { deployments: { id: string; positions: unknown[] }[] };
    assert.equal(parsed.deployments.length, 100);
    assert.equal(parsed.deployments[0]!.id, 'bot-000');
    assert.ok(parsed.deployments.every((d) => d.positions.length > 0));
    await assertBothWaysEqual(db, 'bench-fifo', '--json', '--method', 'fifo');
    await assertBothWaysEqual(db, 'bench-table');
  });

  it("the demo's store: orders, block orders, marks, flows and the house sleeve", async () => {
    const db = join(dir, 'demo.db');
    const demo = await subledger(['demo', '--no-serve', '--db', db]);
    assert.equal(demo.code, 0, demo.err);
    const out = await assertBothWaysEqual(db, 'demo', '--json');
    assert.deepEqual((JSON.parse(out) as { deployments: { id: string }[] }).deployments.map((d) => d.id).sort(), [
      'a',
      'b',
      'dip',
      'fixed',
      'house',
      'trend',
    ]);
    await assertBothWaysEqual(db, 'demo-average', '--json', '--method', 'average');
    await assertBothWaysEqual(db, 'demo-table');
  });
});

describe('projections that cannot stand for the journal are not shown: books folds it', () => {
  const db = join(dir, 'small.db');
  let truth: string;

  before(async () => {
    const journal = join(dir, 'small.jsonl');
    writeFileSync(
      journal,
      [
        '{"type":"deployment","deployment":"alpha","initial_capital":"10000","ts":"2025-01-02T14:00:00Z"}',
        '{"type":"deployment","deployment":"beta","initial_capital":"10000","cost_method":"fifo","ts":"2025-01-02T14:00:00Z"}',
        '{"type":"fill","id":"f1","deployment":"alpha","symbol":"AAPL","side":"buy","qty":"10","price":"150","fee":"1","ts":"2025-01-02T15:00:00Z"}',
        '{"type":"fill","id":"f2","deployment":"beta","symbol":"AAPL","side":"buy","qty":"4","price":"151","ts":"2025-01-02T15:01:00Z"}',
        '{"type":"mark","symbol":"AAPL","price":"152","ts":"2025-01-02T16:00:00Z"}',
      ].join('\n') + '\n',
    );
    const imported = await subledger(['import', journal, '--db', db]);
    assert.equal(imported.code, 0, imported.err);
    truth = (await books(db, '--json')).out;
  });

  it('behind the journal: an entry appended without moving their seq shows in the books', async () => {
    const behind = copyOf(
      db,
      'behind',
      `INSERT INTO journal (seq, key, type, payload, ts_event, ts_recorded) VALUES (6, 'mark:AAPL:2025-01-02T17:00:00.000Z:x', 'mark', '{"type":"mark","symbol":"AAPL","price":"160","ts":"2025-01-02T17:00:00.000Z","source":"x"}', '2025-01-02T17:00:00.000Z', '2025-01-02T17:00:00.000Z')`,
    );
    const run = await books(behind, '--json');
    assert.equal(
      FOLDING.exec(run.err)?.[1],
      'the projections were written at seq 5; the journal holds 6 entries up to seq 6',
    );
    assert.notEqual(run.out, truth);
    assert.match(run.out, /"mark": "160"/, 'the mark journaled behind the projections');
  });

  it('a value the fold could not have written (not a decimal, a position of nobody, lots that do not add up)', async () => {
    for (const [name, change, reason] of [
      [
        'cash',
        "UPDATE deployment_balances SET cash = '1e3' WHERE deployment_id = 'alpha'",
        /"1e3" is not a decimal number/,
      ],
      [
        'orphan',
        "INSERT INTO deployment_positions SELECT 'gamma', symbol, qty, cost_basis, avg_cost, realized_pnl_average, realized_pnl_fifo, fees, dividends, lots, trip FROM deployment_positions WHERE deployment_id = 'alpha'",
        /a position of unknown deployment 'gamma'/,
      ],
      [
        'lots',
        "UPDATE deployment_positions SET qty = '11' WHERE deployment_id = 'alpha'",
        /position alpha\/AAPL: lots add up to another quantity than 11/,
      ],
    ] as const) {
      const run = await books(copyOf(db, name, change), '--json');
      assert.match(FOLDING.exec(run.err)?.[1] ?? '', reason, name);
      assert.equal(run.out, truth, `${name}: the books folded from the journal`);
    }
  });
});
