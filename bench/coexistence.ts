/**
 * Benchmark `coexistence` (issue 14): do bots sharing one Alpaca account get each other's orders
 * refused by the broker? Runs the coexistence drill (test/drills/coexistence-drill.ts): 6 bots,
 * seeded, sending random market and limit orders on 3 symbols through the REST API of a real
 * `subledger serve --broker alpaca` against the in-process emulator, for a fixed number of orders
 * (default 480, `--orders N`; `--seed S` to vary the bots). It prints the drill's report and three
 * summary rows: broker refusals caused by another sleeve and audit violations (target 0 and 0),
 * what was crossed internally and the fees that saved (info), and whether the books balance.
 */
import {
  COEXISTENCE_DEFAULTS,
  balanced,
  reportLines,
  runCoexistenceDrill,
  targetMet,
} from '../test/drills/coexistence-drill.js';
import { toFixedString, toPlain } from '../src/core/decimal.js';
import { killAll } from '../test/drills/processes.js';
import { type SummaryRow, int } from './report.js';

export const COEXISTENCE_BENCH_DEFAULTS = { orders: COEXISTENCE_DEFAULTS.orders, seed: COEXISTENCE_DEFAULTS.seed };

export async function benchCoexistence(options: { orders: number; seed: number }): Promise<SummaryRow[]> {
  console.log(`\ncoexistence: seed ${options.seed}, ${int(options.orders)} orders`);
  let result;
  try {
    result = await runCoexistenceDrill({
      ...options,
      progress: (line) => console.log(`  ${line}`),
    });
  } finally {
    await killAll();
  }
  for (const line of reportLines(result)) console.log(line);
  const refused = result.rejections.length;
  const caused = result.attribution.byAnotherSleeve;
  const bench = `coexistence ${int(result.sent)} orders`;
  return [
    {
      bench,
      figure: `${caused} refusals caused by another sleeve, ${result.audit.length} audit violations`,
      baseline: `${refused} broker refusals of ${int(result.sent)} orders`,
      ratio: `${((100 * caused) / Math.max(1, result.sent)).toFixed(1)}%`,
      target: '0 and 0',
      status: targetMet(result) ? 'MET' : 'NOT MET',
    },
    {
      bench: `${bench}, crossing`,
      figure: `${toPlain(result.crossedShares)} shares crossed internally`,
      baseline: `fees saved $${toFixedString(result.feesSaved, 2)}`,
      ratio: '—',
      target: '(info)',
      status: 'INFO',
    },
    {
      bench: `${bench}, books`,
      figure: `GET /account ${result.accountReconciled ? 'reconciled' : 'NOT reconciled'}`,
      baseline: `reconcile exit ${result.reconcileExit}`,
      ratio: '—',
      target: 'balanced',
      status: balanced(result) ? 'MET' : 'NOT MET',
    },
  ];
}
