/**
 * The report emailed through a REAL SMTP server (smtp-server in its own process on loopback) and
 * parsed by a real MIME parser (python3's `email`): the message arrives at every recipient, is
 * valid MIME with the subject, a text/plain and a text/html alternative and the chart as an inline
 * PNG referenced by its Content-ID, and the per-strategy table carries the exact figures of the
 * fixed journal — the same as the sleeves' and the last execution summary's. Also through the
 * CLI: `subledger report --email` and `--out`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { createSmtpMailer } from '../../src/adapters/smtp/smtp-mailer.js';
import { registerReport } from '../../src/cli/report.js';
import { signedMoney } from '../../src/reports/report-format.js';
import { loadReportConfig } from '../../src/reports/report-config.js';
import { ReportService } from '../../src/reports/report-service.js';
import { AS_OF, RB2_SUMMARY } from './fixed-journal.js';
import {
  type FixedBooks,
  type ParsedMessage,
  type SmtpSink,
  appOnBooks,
  cellStyle,
  openFixedBooks,
  parseMime,
  rowCells,
  startSmtpSink,
} from './helpers.js';

const FROM = 'Subledger <reports@subledger.test>';
const TO = 'ops@example.com, pm@example.com';
const SUBJECT = 'Fixed Fund · daily report · Tue, Feb 4, 2025 · total P&L +448.70 (day +109.55)';

const typesOf = (tree: ParsedMessage['tree']): unknown =>
  tree.parts ? { [tree.type]: tree.parts.map(typesOf) } : tree.type;

describe('the report by email over a real SMTP server', () => {
  let sink: SmtpSink;
  let books: FixedBooks;
  let message: ParsedMessage;
  let html: string;
  let text: string;
  before(async () => {
    sink = await startSmtpSink();
    books = await openFixedBooks();
    const live = await appOnBooks(books.service);
    const config = loadReportConfig({ smtpUrl: sink.url, from: FROM, to: TO, accountName: 'Fixed Fund' }, {});
    const reports = new ReportService({
      service: books.service,
      account: () => live.app.account(),
      clock: { now: () => new Date(AS_OF) },
      mailer: createSmtpMailer(sink.url),
      config,
      log: () => {},
    });
    const outcome = await reports.send('manual');
    await reports.stop();
    await live.close();
    assert.deepEqual([outcome.ok, outcome.attempts, outcome.subject, outcome.error], [true, 1, SUBJECT, null]);
    const [file] = await sink.messages(1);
    message = parseMime(file!);
    html = message.parts.find((p) => p.type === 'text/html')!.content!;
    text = message.parts.find((p) => p.type === 'text/plain')!.content!;
  });
  after(async () => {
    await sink.stop();
    await books.close();
  });

  it('arrives at every recipient as valid MIME with the subject and both alternatives', () => {
    assert.deepEqual(sink.envelope(0), { from: 'reports@subledger.test', to: ['ops@example.com', 'pm@example.com'] });
    assert.deepEqual(message.defects, []);
    assert.equal(message.mime_version, '1.0');
    assert.equal(message.subject, SUBJECT);
    assert.equal(message.from, FROM);
    assert.equal(message.to, 'ops@example.com, pm@example.com');
    assert.deepEqual(typesOf(message.tree), {
      'multipart/alternative': ['text/plain', { 'multipart/related': ['text/html', 'image/png'] }],
    });
    assert.ok(html.length < 102_000, `HTML of ${html.length} bytes would be clipped by Gmail`);
    assert.match(html, /<!--\[if mso/, 'Outlook fallbacks from MJML');
  });

  it('carries the chart inline: a PNG with its Content-ID, referenced from the HTML', () => {
    const image = message.parts.find((p) => p.type === 'image/png')!;
    assert.deepEqual(
      [image.cid, image.disposition, image.png, image.width, image.height],
      ['<equity-chart>', 'inline', true, 1280, 600],
    );
    assert.match(html, /<img[^>]+src="cid:equity-chart"/);
  });

  it('has the per-strategy table with the exact figures, right-aligned, negatives in red', () => {
    const cols = [
      'allocation_pct',
      'realized_pnl',
      'unrealized_pnl',
      'total_pnl',
      'return_pct',
      'day_change',
      'mtd_change',
    ];
    const row = (r: string) => cols.map((c) => rowCells(html, r)[c]);
    assert.deepEqual(row('deployment:dip'), ['10.2%', '+100.00', '+60.00', '+159.90', '+3.20%', '+60.00', '+159.90']);
    assert.deepEqual(row('deployment:fixed'), ['20.0%', '+180.00', '-100.00', '+79.20', '+0.79%', '+39.70', '+59.70']);
    assert.deepEqual(row('deployment:trend'), ['20.2%', '+210.00', '0.00', '+209.60', '+2.10%', '+9.85', '+109.85']);
    assert.deepEqual(row('house'), ['49.6%', '0.00', '0.00', '0.00', '0.00%', '0.00', '0.00']);
    assert.deepEqual(row('account'), ['100.0%', '+490.00', '-40.00', '+448.70', '+0.90%', '+109.55', '+329.45']);
    assert.match(cellStyle(html, 'deployment:fixed', 'unrealized_pnl'), /text-align:right.*color:#b91c1c/);
    assert.match(cellStyle(html, 'deployment:fixed', 'total_pnl'), /text-align:right.*color:#15803d/);
    assert.match(html, /data-row="signal:trend"[\s\S]*?BEARISH: NVDA momentum -0\.50%, to cash · targets: all cash/);
    assert.match(html, /data-row="signal:fixed"[\s\S]*?HOLD: fixed weights MSFT 40% · targets MSFT 40%/);
  });

  it('shows the execution summary’s numbers for every strategy', () => {
    for (const s of RB2_SUMMARY.strategies) {
      const cells = rowCells(html, `deployment:${s.deployment}`);
      assert.deepEqual(
        [cells.realized_pnl, cells.unrealized_pnl, cells.total_pnl],
        [signedMoney(s.realized_pnl), signedMoney(s.unrealized_pnl), signedMoney(s.total_pnl)],
      );
      assert.match(cells.name!, new RegExp(`^${s.deployment} ${s.strategy}$`));
    }
  });

  it('keeps the Recent Closed Positions P&L section, orders, crossing and the reconciliation', () => {
    assert.match(html, /Recent Closed Positions P&amp;L/);
    assert.deepEqual(rowCells(html, 'trip:0'), {
      closed_at: 'Feb 4, 10:10 AM',
      deployment: 'trend momentum',
      symbol: 'NVDA',
      realized_pnl: '+210.00',
      fees: '0.40',
      net_pnl: '+209.60',
    });
    assert.deepEqual(rowCells(html, 'trip:1'), {
      closed_at: 'Feb 4, 10:05 AM',
      deployment: 'fixed fixed-weight',
      symbol: 'AAPL',
      realized_pnl: '+180.00',
      fees: '0.60',
      net_pnl: '+179.40',
    });
    assert.deepEqual(rowCells(html, 'trips-total'), {
      closed_at: '2 closed',
      deployment: '',
      symbol: '',
      realized_pnl: '+390.00',
      fees: '1.00',
      net_pnl: '+389.00',
    });
    assert.deepEqual(rowCells(html, 'activity:trend'), {
      deployment: 'trend momentum',
      orders_placed: '1',
      orders_filled: '1',
      crossed_qty: '20',
      fees_saved: '0.10',
    });
    assert.match(
      html,
      /1 rebalance run; 2 orders sent to the broker \(a block order counts once\); 20 shares crossed internally between strategies, saving 0\.20 in fees\./,
    );
    assert.match(
      html,
      /data-row="reconciliation" style="color:#15803d;font-weight:bold">Balanced: Σ sleeves \+ house = broker<\/span> \(checked against the broker/,
    );
  });

  it('has the same figures in the plain-text alternative', () => {
    assert.match(
      text,
      /^ {2}dip \(mean-reversion\) +10\.2% +\+100\.00 +\+60\.00 +\+159\.90 +\+3\.20% +\+60\.00 +\+159\.90$/m,
    );
    assert.match(
      text,
      /^ {2}fixed \(fixed-weight\) +20\.0% +\+180\.00 +-100\.00 +\+79\.20 +\+0\.79% +\+39\.70 +\+59\.70$/m,
    );
    assert.match(text, /^ {2}trend \(momentum\) +20\.2% +\+210\.00 +0\.00 +\+209\.60 +\+2\.10% +\+9\.85 +\+109\.85$/m);
    assert.match(text, /RECENT CLOSED POSITIONS P&L/);
    assert.match(text, /^ {2}2 closed +\+390\.00 +1\.00 +\+389\.00$/m);
  });

  it('is sent by `subledger report --email`, and written by `--out` with its PNG', async () => {
    const run = async (...args: string[]) => {
      const program = new Command().exitOverride();
      registerReport(program);
      await program.parseAsync([
        'node',
        'subledger',
        'report',
        '--db',
        books.dbPath,
        '--account-name',
        'Fixed Fund',
        ...args,
      ]);
      const code = process.exitCode;
      process.exitCode = 0;
      return code;
    };
    assert.equal(await run('--email', '--smtp-url', sink.url, '--from', FROM, '--to', 'cli@example.com'), 0);
    const [, second] = await sink.messages(2);
    const viaCli = parseMime(second!);
    assert.equal(viaCli.subject, SUBJECT);
    assert.deepEqual(sink.envelope(1).to, ['cli@example.com']);
    const cliHtml = viaCli.parts.find((p) => p.type === 'text/html')!.content!;
    assert.deepEqual(rowCells(cliHtml, 'deployment:fixed'), rowCells(html, 'deployment:fixed'));
    assert.match(cliHtml, /checked at the last rebalance/); // no broker connection in the CLI

    const out = join(books.dir, 'out', 'r.html');
    assert.equal(await run('--out', out), 0);
    const written = readFileSync(out, 'utf8');
    assert.match(written, /<img[^>]+src="r\.equity-chart\.png"/);
    assert.ok(existsSync(join(books.dir, 'out', 'r.equity-chart.png')));
    assert.deepEqual(rowCells(written, 'account'), rowCells(html, 'account'));
  });
});
