/**
 * `subledger tax wash-sales --year Y [--csv|--json]`: the account's wash sales of a tax year
 * (src/app/performance/wash-sale-report.ts), read from the store without the writer lease (it runs while
 * `serve` writes). A table by default; exact decimal strings in CSV and JSON.
 */
import Table from 'cli-table3';
import type { Command } from 'commander';
import { type WashSaleReport, washSaleCsv, washSaleReport, yearProblem } from '../app/performance/wash-sale-report.js';
import { DB_HELP, DEFAULT_DB, action, withStore } from './context.js';
import { money } from './print.js';

interface WashSaleOptions {
  db: string;
  year?: string;
  csv?: boolean;
  json?: boolean;
}

export function registerTax(program: Command): void {
  const tax = program.command('tax').description('account-level tax views over every sleeve (not tax advice)');
  tax
    .command('wash-sales')
    .description(
      "the account's wash sales of a year: loss sales with a purchase of the same symbol within 30 days before or after, in any sleeve",
    )
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .requiredOption('--year <year>', 'the tax year (the sales of that year; earlier adjustments carry in)')
    .option('--csv', 'print CSV (exact decimal strings)')
    .option('--json', 'print JSON (exact decimal strings)')
    .action(
      action(async (opts: WashSaleOptions) => {
        const problem = yearProblem(opts.year ?? '');
        if (problem) throw new Error(`--year: ${problem}`);
        if (opts.csv && opts.json) throw new Error('give --csv or --json, not both');
        const report = await withStore(opts.db, (store) => washSaleReport(store, Number(opts.year)));
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else if (opts.csv) process.stdout.write(washSaleCsv(report));
        else printReport(report);
      }),
    );
}

function printReport(report: WashSaleReport): void {
  if (report.wash_sales.length === 0) {
    console.log(`no wash sales in ${report.year}`);
    console.log(report.note);
    return;
  }
  const table = new Table({
    head: ['Sold', 'Symbol', 'Sleeves', 'Qty', 'Loss', 'Disallowed', 'Replaced', 'By', 'Basis → adjusted', 'Held from'],
  });
  for (const r of report.wash_sales) {
    table.push([
      r.sale_date,
      r.symbol,
      r.sold_by.join(' '),
      r.qty,
      money(r.loss),
      money(r.disallowed),
      r.replacement_date,
      r.replaced_by.join(' '),
      `${money(r.replacement_basis)} → ${money(r.replacement_adjusted_basis)}`,
      r.replacement_held_from,
    ]);
  }
  console.log(table.toString());
  console.log(`disallowed in ${report.year}: ${money(report.totals.disallowed)}`);
  console.log(report.note);
}
