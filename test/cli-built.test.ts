/**
 * The compiled CLI as `npx subledger` runs it: bin/subledger.js → dist/cli/main.js (issue 13).
 * dist/ is built first when it is missing or older than a source file (`npm run build`; CI builds
 * it before the tests); a failed build fails this suite with the compiler's output.
 *
 * Checked: `--help` lists every command and loads no heavy library; `<command> --help` shows the
 * command's own options; `import` then `books --json` on a small journal prints the exact figures
 * (from the stored projections: `books` loads no HTTP, report or PostgreSQL library, nor Kysely or
 * zod — it neither migrates the store nor folds the journal); the bin says how to build when dist/
 * is missing; and every entry of src/cli/commands.ts loads the command it names, with its usage.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { COMMANDS, buildProgram } from '../src/cli/commands.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '..');
const BUILT = join(ROOT, 'dist', 'cli', 'main.js');
const { dir, cleanup } = tempDir('subledger-built-');
after(cleanup);

/** The newest modification time of the sources dist/ is built from. */
function newestSource(path = join(ROOT, 'src')): number {
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) {
      if (full !== join(ROOT, 'src', 'web')) newest = Math.max(newest, newestSource(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

/** Builds dist/ when it is missing or older than a source; fails with the build's output. */
function ensureBuilt(): void {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestSource()) return;
  const why = existsSync(BUILT) ? 'older than the sources' : 'missing';
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(
    build.status,
    0,
    `dist/ was ${why} and \`npm run build\` failed, so the built CLI cannot be tested:\n${build.stdout}${build.stderr}`,
  );
  assert.ok(existsSync(BUILT), `\`npm run build\` did not write ${BUILT}`);
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** `node bin/subledger.js …args` in the repository, without SUBLEDGER_* settings. */
function subledger(args: readonly string[], options: { bin?: string; trace?: string } = {}): Run {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('SUBLEDGER_') || name === 'NODE_OPTIONS') delete env[name];
  const nodeOptions = options.trace ? ['--import', pathToFileURL(TRACE).href] : [];
  if (options.trace) env.CLI_BUILT_TEST_LOAD_LOG = options.trace;
  const r = spawnSync(process.execPath, [...nodeOptions, options.bin ?? 'bin/subledger.js', ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// A module hook that appends the URL of every module the process resolves to the file named by
// CLI_BUILT_TEST_LOAD_LOG (synchronously: the hooks' own thread may not get to flush a stream
// before the process exits).
const HOOKS = join(dir, 'hooks.mjs');
const TRACE = join(dir, 'trace.mjs');
writeFileSync(
  HOOKS,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.CLI_BUILT_TEST_LOAD_LOG, result.url + '\\n');
  return result;
}
`,
);
writeFileSync(
  TRACE,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(HOOKS).href)});\n`,
);

let traces = 0;

/** Runs `subledger …args` and lists the packages under node_modules it loaded (ESM resolution). */
function traced(args: readonly string[]): { run: Run; loaded: Set<string> } {
  const log = join(dir, `loaded-${++traces}.txt`);
  writeFileSync(log, '');
  const run = subledger(args, { trace: log });
  const loaded = new Set<string>();
  for (const m of readFileSync(log, 'utf8').matchAll(/^file:\/\/.*?\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm))
    loaded.add(m[1]!);
  return { run, loaded };
}

const HEAVY = ['fastify', 'mjml', 'echarts', '@resvg/resvg-js', 'pg', 'nodemailer', 'ws', 'pino'];

describe('the built CLI (bin/subledger.js → dist/)', () => {
  before(ensureBuilt);

  it('--help lists every command with its usage and summary, loading commander only', () => {
    const { run, loaded } = traced(['--help']);
    assert.equal(run.code, 0, run.err);
    assert.ok(run.out.startsWith('Usage: subledger [options] [command]\n'), run.out);
    for (const fragment of [
      '  -V, --version             output the version number',
      '  demo [options]            a simulated multi-bot session on the paper broker,',
      '  import [options] <file>   load a JSON-lines journal, all or nothing',
      "  summary [options] [id]    print a rebalance run's execution summary",
      '  help [command]            display help for command',
    ])
      assert.ok(run.out.includes(fragment), `--help has no line\n${fragment}\ngot:\n${run.out}`);
    for (const c of COMMANDS) assert.match(run.out, new RegExp(`^  ${c.name} `, 'm'), c.name);
    assert.deepEqual([...loaded], ['commander']);
  });

  it("<command> --help and help <command> show that command's own options", () => {
    for (const args of [
      ['books', '--help'],
      ['help', 'books'],
    ]) {
      const run = subledger(args);
      assert.equal(run.code, 0, run.err);
      assert.ok(run.out.startsWith('Usage: subledger books [options]\n'), run.out);
      assert.ok(run.out.includes('  --json             print JSON with exact decimal strings'), run.out);
      assert.ok(run.out.includes('  --method <method>'), run.out);
    }
    const { run: serve, loaded } = traced(['serve', '--help']);
    assert.equal(serve.code, 0, serve.err);
    assert.ok(serve.out.includes('  --rebalance-cron <expr>'), serve.out);
    for (const name of HEAVY) assert.ok(!loaded.has(name), `serve --help loaded ${name}`);
  });

  it('import, then books --json: the exact figures from the projections, without Kysely, zod, HTTP, report or PostgreSQL libraries', () => {
    const journal = join(dir, 'journal.jsonl');
    const db = join(dir, 'books.db');
    writeFileSync(
      journal,
      [
        '{"type":"deployment","deployment":"alpha","initial_capital":"10000","cost_method":"average","name":"Alpha","strategy":"momentum","ts":"2025-01-02T14:00:00Z"}',
        '{"type":"deployment","deployment":"beta","initial_capital":"10000","cost_method":"fifo","name":"Beta","strategy":"mean-reversion","ts":"2025-01-02T14:00:00Z"}',
        '{"type":"fill","id":"f1","deployment":"alpha","symbol":"AAPL","side":"buy","qty":"10","price":"150","fee":"0","ts":"2025-01-02T15:00:00Z"}',
        '{"type":"fill","id":"f2","symbol":"AAPL","price":"151","ts":"2025-01-02T15:01:00Z","legs":[{"deployment":"alpha","side":"buy","qty":"6"},{"deployment":"beta","side":"buy","qty":"3"}]}',
        '{"type":"mark","symbol":"AAPL","price":"151.2","ts":"2025-01-05T21:00:00Z"}',
      ].join('\n') + '\n',
    );
    const imported = subledger(['import', journal, '--db', db]);
    assert.equal(imported.code, 0, imported.err);
    assert.equal(imported.out, `imported 5 event(s) from 5 line(s) into ${db}; 0 already journaled\n`);

    const { run, loaded } = traced(['books', '--json', '--db', db]);
    assert.equal(run.code, 0, run.err);
    for (const fragment of [
      '"id": "alpha"',
      '"virtual_cash": "7594"',
      '"virtual_positions_value": "2419.2"',
      '"unrealized_pnl": "13.2"',
      '"virtual_cash": "9547"',
      '"unrealized_pnl": "0.6"',
    ])
      assert.ok(run.out.includes(fragment), `books --json has no ${fragment}:\n${run.out}`);
    const books = JSON.parse(run.out) as {
      deployments: { id: string; virtual_portfolio_value: string; total_pnl: string }[];
      account: Record<string, unknown>;
    };
    assert.deepEqual(
      books.deployments.map((d) => [d.id, d.virtual_portfolio_value, d.total_pnl]),
      [
        ['alpha', '10013.2', '13.2'],
        ['beta', '10000.6', '0.6'],
      ],
    );
    assert.deepEqual(books.account, {
      deployments: 2,
      net_positions: { AAPL: '19' },
      virtual_cash: '17141',
      virtual_portfolio_value: '20013.8',
      total_pnl: '13.8',
    });
    assert.ok(loaded.has('better-sqlite3'), [...loaded].join(' '));
    for (const name of [...HEAVY, 'kysely', 'zod']) assert.ok(!loaded.has(name), `books --json loaded ${name}`);
  });

  it('says how to build it when dist/ is missing', () => {
    const bin = join(dir, 'unbuilt', 'bin', 'subledger.js');
    mkdirSync(join(dir, 'unbuilt', 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'subledger.js'), bin);
    const run = subledger(['--help'], { bin });
    assert.equal(run.code, 1);
    assert.equal(run.out, '');
    assert.match(run.err, /^error: subledger is not built \(dist\/cli\/main\.js is missing\): run `npm run build`/);
  });
});

describe('src/cli/commands.ts', () => {
  it("each entry loads the command it names, with the entry's usage", async () => {
    const program = await buildProgram([], true);
    assert.deepEqual(
      program.commands.map((c) => [c.name(), c.usage()]),
      COMMANDS.map((c) => [c.name, c.usage]),
    );
  });
});
