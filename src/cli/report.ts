/**
 * `subledger report`: the per-strategy P&L report of the books in the store — allocation, signal,
 * realized / unrealized / total P&L, return, day and month-to-date change per deployment, the
 * recent closed positions, orders and internal crossing, the reconciliation. Printed as text by
 * default; `--out r.html` writes the HTML email and its chart PNG beside it; `--email` sends it
 * now over SMTP (SMTP_URL, SUBLEDGER_REPORT_FROM, SUBLEDGER_REPORT_TO or the flags); `--json`
 * prints the report model. The books are valued as of the journal's last event. The demo writes
 * the default store, so `subledger report --out r.html` right after it reports the demo.
 */
import { Option, type Command } from 'commander';
import { smtpMailer } from '../main/adapters.js';
import { LedgerService } from '../app/journal/ledger-service.js';
import { buildReport } from '../reports/build-report.js';
import { gatherReportInput, lastEventTime } from '../reports/gather-report.js';
import { type ReportFlags, loadReportConfig, requireMail } from '../reports/report-config.js';
import type { ReportPeriodKind } from '../reports/report-model.js';
import { ReportService } from '../reports/report-service.js';
import { renderReport, writeReportFiles } from '../reports/render-report.js';
import { reportText } from '../reports/report-text.js';
import { DB_HELP, DEFAULT_DB, action, withStore } from './context.js';

interface ReportOptions extends ReportFlags {
  db: string;
  period: ReportPeriodKind;
  out?: string;
  email?: boolean;
  json?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'the per-strategy P&L report (allocation, signal, realized / unrealized / total P&L, day and month-to-date change, closed positions, orders and internal crossing, reconciliation): text, HTML (--out) or email (--email)',
    )
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .addOption(
      new Option('--period <period>', 'the local day or the month to date').choices(['day', 'month']).default('day'),
    )
    .option(
      '--tz <zone>',
      "the account's time zone, e.g. Europe/London (env SUBLEDGER_REPORT_TZ; default America/New_York)",
    )
    .option('--account-name <name>', 'the name the report shows (env SUBLEDGER_REPORT_ACCOUNT; default Subledger)')
    .option('--chart-days <n>', 'days of history in the chart', '30')
    .option('--max-trips <n>', 'closed positions listed (the totals count all)', '25')
    .option('--out <file>', 'write the HTML report to this file and its chart PNG beside it')
    .option('--email', 'send the report now over SMTP')
    .option('--smtp-url <url>', 'SMTP server, e.g. smtp://user:password@smtp.example.com:587 (env SMTP_URL)')
    .option('--from <address>', 'sender (env SUBLEDGER_REPORT_FROM)')
    .option('--to <addresses>', 'recipients, separated by commas (env SUBLEDGER_REPORT_TO)')
    .option('--json', 'print the report model as JSON (exact decimal strings)')
    .action(
      action(async (opts: ReportOptions) => {
        const config = loadReportConfig(opts);
        const db = opts.db;
        if (opts.email) requireMail(config);
        return withStore(db, async (store) => {
          const service = await LedgerService.load(store);
          const asOf = await lastEventTime(service);
          if (asOf === undefined) {
            console.error(
              `nothing to report: the journal in ${store.location} is empty (try \`npm run demo -- --no-serve\` first)`,
            );
            return 1;
          }
          const input = await gatherReportInput(
            { service },
            {
              accountName: config.accountName,
              timeZone: config.timeZone,
              period: opts.period,
              asOf,
              chartDays: config.chartDays,
              maxTrips: config.maxTrips,
            },
          );
          const model = buildReport(input);
          if (opts.json) console.log(JSON.stringify(model, null, 2));
          else if (!opts.out && !opts.email) process.stdout.write(reportText(model));
          if (opts.out) {
            const files = writeReportFiles(await renderReport(model), opts.out);
            console.error(`wrote ${files.join(' and ')}: open ${opts.out} in a browser`);
          }
          if (opts.email) {
            const mail = requireMail(config);
            const reports = new ReportService({
              service,
              clock: { now: () => new Date(asOf) },
              mailer: await smtpMailer(mail.smtpUrl),
              config,
              log: (level, message) => console.error(`${level === 'error' ? 'warning' : 'report'}: ${message}`),
            });
            const outcome = await reports.send('manual', opts.period);
            await reports.stop();
            if (!outcome.ok) return 1;
          }
          return 0;
        });
      }),
    );
}
