/**
 * Benchmark `startup` (issue 13): how long the `subledger` command takes as a whole process, from
 * spawn to exit, against a bare `node -e 0` measured in the same run. Three commands:
 *
 *   node -e 0                                            the baseline: a Node start and nothing else
 *   node bin/subledger.js --help                         target ≤ 2× the baseline
 *   node bin/subledger.js books --json --db <journal>    on a 10,000-fill journal: target ≤ 4×
 *
 * The journal is the benchmarks' seeded data (bench/data.ts: 100 deployments × 20 symbols),
 * written in the import format (README "Journal format") and loaded with `subledger import` once
 * into a temporary SQLite file before anything is timed. Each round runs the three commands one
 * after the other (so load on the machine falls on all three alike), after one warm-up round; the
 * figure is the median wall time. The children's CPU time (user + sys, from /proc/self/stat on
 * Linux) is reported beside it: less sensitive to other load than wall time.
 *
 * `SUBLEDGER_BENCH_CLI=path/to/entry.js` measures another entry point instead of bin/subledger.js
 * (e.g. an older build, to compare). bin/subledger.js runs dist/: `npm run build` first.
 *
 * Then `serve` until /ready (issue 17, bench/startup-serve.ts): on an empty store, on a journal of
 * `--startup-events N` events (default 1,000,000) without and with a checkpoint, and a standby
 * catching up 10,000 events on PostgreSQL; target ≤ 3× the empty start-up.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { DEPLOYMENTS, type Dataset, generate } from './data.js';
import { type SummaryRow, int, median, now } from './report.js';
import { DEFAULT_PG_URL } from './ingest-postgres.js';
import { SERVE_STARTUP_DEFAULTS, benchServeStartup } from './startup-serve.js';

export const STARTUP_DEFAULTS = { fills: 10_000, runs: 11, events: SERVE_STARTUP_DEFAULTS.events } as const;

const ROOT = resolve(import.meta.dirname, '..');
const HELP_TARGET = 2;
const BOOKS_TARGET = 4;

/** The dataset as import lines: deployments first, then one line per fill. */
export function journalLines(data: Dataset): string {
  const lines: string[] = data.deployments.map((d) =>
    JSON.stringify({
      type: 'deployment',
      deployment: d.id,
      initial_capital: d.initialCapital,
      cost_method: d.costMethod,
      name: d.id,
      strategy: 'bench',
      ts: d.ts,
    }),
  );
  for (const f of data.fills)
    lines.push(
      JSON.stringify({
        type: 'fill',
        id: f.id,
        deployment: f.deployment,
        symbol: f.symbol,
        side: f.side,
        qty: f.qty,
        price: f.price,
        fee: f.fee,
        ...(f.feeCurrency === 'base' ? { fee_currency: 'base' } : {}),
        ts: f.ts,
      }),
    );
  return lines.join('\n') + '\n';
}

/** CPU time (user + sys, ms) of the children this process has waited for; undefined off Linux. */
const TICK_MS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const hz = Number(r.stdout?.trim());
  return Number.isFinite(hz) && hz > 0 ? 1000 / hz : 10;
})();
function childrenCpuMs(): number | undefined {
  try {
    // Fields after the command name (in parentheses): cutime and cstime are fields 16 and 17.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  } catch {
    return undefined;
  }
}

interface Sample {
  wall: number;
  cpu: number | undefined;
}

interface Case {
  readonly label: string;
  readonly args: readonly string[];
  /** Throws when the run did not do what it should (so a failing command is never timed as fast). */
  readonly check: (stdout: string) => void;
  readonly samples: Sample[];
}

