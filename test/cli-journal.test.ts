/** The CLI's journal commands end to end, on a real SQLite file (golden outputs, exact numbers). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/tmp.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const db = join(dir, 'cli.db');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('subledger import / books / replay', () => {
  it('refuses a journal with bad lines, naming line and field, and writes nothing', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      [
        '{"type":"deployment","deployment":"alpha","initial_capital":"10000"}',
        '{"type":"fill","id":"f1","deployment":"alpha","symbol":"AAPL","side":"buy","qty":10,"price":"150","ts":"2025-01-02T15:00:00Z"}',
        '{"type":"fill","id":"f2","deployment":"ghost","symbol":"AAPL","side":"buy","qty":"1","price":"150","ts":"2025-01-02T15:00:00Z"}',
        'not json',
        '{"type":"fill","id":"f3","deployment":"alpha","symbol":"AAPL","side":"hold","qty":"1","price":"1.5e2","ts":"2025-01-02T15:00:00Z","extra":1}',
      ].join('\n'),
    );
    const r = cli('import', bad, '--db', db);
    assert.equal(r.code, 1);
    const lines = r.err.trim().split('\n');
    assert.deepEqual(lines.slice(0, 2), [
      `${bad}:2: qty: must be a decimal string, e.g. "150.25"`,
      `${bad}:4: (line): not valid JSON (Unexpected token 'o', "not json" is not valid JSON)`,
    ]);
    assert.ok(lines.includes(`${bad}:5: extra: unknown field`), r.err);
    assert.ok(lines.includes(`${bad}:5: side: must be "buy" or "sell"`), r.err);
    assert.ok(
      lines.some((l) => l.startsWith(`${bad}:5: price: "1.5e2" is not a decimal number`)),
      r.err,
    );
    assert.equal(lines.at(-1), 'import refused: 5 problem(s); nothing was written');
    const books = cli('books', '--db', db, '--json');
    assert.deepEqual(JSON.parse(books.out).deployments, []);
  });

  it('reports semantic problems (unknown deployment) only once the lines parse', () => {
    const file = join(dir, 'ghost.jsonl');
    writeFileSync(
      file,
      '{"type":"fill","id":"f2","deployment":"ghost","symbol":"AAPL","side":"buy","qty":"1","price":"150","ts":"2025-01-02T15:00:00Z"}\n',
    );
    const r = cli('import', file, '--db', db);
    assert.equal(r.code, 1);
    assert.match(r.err, /ghost\.jsonl:1: deployment: unknown deployment 'ghost' \(create it first\)/);
  });

  it('imports the bundled seed sample once, and re-importing adds nothing', () => {
    const first = cli('import', 'samples/seed-000.jsonl', '--db', db);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /imported 5 event\(s\) from 5 line\(s\) .*; 0 already journaled/);
    const again = cli('import', 'samples/seed-000.jsonl', '--db', db);
    assert.match(again.out, /imported 0 event\(s\) from 5 line\(s\) .*; 5 already journaled/);
  });

  it('prints the books as JSON with exact decimal strings', () => {
    const r = cli('books', '--db', db, '--json');
    const { deployments, account } = JSON.parse(r.out);
    assert.deepEqual(
      deployments.map((d: Record<string, string>) => [
        d.id,
        d.virtual_cash,
        d.virtual_portfolio_value,
        d.unrealized_pnl,
        d.return_pct,
      ]),
      [
        ['a', '8500', '10012', '12', '0.1200'],
        ['b', '9250', '10006', '6', '0.0600'],
      ],
    );
    assert.deepEqual(account.net_positions, { AAPL: '15' });
    assert.equal(account.virtual_cash, '17750');
  });

  it('replays the journal with no differences', () => {
    const r = cli('replay', '--db', db);
    assert.equal(r.code, 0);
    assert.match(r.out, /replayed 5 journal event\(s\): projections match the journal/);
  });

  it('lists every command in --help', () => {
    const r = cli('--help');
    for (const command of ['import', 'books', 'replay']) assert.match(r.out, new RegExp(`^  ${command}`, 'm'));
  });
});
