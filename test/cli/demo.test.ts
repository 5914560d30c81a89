/**
 * The demo as a user meets it (issue 13, item 3), each command its own process in a fresh
 * directory, without --db:
 *
 * - `demo --no-serve` trades one session and stops at the close: nothing is journaled after
 *   21:00, and `history --verify` replays every stored row and snapshot exactly (before: 15
 *   snapshot differences after the close, exit 1);
 * - the demo writes the default store, so `books` right after it shows the demo (before: the demo
 *   wrote ./subledger-demo.db and `books` opened an empty ./subledger.db);
 * - the demo starts afresh only on its own store: one holding imported books is refused;
 * - `demo --prices` stops when the bars run out and says so.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/tmp.js';
import { subledger } from './run.js';

describe('the demo, then the other commands, in a fresh directory', () => {
  const { dir, cleanup } = tempDir('subledger-demo-');
  after(cleanup);
  let demo: Awaited<ReturnType<typeof subledger>>;

  before(async () => {
    demo = await subledger(['demo', '--no-serve'], { cwd: dir });
  });

  it('trades one session on ./subledger.db and stops at the close', () => {
    assert.equal(demo.code, 0, demo.err);
    const lines = demo.out.split('\n');
    assert.equal(lines[0], 'demo: paper broker, prices: simulated (seed 42), store ./subledger.db');
    assert.equal(
      lines[1],
      'stopped at the close (2025-01-02T21:00:00.000Z): one session traded, from 2025-01-02T14:30:00.000Z, in market hours only',
    );
    assert.match(demo.out, /^account reconciliation \(balanced: Σ sleeves \+ house = broker\):$/m);
    assert.equal(existsSync(join(dir, 'subledger.db')), true);
    assert.equal(existsSync(join(dir, 'subledger-demo.db')), false);
    const db = new Database(join(dir, 'subledger.db'), { readonly: true });
    try {
      const { first, last } = db
        // valuation_taken fences sit 1 ms after the valuation they close (the close's included)
        .prepare("select min(ts_event) as first, max(ts_event) as last from journal where type <> 'valuation_taken'")
        .get() as {
        first: string;
        last: string;
      };
      assert.ok(first >= '2025-01-02T14:30:00', first);
      assert.ok(last <= '2025-01-02T21:00:00.000Z', `nothing after the close, last event at ${last}`);
    } finally {
      db.close();
    }
  });

  it('history --verify replays every stored history row and snapshot exactly (exit 0)', async () => {
    const r = await subledger(['history', '--verify'], { cwd: dir });
    assert.equal(r.code, 0, r.out.slice(0, 2000));
    assert.equal(r.out.split('\n')[0], 'history verified: every stored row equals its replay from the journal');
    assert.match(r.out, /│ 2025-01-02 │/, "the day's close was among the rows verified");
  });

  it('books without --db shows the demo', async () => {
    const r = await subledger(['books', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.err);
    const { deployments } = JSON.parse(r.out) as { deployments: { id: string }[] };
    assert.deepEqual(deployments.map((d) => d.id).sort(), ['a', 'b', 'dip', 'fixed', 'house', 'trend']);
    const summary = await subledger(['summary'], { cwd: dir });
    assert.equal(summary.code, 0, summary.err);
    assert.match(summary.out, /^rebalance rb-2025010220\d{4}-[0-9a-f]{6} · 2025-01-02T20:/);
  });

  it('the demo deletes only its own store: once books are imported into it, it refuses and keeps them', async () => {
    const mine = join(dir, 'mine.jsonl');
    writeFileSync(mine, '{"type":"deployment","deployment":"mine","initial_capital":"5000"}\n');
    const imported = await subledger(['import', mine, '--quiet'], { cwd: dir });
    assert.equal(imported.code, 0, imported.err);
    const again = await subledger(['demo', '--no-serve', '--steps', '1'], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(
      again.err,
      /^error: \.\/subledger\.db holds books the demo did not make \(\d+ journal entries\), and the demo deletes nothing but its own store: run it on another one \(--db demo\.db\), or add the demo's deployments to these books with --keep$/m,
    );
    const books = JSON.parse((await subledger(['books', '--json'], { cwd: dir })).out) as {
      deployments: { id: string }[];
    };
    assert.ok(
      books.deployments.some((d) => d.id === 'trend'),
      'still there',
    );
  });
});

describe('demo --prices', () => {
  const { dir, cleanup } = tempDir('subledger-demo-bars-');
  after(cleanup);

  it('stops when the bars run out, and says so', async () => {
    const bars = join(dir, 'bars.csv');
    const rows = ['ts,symbol,open,high,low,close,volume'];
    ['190.75', '190.40', '190.60', '190.80'].forEach((close, i) => {
      const ts = `2025-01-02T14:3${i}:00Z`;
      rows.push(`${ts},AAPL,${close},191.00,190.00,${close},12000`, `${ts},MSFT,420.50,421.00,419.00,420.50,800`);
    });
    writeFileSync(bars, rows.join('\n') + '\n');
    const r = await subledger(['demo', '--no-serve', '--prices', bars, '--db', join(dir, 'bars.db')]);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out.split('\n')[1],
      'the bars ran out at 2025-01-02T14:33:00.000Z after 3 step(s): bars:bars.csv has no more prices; stopped',
    );
    const verify = await subledger(['history', '--verify', '--db', join(dir, 'bars.db')]);
    assert.equal(verify.code, 0, verify.out);
  });
});