function runOnce(c: Case): Sample {
  const cpuBefore = childrenCpuMs();
  const started = now();
  const r = spawnSync(process.execPath, c.args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, SUBLEDGER_DB: undefined, NODE_OPTIONS: undefined },
  });
  const wall = now() - started;
  const cpuAfter = childrenCpuMs();
  if (r.status !== 0)
    throw new Error(`${c.label}: exit ${r.status ?? r.signal}\n${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  c.check(r.stdout);
  return { wall, cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

export async function benchStartup(
  options: { fills?: number; runs?: number; events?: number; pgUrl?: string } = {},
): Promise<SummaryRow[]> {
  const fills = options.fills ?? STARTUP_DEFAULTS.fills;
  const runs = options.runs ?? STARTUP_DEFAULTS.runs;
  const cli = resolve(ROOT, process.env.SUBLEDGER_BENCH_CLI ?? 'bin/subledger.js');
  const dir = mkdtempSync(join(os.tmpdir(), 'subledger-startup-'));
  try {
    const journal = join(dir, 'journal.jsonl');
    const db = join(dir, 'books.db');
    writeFileSync(journal, journalLines(generate(fills)));
    const started = now();
    const imported = spawnSync(process.execPath, [cli, 'import', journal, '--db', db, '--quiet'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (imported.status !== 0) throw new Error(`startup: import failed (exit ${imported.status}): ${imported.stderr}`);
    console.log(
      `\nstartup: ${int(fills)} fills (${DEPLOYMENTS} deployments) imported in ${int(now() - started)} ms with ${cli}`,
    );

    const baseline: Case = { label: 'node -e 0', args: ['-e', '0'], check: () => {}, samples: [] };
    const help: Case = {
      label: 'subledger --help',
      args: [cli, '--help'],
      check: (out) => {
        if (!out.includes('Usage: subledger') || !out.includes('books')) throw new Error(`--help printed:\n${out}`);
      },
      samples: [],
    };
    const books: Case = {
      label: `subledger books --json (${int(fills)} fills)`,
      args: [cli, 'books', '--json', '--db', db],
      check: (out) => {
        const parsed = JSON.parse(out) as { deployments: unknown[] };
        if (parsed.deployments.length !== DEPLOYMENTS)
          throw new Error(`books --json listed ${parsed.deployments.length} deployments`);
      },
      samples: [],
    };
    const cases = [baseline, help, books];
    for (const c of cases) runOnce(c); // warm-up: file cache, compiled code cache
    for (let i = 0; i < runs; i++) for (const c of cases) c.samples.push(runOnce(c));

    const wall = (c: Case) => median(c.samples.map((s) => s.wall));
    const cpu = (c: Case) =>
      c.samples.every((s) => s.cpu !== undefined) ? median(c.samples.map((s) => s.cpu!)) : undefined;
    console.log(`  ${runs} rounds (the three commands in turn), after one warm-up round; median wall time per process`);
    for (const c of cases) console.log(`  ${c.label}: runs ${c.samples.map((s) => Math.round(s.wall)).join(', ')} ms`);

    const rows: SummaryRow[] = [];
    const base = wall(baseline);
    const baseCpu = cpu(baseline);
    for (const [c, target, name] of [
      [help, HELP_TARGET, 'startup: subledger --help'],
      [books, BOOKS_TARGET, `startup: books --json, ${int(fills)} fills`],
    ] as const) {
      const r = wall(c) / base;
      const status = r <= target ? 'MET' : 'NOT MET';
      console.log(
        `${c.label}: ${int(wall(c))} ms, node -e 0 ${int(base)} ms → ${ratio(wall(c), base)} (target ≤ ${target}×: ${status})`,
      );
      rows.push({
        bench: name,
        figure: `${int(wall(c))} ms`,
        baseline: `node -e 0 ${int(base)} ms`,
        ratio: ratio(wall(c), base),
        target: `≤ ${target}×`,
        status,
      });
      const cpuFigure = cpu(c);
      if (cpuFigure !== undefined && baseCpu !== undefined && baseCpu > 0) {
        console.log(
          `  cpu time (median, user + sys): ${int(cpuFigure)} ms, node -e 0 ${int(baseCpu)} ms → ${ratio(cpuFigure, baseCpu)} (±${int(TICK_MS)} ms per reading)`,
        );
        rows.push({
          bench: `${name}, cpu time`,
          figure: `${int(cpuFigure)} ms`,
          baseline: `node -e 0 ${int(baseCpu)} ms`,
          ratio: ratio(cpuFigure, baseCpu),
          target: '(info)',
          status: 'INFO',
        });
      }
    }
    rows.push(
      ...(await benchServeStartup({
        ...SERVE_STARTUP_DEFAULTS,
        events: options.events ?? STARTUP_DEFAULTS.events,
        cli,
        pgUrl: options.pgUrl ?? DEFAULT_PG_URL,
      })),
    );
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
