/**
 * Sending that fails: a transient refusal (421) is retried with exponential backoff until it goes
 * through; a permanent one (550) and an unreachable server are reported (log and `status()`),
 * never thrown; `afterRebalance` returns at once even while the mail server hangs, the ledger
 * keeps taking events meanwhile, and runs waiting behind a slow send are coalesced; `stop` cuts a
 * backoff wait short. Plus the daily schedule and the configuration's error messages.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createSmtpMailer } from '../../src/adapters/smtp/smtp-mailer.js';
import type { MailMessage, MailReceipt, MailerPort } from '../../src/app/ports/mailer-port.js';
import { dec } from '../../src/core/decimal.js';
import type { Symbol } from '../../src/core/ids.js';
import { localParts } from '../../src/reports/time-zone.js';
import { type ReportConfig, loadReportConfig } from '../../src/reports/report-config.js';
import { ReportService } from '../../src/reports/report-service.js';
import { backoffDelay } from '../../src/reports/retry.js';
import { AS_OF } from './fixed-journal.js';
import { type FixedBooks, openFixedBooks, parseMime, startSmtpSink } from './helpers.js';

const clock = { now: () => new Date(AS_OF) };
const configFor = (smtpUrl: string, env: Record<string, string> = {}): ReportConfig =>
  loadReportConfig(
    { smtpUrl, from: 'reports@subledger.test', to: 'ops@example.com', accountName: 'Fixed Fund' },
    { SUBLEDGER_REPORT_RETRIES: '3', SUBLEDGER_REPORT_RETRY_MS: '100', ...env },
  );

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('sending reports when things go wrong', () => {
  let books: FixedBooks;
  before(async () => {
    books = await openFixedBooks();
  });
  after(() => books.close());

  it('retries a transient refusal with backoff and then delivers', async () => {
    const sink = await startSmtpSink({ failFirst: 2, failCode: 421 });
    const waits: number[] = [];
    const logs: string[] = [];
    const reports = new ReportService({
      service: books.service,
      clock,
      mailer: createSmtpMailer(sink.url),
      config: configFor(sink.url),
      log: (level, m) => void logs.push(`${level}: ${m}`),
      sleep: async (ms) => (waits.push(ms), true),
    });
    try {
      const outcome = await reports.send();
      assert.deepEqual([outcome.ok, outcome.attempts], [true, 3]);
      assert.deepEqual(waits, [100, 200]);
      assert.equal(sink.refused(), 2);
      const [file] = await sink.messages(1);
      assert.match(parseMime(file!).subject, /^Fixed Fund · daily report/);
      assert.equal(
        logs.filter((l) => /^error: manual report, attempt \d failed: .*421.*; retrying/.test(l)).length,
        2,
        logs.join('\n'),
      );
      assert.deepEqual([reports.status().failures_in_a_row, reports.status().last_error], [0, null]);
    } finally {
      await reports.stop();
      await sink.stop();
    }
  });

  it('reports a permanent refusal at once, without retrying and without throwing', async () => {
    const sink = await startSmtpSink({ failFirst: 1, failCode: 550 });
    const logs: string[] = [];
    const reports = new ReportService({
      service: books.service,
      clock,
      mailer: createSmtpMailer(sink.url),
      config: configFor(sink.url),
      log: (_, m) => void logs.push(m),
      sleep: async () => true,
    });
    try {
      const outcome = await reports.send('daily');
      assert.deepEqual([outcome.ok, outcome.attempts, outcome.trigger], [false, 1, 'daily']);
      assert.match(outcome.error!, /550/);
      const status = reports.status();
      assert.equal(status.failures_in_a_row, 1);
      assert.match(status.last_error!, /550 mailbox unavailable/);
      assert.ok(
        logs.some((l) => /^daily report NOT sent after 1 attempt: /.test(l)),
        logs.join('\n'),
      );
    } finally {
      await reports.stop();
      await sink.stop();
    }
  });

  it('gives up on an unreachable server after the configured attempts, and says so', async () => {
    const url = `smtp://127.0.0.1:${await closedPort()}`;
    const waits: number[] = [];
    const reports = new ReportService({
      service: books.service,
      clock,
      mailer: createSmtpMailer(url),
      config: configFor(url),
      log: () => {},
      sleep: async (ms) => (waits.push(ms), true),
    });
    const outcome = await reports.send();
    await reports.stop();
    assert.deepEqual([outcome.ok, outcome.attempts, waits], [false, 3, [100, 200]]);
    assert.match(outcome.error!, /ECONNREFUSED|ECONNECTION/);
    assert.equal(reports.status().failures_in_a_row, 1);
  });

  it('stop() cuts a backoff wait short', async () => {
    const url = `smtp://127.0.0.1:${await closedPort()}`;
    let retrying!: () => void;
    const firstFailure = new Promise<void>((resolve) => (retrying = resolve));
    const reports = new ReportService({
      service: books.service,
      clock,
      mailer: createSmtpMailer(url),
      config: configFor(url, { SUBLEDGER_REPORT_RETRY_MS: '3600000' }), // an hour: only an abort ends it
      log: (_, m) => void (m.includes('retrying') && retrying()),
    });
    const sending = reports.send();
    await firstFailure;
    await reports.stop();
    const outcome = await sending;
    assert.deepEqual([outcome.ok, outcome.attempts], [false, 1]);
  });

  it('never blocks trading: afterRebalance returns at once while the server hangs; waiting runs coalesce', async () => {
    const sent: MailMessage[] = [];
    const calls: (() => void)[] = [];
    let called!: () => void;
    const firstCall = new Promise<void>((resolve) => (called = resolve));
    const hanging: MailerPort = {
      send(message): Promise<MailReceipt> {
        called();
        return new Promise((resolve) =>
          calls.push(
            () => (
              sent.push(message),
              resolve({ messageId: `m${sent.length}`, accepted: ['ops@example.com'], rejected: [] })
            ),
          ),
        );
      },
      close() {},
    };
    const reports = new ReportService({
      service: books.service,
      clock,
      mailer: hanging,
      config: configFor('smtp://127.0.0.1:25', { SUBLEDGER_REPORT_AFTER_REBALANCE: '1' }),
      log: () => {},
    });
    assert.equal(reports.afterRebalance(), undefined);
    await firstCall; // the first report is at the (hanging) server
    // trading goes on: the ledger takes a mark while the mail hangs
    const appended = await books.service.append([
      { type: 'mark', symbol: 'MSFT' as Symbol, price: dec('97.75'), ts: '2025-02-04T20:31:00Z', source: 'test' },
    ]);
    assert.equal(appended.appended, 1);
    reports.afterRebalance();
    reports.afterRebalance(); // coalesced with the one still waiting
    assert.equal(reports.status().sending, true);
    calls.shift()!();
    while (calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    calls.shift()!();
    await reports.idle();
    assert.equal(sent.length, 2);
    assert.match(sent[0]!.text, /fixed \(fixed-weight\) +20\.0% +\+180\.00 +-100\.00 +\+79\.20/); // before the new mark
    assert.match(sent[1]!.text, /fixed \(fixed-weight\) +20\.0% +\+180\.00 +-90\.00 +\+89\.20/); // MSFT 97.75: 40 × −2.25
    await reports.stop();
  });

  it('schedules the daily report in the account’s time zone', async () => {
    const config = loadReportConfig(
      {
        smtpUrl: 'smtp://127.0.0.1:25',
        from: 'reports@subledger.test',
        to: 'ops@example.com',
        cron: '5 17 * * 1-5',
        tz: 'America/New_York',
      },
      {},
    );
    const quiet: MailerPort = { send: async () => ({ messageId: 'x', accepted: [], rejected: [] }), close() {} };
    const reports = ReportService.fromConfig({ service: books.service, clock }, config, () => quiet)!;
    reports.start();
    const next = reports.nextDailyRun()!;
    const local = localParts(next.getTime(), 'America/New_York');
    assert.deepEqual([local.hour, local.minute], [17, 5]);
    assert.ok([1, 2, 3, 4, 5].includes(new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay()));
    await reports.stop();
    assert.equal(reports.nextDailyRun(), null);
    assert.equal(
      ReportService.fromConfig(
        { service: books.service, clock },
        loadReportConfig({ smtpUrl: 'smtp://h', from: 'a@b.io', to: 'c@d.io' }, {}),
        () => quiet,
      ),
      undefined,
      'nothing scheduled: no service',
    );
  });
});

describe('report configuration', () => {
  const load =
    (flags: Parameters<typeof loadReportConfig>[0], env: Record<string, string> = {}) =>
    () =>
      loadReportConfig(flags, env);

  it('reads SMTP_URL, the sender, the recipients and the time zone from the environment', () => {
    const c = loadReportConfig(
      {},
      {
        SMTP_URL: 'smtps://u:p@mail.example.com:465',
        SUBLEDGER_REPORT_FROM: 'Subledger <r@example.com>',
        SUBLEDGER_REPORT_TO: 'a@example.com; b@example.com',
        SUBLEDGER_REPORT_TZ: 'Europe/London',
      },
    );
    assert.deepEqual(c.mail, {
      smtpUrl: 'smtps://u:p@mail.example.com:465',
      from: 'Subledger <r@example.com>',
      to: ['a@example.com', 'b@example.com'],
    });
    assert.equal(c.timeZone, 'Europe/London');
    assert.equal(loadReportConfig({}, {}).timeZone, 'America/New_York');
    assert.equal(loadReportConfig({}, {}).mail, undefined);
  });

  it('names every bad setting in one error', () => {
    assert.throws(
      load({
        smtpUrl: 'http://mail.example.com',
        from: 'nobody',
        to: 'a@example.com, oops',
        tz: 'Mars/Olympus',
        cron: 'every day',
      }),
      (e: Error) => {
        assert.match(e.message, /^invalid report configuration:/);
        assert.match(e.message, /SMTP_URL must start with smtp:\/\/ or smtps:\/\/, not http:\/\//);
        assert.match(e.message, /from: "nobody" is not an email address/);
        assert.match(e.message, /to: "oops" is not an email address/);
        assert.match(e.message, /"Mars\/Olympus" is not a time zone/);
        assert.match(e.message, /SUBLEDGER_REPORT_CRON "every day" is not a cron expression/);
        return true;
      },
    );
    assert.throws(
      load({ smtpUrl: 'smtp://mail.example.com' }),
      /the sender is not set[\s\S]*no recipient: set SUBLEDGER_REPORT_TO/,
    );
    assert.throws(
      load({}, { SUBLEDGER_REPORT_AFTER_REBALANCE: '1' }),
      /scheduled reports need email settings: SMTP_URL, SUBLEDGER_REPORT_FROM and SUBLEDGER_REPORT_TO/,
    );
    assert.throws(
      load({}, { SUBLEDGER_REPORT_RETRIES: 'many' }),
      /SUBLEDGER_REPORT_RETRIES must be a whole number from 1 to 20, not "many"/,
    );
  });

  it('backs off exponentially, capped', () => {
    const policy = { attempts: 6, baseMs: 10_000, maxMs: 25_000 };
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => backoffDelay(policy, a)),
      [10_000, 20_000, 25_000, 25_000],
    );
  });
});
