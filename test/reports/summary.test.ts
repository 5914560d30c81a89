/**
 * Issue 7 item 5 on a real engine run: the execution summary as JSON at GET /rebalances/{id} (the
 * journaled document), as text for the CLI (`summaryText`), and the report built from the same
 * books carry the same per-strategy signal and realized / unrealized / total P&L — the sleeves'.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatMoney, dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { Engine } from '../../src/engine/engine.js';
import type { RebalanceRun } from '../../src/engine/rebalance.js';
import { sampleStrategies } from '../../src/engine/strategies/index.js';
import { summaryText } from '../../src/engine/summary-text.js';
import { buildServer } from '../../src/http/server.js';
import { buildReport } from '../../src/reports/build-report.js';
import { gatherReportInput } from '../../src/reports/gather-report.js';
import type { ReportModel } from '../../src/reports/report-model.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const id = (s: string) => s as DeploymentId;
const AUTH = { adminToken: 'admin-token-for-report-tests', tokenSecret: 'secret-for-report-test-tokens' };

describe('the execution summary as JSON, as text and in the report', () => {
  let t: TestApp;
  let engine: Engine;
  let run: RebalanceRun;
  let report: ReportModel;
  before(async () => {
    t = await startTestApp({ seed: 11, symbols: 3 });
    for (const [d, strategy] of [
      ['fixed', 'fixed-weight'],
      ['mom', 'momentum'],
      ['mr', 'mean-reversion'],
    ] as const)
      await t.app.createDeployment({ id: id(d), initialCapital: dec('15000'), strategy });
    engine = new Engine(
      {
        app: t.app.engine,
        market: t.broker,
        clock: t.broker.clock,
        registry: sampleStrategies(),
        wait: async () => void (await t.broker.step()),
      },
      { universe: [...t.broker.symbols] },
    );
    for (let i = 0; i < 3; i++) {
      for (let s = 0; s < 8; s++) await t.broker.step();
      run = await engine.rebalance();
    }
    report = buildReport(
      await gatherReportInput(
        { service: t.app.service, account: () => t.app.account() },
        { accountName: 'x', timeZone: 'America/New_York', period: 'day', asOf: run.summary.finished_at },
      ),
    );
  });
  after(() => t.close());

  it('serves the journaled summary at GET /rebalances/{id}', async () => {
    const server = buildServer({
      api: t.app,
      auth: AUTH,
      rebalances: {
        listRebalances: (n) => engine.listRebalances(n),
        getRebalance: (i) => engine.getRebalance(i),
        rebalance: (dry) => engine.rebalance(dry),
      },
    });
    try {
      const res = await server.inject({
        method: 'GET',
        url: `/rebalances/${run.id}`,
        headers: { authorization: `Bearer ${AUTH.adminToken}` },
      });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), JSON.parse(JSON.stringify(run.summary)));
      const list = await server.inject({
        method: 'GET',
        url: '/rebalances?limit=1',
        headers: { authorization: `Bearer ${AUTH.adminToken}` },
      });
      assert.deepEqual(list.json(), [{ id: run.id, ts: run.summary.finished_at }]);
    } finally {
      await server.close();
    }
  });

  it('prints the same figures as text, and the report and the sleeves agree with them', () => {
    const text = summaryText(run.summary);
    for (const s of run.summary.strategies) {
      assert.ok(text.includes(`  ${s.deployment} (${s.strategy}) — ${s.signal}`), text);
      assert.ok(
        text.includes(
          `equity ${formatMoney(dec(s.equity))}  realized ${formatMoney(dec(s.realized_pnl))}  unrealized ${formatMoney(dec(s.unrealized_pnl))}  total ${formatMoney(dec(s.total_pnl))}`,
        ),
        text,
      );
      const m = t.app.metrics(id(s.deployment));
      const line = report.deployments.find((d) => d.deployment === s.deployment)!;
      assert.deepEqual(
        [s.equity, s.realized_pnl, s.unrealized_pnl, s.total_pnl],
        [m.virtual_portfolio_value, m.realized_pnl, m.unrealized_pnl, m.total_pnl],
      );
      assert.deepEqual(
        [line.equity, line.realized_pnl, line.unrealized_pnl, line.total_pnl, line.signal?.text, line.signal?.run],
        [s.equity, s.realized_pnl, s.unrealized_pnl, s.total_pnl, s.signal, run.id],
      );
    }
    assert.equal(report.reconciliation.status, 'balanced');
  });
});
