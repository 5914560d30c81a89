/**
 * `subledger history`: the P&L history log as a table (or CSV / JSON): one deployment
 * (`--deployment`), one strategy (`--strategy`), or — by default — every strategy and the
 * account; daily closes, `--monthly` roll-up or `--runs` (closes and rebalance runs).
 * `--rebuild` first recomputes every day's close from the journal (idempotent); `--verify`
 * replays the journal to every stored row and reports any difference (exit code 1). The journal
 * is read first in every case: rows derived from a journal that cannot be read are not shown (a
 * corrupt entry: exit 1 naming its seq, field and reason).
 */
import Table from 'cli-table3';
import type { Command } from 'commander';
import { type Dec, dec, toFixedString } from '../core/decimal.js';
import type { DeploymentId } from '../core/ids.js';
import { historyCsv } from '../app/performance/csv.js';
import { usEquityHours } from '../app/marks/market-hours.js';
import type { HistoryPeriod, HistoryView, RangeInput } from '../app/performance/performance-api.js';
import { foldJournal } from '../app/journal/ledger-service.js';
import { Performance } from '../app/performance/performance.js';
import { rebuildHistory, verifyHistory } from '../app/marks/recorder.js';
import { DB_HELP, DEFAULT_DB, action, progressBar, withStoreAs } from './context.js';
import { money } from './print.js';

interface HistoryOptions {
  db: string;
  deployment?: string;
  strategy?: string;
  monthly?: boolean;
  runs?: boolean;
  from?: string;
  to?: string;
  csv?: boolean;
  json?: boolean;
  rebuild?: boolean;
  verify?: boolean;
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description(
      "print the P&L history log: each day's close (or the monthly roll-up) of a deployment, a strategy, or every strategy and the account",
    )
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .option('--deployment <id>', 'one deployment')
    .option('--strategy <name>', 'one strategy (its deployments summed)')
    .option('--monthly', 'the monthly roll-up instead of daily rows')
    .option('--runs', 'every row: day closes and rebalance runs')
    .option('--from <date>', 'from this date or time (inclusive)')
    .option('--to <date>', 'up to this date or time (inclusive)')
    .option('--csv', 'print CSV (exact decimal strings)')
    .option('--json', 'print JSON (exact decimal strings)')
    .option('--rebuild', "recompute every day's close from the journal first (snapshots and history; idempotent)")
    .option('--verify', 'replay the journal to every stored history row and snapshot and report differences')
    .action(
      action(async (opts: HistoryOptions) => {
        if (opts.deployment !== undefined && opts.strategy !== undefined)
          throw new Error('give --deployment or --strategy, not both');
        if (opts.monthly && opts.runs) throw new Error('give --monthly or --runs, not both');
        const period: HistoryPeriod = opts.monthly ? 'monthly' : opts.runs ? 'all' : 'daily';
        const range: RangeInput = {
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.to !== undefined ? { to: opts.to } : {}),
        };
        // --rebuild writes day closes (as the store's one writer); everything else only reads.
        return withStoreAs(opts.db, opts.rebuild ? 'history --rebuild' : undefined, async (store) => {
          const reading = progressBar('reading journal', Boolean(opts.json || opts.csv));
          await foldJournal(store, reading.update); // throws on a corrupt entry: seq, field, reason
          reading.stop();
          if (opts.rebuild) {
            const bar = progressBar('recomputing day closes', Boolean(opts.json || opts.csv));
            const closes = await rebuildHistory(store, usEquityHours, bar.update);
            bar.stop();
            if (!opts.json && !opts.csv) console.error(`recomputed ${closes.length} day close(s) from the journal`);
          }
          if (opts.verify) {
            const differences = await verifyHistory(store);
            for (const d of differences.slice(0, 20))
              console.log(
                `DIFF ${d.table} ${d.key}\n  stored:  ${JSON.stringify(d.stored)}\n  rebuilt: ${JSON.stringify(d.rebuilt)}`,
              );
            console.log(
              differences.length === 0
                ? 'history verified: every stored row equals its replay from the journal'
                : `${differences.length} difference(s)`,
            );
            if (differences.length > 0) return 1;
          }
          const performance = new Performance(store);
          const views: HistoryView[] = [];
          if (opts.deployment !== undefined)
            views.push(await performance.deploymentHistory(opts.deployment as DeploymentId, period, range));
          else if (opts.strategy !== undefined)
            views.push(await performance.strategyHistory(opts.strategy, period, range));
          else {
            for (const s of await performance.strategies())
              views.push(await performance.strategyHistory(s.name, period, range));
            views.push(await performance.accountHistory(period, range));
          }
          if (opts.json) console.log(JSON.stringify(views.length === 1 ? views[0] : views, null, 2));
          else if (opts.csv)
            process.stdout.write(
              views
                .map((v, i) => (i === 0 ? historyCsv(v) : historyCsv(v).split('\r\n').slice(1).join('\r\n')))
                .join(''),
            );
          else if (views.every((v) => v.rows.length === 0))
            console.log(
              `no history in ${store.location} yet: it is written at each day's close while serving, or run \`subledger history --rebuild\``,
            );
          else for (const v of views) printHistory(v);
        });
      }),
    );
}

const right = (content: string) => ({ content, hAlign: 'right' as const });
const pct = (fraction: string | null) =>
  fraction === null ? '-' : `${toFixedString((dec(fraction) * 100n) as Dec, 2)}%`;

function printHistory(v: HistoryView): void {
  console.log(`\n${v.scope} ${v.subject} · ${v.period === 'all' ? 'every run' : v.period}`);
  if (v.rows.length === 0) {
    console.log('  (no rows)');
    return;
  }
  const table = new Table({
    head: [
      v.period === 'monthly' ? 'month' : 'day',
      ...(v.period === 'all' ? ['kind'] : []),
      'equity',
      'capital',
      'realized',
      'unrealized',
      'fees',
      'total P&L',
      'P&L change',
      'return',
      'period TWR',
    ],
    style: { head: [], border: [] },
  });
  for (const r of v.rows) {
    table.push([
      r.period,
      ...(v.period === 'all' ? [r.kind] : []),
      right(money(r.equity)),
      right(money(r.capital)),
      right(money(r.realized_pnl)),
      right(money(r.unrealized_pnl)),
      right(money(r.fees)),
      right(money(r.total_pnl)),
      right(money(r.pnl_change)),
      right(`${toFixedString(dec(r.return_pct), 2)}%`),
      right(pct(r.period_return)),
    ]);
  }
  console.log(table.toString().replace(/^/gm, '  '));
}
