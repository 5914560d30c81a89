/**
 * A corrupt journal entry stops every command — `serve`, `replay` and the rest — as a process: exit
 * code 1, one line naming the seq, the field and the reason, and never a hang. The journal is
 * imported (more than 1,000 entries, so the progress bars start, as they did when `serve` and
 * `replay` hung), then one stored row is damaged directly in a copy of the SQLite file. Commands
 * run one at a time: each must end by itself well within TIMEOUT_MS (generous, for loaded CI
 * machines; a hang never ends).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from './helpers/tmp.js';

const TIMEOUT_MS = 60_000;
const { dir, cleanup } = tempDir('subledger-fatal-');
after(cleanup);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

/**
 * Runs `subledger …` as its own process on the sources (through tsx, as the drills do; the built
 * bin/subledger.js is exercised by test/cli-built.test.ts), killed after TIMEOUT_MS.
 */
function cli(...args: string[]): Promise<Run> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('SUBLEDGER_')) delete env[name];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env,
      timeout: TIMEOUT_MS,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err, ms: Date.now() - started }));
  });
}

/** A valid journal: one deployment, a fill, then 1,198 marks (1,200 entries). */
function journal(): string {
  const lines = [
    '{"type":"deployment","deployment":"a","initial_capital":"100000","strategy":"fixed-weight","ts":"2025-01-02T14:30:00Z"}',
    '{"type":"fill","id":"ex-1","deployment":"a","symbol":"AAPL","side":"buy","qty":"10","price":"150","fee":"0","ts":"2025-01-02T14:31:00Z"}',
  ];
  for (let i = 0; i < 1198; i++) {
    const ts = new Date(Date.parse('2025-01-02T14:32:00Z') + i * 1000).toISOString();
    lines.push(JSON.stringify({ type: 'mark', symbol: 'AAPL', price: String(150 + (i % 7)), ts, source: 'test' }));
  }
  return lines.join('\n') + '\n';
}

const JOURNAL = join(dir, 'journal.jsonl');
const BASE = join(dir, 'base.db');

/** The journal imported once into BASE. */
async function importBase(): Promise<void> {
  writeFileSync(JOURNAL, journal());
  const imported = await cli('import', JOURNAL, '--db', BASE, '--quiet');
  assert.equal(imported.code, 0, imported.err);
}

/** A copy of BASE with entry `seq` replaced by `payload`. */
function corrupted(name: string, seq: number, payload: string): string {
  const db = join(dir, `${name}.db`);
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(BASE + suffix)) copyFileSync(BASE + suffix, db + suffix);
  const sqlite = new Database(db);
  try {
    assert.equal(sqlite.prepare('UPDATE journal SET payload = ? WHERE seq = ?').run(payload, seq).changes, 1);
  } finally {
    sqlite.close();
  }
  return db;
}

function assertStopped(run: Run, line: string, what: string): void {
  assert.equal(
    run.signal,
    null,
    `${what} did not end by itself within ${TIMEOUT_MS} ms (killed): ${run.err.slice(-500)}`,
  );
  assert.ok(run.ms < TIMEOUT_MS, `${what} took ${run.ms} ms`);
  assert.equal(run.code, 1, `${what} exit code; stderr: ${run.err.slice(-500)}`);
  assert.ok(
    run.err.split('\n').includes(line),
    `${what}: stderr has no line\n  ${line}\ngot:\n${run.err.slice(-1500)}`,
  );
}

describe('a corrupt journal entry stops every command with exit 1, the seq, the field and the reason', () => {
  const PRICE = 'error: corrupt journal entry seq 700: price: must be a decimal string, e.g. "150.25"';
  let db: string;

  before(async () => {
    await importBase();
    // A mark whose price is a JSON number: the reader refuses it (decimals are strings).
    db = corrupted(
      'price',
      700,
      '{"type":"mark","symbol":"AAPL","price":150.5,"ts":"2025-01-02T14:43:18.000Z","source":"test"}',
    );
  });

  it('the read-only commands (books, history, replay --dry-run, report)', async () => {
    for (const args of [['books', '--json'], ['history'], ['replay', '--dry-run'], ['report']])
      assertStopped(await cli(...args, '--db', db), PRICE, args.join(' '));
  });

  it('the writers (serve, replay, reconcile, history --rebuild, import)', async () => {
    const commands = [
      ['serve', '--port', '0'],
      ['replay'],
      ['reconcile'],
      ['history', '--rebuild'],
      ['import', JOURNAL],
    ];
    for (const args of commands) {
      const run = await cli(...args, '--db', db);
      assertStopped(run, PRICE, args.join(' '));
      // Each released the writer lease on its way out: the next writer is not refused.
      assert.doesNotMatch(run.err, /writer lease of this store is held/, args.join(' '));
      if (args[0] === 'serve') {
        assert.doesNotMatch(run.out, /API at/, 'serve never listened');
        // The structured log says the same, for a supervisor reading JSON lines.
        const fatal = run.err
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.level === 'fatal');
        assert.deepEqual(fatal?.journal, {
          entry: 'seq 700',
          problems: [{ field: 'price', message: 'must be a decimal string, e.g. "150.25"' }],
        });
      }
    }
  });

  it('an entry that is not JSON names the payload; one that cannot apply names its field', async () => {
    const garbled = corrupted('garbled', 1100, '{"type":"mark",');
    const run = await cli('books', '--db', garbled);
    const line = run.err.split('\n').find((l) => l.startsWith('error: ')) ?? '(no error line)';
    assert.match(line, /^error: corrupt journal entry seq 1100: payload: not valid JSON \(.+\)$/);
    assertStopped(run, line, 'books on a garbled entry');

    // Reads as an event, but names a deployment the journal never opened.
    const ghost = corrupted(
      'ghost',
      2,
      '{"type":"fill","id":"ex-1","symbol":"AAPL","price":"150","ts":"2025-01-02T14:31:00Z","legs":[{"deployment":"ghost","side":"buy","qty":"10","fee":"0","fee_currency":"quote"}]}',
    );
    const books = await cli('books', '--db', ghost);
    const serve = await cli('serve', '--port', '0', '--db', ghost);
    for (const [what, r] of [
      ['books', books],
      ['serve', serve],
    ] as const)
      assertStopped(
        r,
        "error: corrupt journal entry seq 2: deployment: unknown deployment 'ghost' (create it first)",
        what,
      );
  });
});
