/**
 * The report after a real multi-strategy rebalance (the sample strategies on the paper broker and
 * a SQLite file), sent by `ReportService#afterRebalance` to a real SMTP server: the emailed
 * per-strategy figures and signals are the execution summary's, which are the sleeves' — even
 * when the market moves on before the mail is built (the books are captured when the run ends).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSmtpMailer } from '../../src/adapters/smtp/smtp-mailer.js';
import { type Dec, dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { type RebalanceRun, runRebalance } from '../../src/engine/rebalance.js';
import { sampleStrategies } from '../../src/engine/strategies/index.js';
import { esc } from '../../src/reports/report-html.js';
import { signedMoney } from '../../src/reports/report-format.js';
import { loadReportConfig } from '../../src/reports/report-config.js';
import { ReportService } from '../../src/reports/report-service.js';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { type SmtpSink, parseMime, rowCells, startSmtpSink } from './helpers.js';

const id = (s: string) => s as DeploymentId;

describe('the report after a rebalance run of the engine', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let run: RebalanceRun;
  let html: string;
  const logs: string[] = [];
  before(async () => {
    t = await startTestApp({ seed: 9, symbols: 3 });
    await t.app.createDeployment({ id: id('fixed'), initialCapital: dec('20000'), strategy: 'fixed-weight' });
    await t.app.createDeployment({ id: id('mom'), initialCapital: dec('20000'), strategy: 'momentum' });
    await t.app.createDeployment({ id: id('mr'), initialCapital: dec('20000'), strategy: 'mean-reversion' });
    sink = await startSmtpSink();
    const config = loadReportConfig(
      { smtpUrl: sink.url, from: 'reports@subledger.test', to: 'ops@example.com', accountName: 'Engine' },
      { SUBLEDGER_REPORT_AFTER_REBALANCE: '1' },
    );
    const reports = new ReportService({
      service: t.app.service,
      account: () => t.app.account(),
      clock: t.broker.clock,
      mailer: createSmtpMailer(sink.url),
      config,
      log: (_, m) => void logs.push(m),
    });
    const deps = {
      app: t.app.engine,
      market: t.broker,
      clock: t.broker.clock,
      registry: sampleStrategies(),
      wait: async () => void (await t.broker.step()),
    };
    for (let i = 0; i < 4; i++) {
      for (let s = 0; s < 8; s++) await t.broker.step();
      run = await runRebalance(deps, { universe: [...t.broker.symbols] });
    }
    const returned = reports.afterRebalance();
    assert.equal(returned, undefined, 'returns at once: trading goes on');
    // The market moves on before the report is built and sent.
    for (let s = 0; s < 5; s++) await t.broker.step();
    await t.app.markToMarket();
    await reports.stop();
    const [file] = await sink.messages(1);
    const message = parseMime(file!);
    assert.deepEqual(message.defects, []);
    html = message.parts.find((p) => p.type === 'text/html')!.content!;
  });
  after(async () => {
    await sink.stop();
    await t.close();
  });

  it('emails every strategy with the summary’s signal and realized / unrealized / total P&L', () => {
    assert.deepEqual(
      run.summary.strategies.map((s) => s.strategy),
      ['fixed-weight', 'momentum', 'mean-reversion'],
    );
    for (const s of run.summary.strategies) {
      const cells = rowCells(html, `deployment:${s.deployment}`);
      assert.deepEqual(
        [cells.name, cells.realized_pnl, cells.unrealized_pnl, cells.total_pnl],
        [
          `${s.deployment} ${s.strategy}`,
          signedMoney(s.realized_pnl),
          signedMoney(s.unrealized_pnl),
          signedMoney(s.total_pnl),
        ],
      );
      assert.ok(html.includes(esc(s.signal)), `signal of ${s.deployment}: ${s.signal}`);
    }
    const now = run.summary.strategies.map((s) => t.app.metrics(id(s.deployment)).total_pnl);
    assert.notDeepEqual(
      now,
      run.summary.strategies.map((s) => s.total_pnl),
      'the books moved after the run',
    );
    assert.match(html, /Balanced: Σ sleeves \+ house = broker/);
    assert.ok(
      logs.some((l) => l.startsWith('rebalance report sent to ops@example.com')),
      logs.join('\n'),
    );
  });

  it('adds the strategies up to the account line (the house has no P&L of its own here)', () => {
    const total = run.summary.strategies.reduce((sum, s) => sum + dec(s.total_pnl), 0n) as Dec;
    assert.equal(rowCells(html, 'house').total_pnl, '0.00');
    assert.equal(rowCells(html, 'account').total_pnl, signedMoney(toPlain(total)));
  });
});
