/**
 * Issue 6 over HTTP on a fixed journal (test/helpers/performance-journal.ts): the pinned statistics
 * (Sharpe 1.6846, Sortino 2.8284, max drawdown −2.00 %, TWR with a deposit 0.6579 %, trade win
 * rate and profit factor), the history log (daily, monthly, CSV), the snapshots, the equity
 * series, and who may read what (a deployment's token its own paths; strategies admin only).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { type PaperBroker, simulatedPaperBroker } from '../../src/adapters/paper/index.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import { Performance } from '../../src/app/performance/performance.js';
import { rebuildHistory } from '../../src/app/marks/recorder.js';
import type { StorePort } from '../../src/app/ports/store-port.js';
import { Subledger } from '../../src/app/subledger.js';
import { dec, div, mul, toFixedString, toPlain } from '../../src/core/decimal.js';
import { deploymentToken } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { PERFORMANCE_CLOSES, importPerformanceJournal } from '../helpers/performance-journal.js';
import { tempDir } from '../helpers/tmp.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const admin = { authorization: `Bearer ${auth.adminToken}` };
const tokenOf = (id: string) => ({ authorization: `Bearer ${deploymentToken(auth.tokenSecret, id)}` });
/** A fraction as a percentage rounded to `places` (half-even), e.g. "-0.02" → "-2.00". */
const pct = (fraction: string, places = 2) => toFixedString(mul(dec(fraction), dec('100')), places);
const round = (text: string, places = 4) => toFixedString(dec(text), places);

describe('performance API on a fixed journal', () => {
  let store: StorePort;
  let broker: PaperBroker;
  let http: FastifyInstance;
  let cleanup: () => void;
  const get = async (url: string, headers: Record<string, string> = admin) => {
    const r = await http.inject({ method: 'GET', url, headers });
    return {
      status: r.statusCode,
      type: String(r.headers['content-type']),
      text: r.body,
      body: r.headers['content-type']?.toString().includes('json') ? JSON.parse(r.body) : undefined,
    };
  };

  before(async () => {
    const tmp = tempDir('subledger-perf-http-');
    cleanup = tmp.cleanup;
    store = await openWriterStore(join(tmp.dir, 'perf.db'), 'test');
    await importPerformanceJournal(await LedgerService.load(store));
    assert.deepEqual(await rebuildHistory(store, usEquityHours), PERFORMANCE_CLOSES);
    // The real app on the same store (not started: no house sleeve joins the fixed journal).
    const service = await LedgerService.load(store);
    broker = simulatedPaperBroker({ seed: 7, symbols: 3 });
    const api = new Subledger({ service, broker, market: broker, clock: broker.clock });
    http = buildServer({ api, auth, performance: new Performance(store) });
  });
  after(async () => {
    await http.close();
    await broker.close();
    await store.close();
    cleanup();
  });

  it('pins Sharpe 1.6846, Sortino 2.8284 and max drawdown −2.00 % for returns [1, −2, 1.5, −0.5, 2, −1] %', async () => {
    const r = await get('/deployments/sharpe/stats', tokenOf('sharpe'));
    assert.equal(r.status, 200, r.text);
    const s = r.body;
    assert.equal(s.days, 6);
    assert.equal(round(s.sharpe), '1.6846');
    assert.equal(round(s.sortino), '2.8284');
    assert.equal(s.max_drawdown, '-0.02');
    assert.equal(pct(s.max_drawdown), '-2.00');
    assert.equal(s.period_win_rate, '0.5');
    // Π(1 + r) − 1 with r = 1 %, −2 %, … exactly: 1.01 × 0.98 × 1.015 × 0.995 × 1.02 × 0.99 − 1
    assert.equal(s.total_return, '0.009420082946');
    assert.deepEqual(
      [s.from, s.to, s.as_of, s.equity, s.capital, s.total_pnl],
      ['2025-01-06', '2025-01-13', '2025-01-13T21:00:00.000Z', '10094.20082946', '10000', '94.20082946'],
    );
    assert.equal(s.exposure, '1');
  });

  it('pins the time-weighted return 0.6579 % across a deposit (naive return would say 0 %)', async () => {
    const s = (await get('/deployments/flows/stats?to=2025-01-08', tokenOf('flows'))).body;
    assert.equal(s.days, 3);
    assert.equal(pct(s.total_return, 4), '0.6579');
    assert.equal(s.total_pnl, '0'); // 15,000 of equity on 15,000 of capital: P&L 0, yet the return was positive
    assert.equal(s.capital, '15000');
    const full = (await get('/deployments/flows/stats', tokenOf('flows'))).body;
    assert.equal(full.total_return, s.total_return, 'flat days after do not change the TWR');
    assert.equal(full.days, 6);
  });

  it('pins win rate and profit factor over closed round trips, net of fees, with exposure, turnover and fees paid', async () => {
    const s = (await get('/deployments/trader/stats', tokenOf('trader'))).body;
    assert.deepEqual(s.trades, {
      count: 3,
      wins: 2,
      losses: 1,
      breakeven: 0,
      win_rate: '0.666666666666666667',
      profit_factor: '5.363636363636363636', // (49 + 10) / 11
      profit_factor_infinite: false,
      average_win: '29.5',
      average_loss: '-11',
      average_trade: '16',
      net_pnl: '48',
    });
    assert.equal(s.fees_paid, '2');
    assert.equal(s.exposure, '0.333333333333333333'); // open at 2 of 6 closes
    // Σ|qty × price| = 500 + 550 + 300 + 290 + 80 + 90 = 1,810 over a mean equity of 6,183.5 / 6
    assert.equal(s.turnover, toPlain(div(dec('10860'), dec('6183.5'))));
    assert.equal(s.total_pnl, '48');
  });

  it('a range narrows the statistics to its days and round trips', async () => {
    const s = (await get('/deployments/trader/stats?from=2025-01-09&to=2025-01-10', tokenOf('trader'))).body;
    assert.equal(s.days, 2);
    assert.equal(s.trades.count, 1);
    assert.equal(s.trades.net_pnl, '-11');
    assert.equal(s.fees_paid, '1');
    assert.equal(s.pnl, '-11');
  });

  it('aggregates a strategy and the account from their deployments (admin only)', async () => {
    const alpha = (await get('/strategies/alpha/stats')).body;
    assert.deepEqual(alpha.deployments, ['sharpe', 'trader']);
    assert.equal(alpha.total_pnl, '142.20082946');
    assert.equal(alpha.trades.count, 3);
    const account = (await get('/account/stats')).body;
    assert.deepEqual(account.deployments, ['flows', 'sharpe', 'trader']);
    assert.equal(account.capital, '26000');
    assert.equal((await get('/strategies/alpha/stats', tokenOf('sharpe'))).status, 403);
    assert.equal((await get('/deployments/sharpe/stats', tokenOf('trader'))).status, 403);
    assert.equal((await get('/strategies/nope/stats')).body.code, 'NOT_FOUND');
    const list = (await get('/strategies')).body;
    assert.deepEqual(
      list.map((s: { name: string; deployments: string[] }) => [s.name, s.deployments]),
      [
        ['alpha', ['sharpe', 'trader']],
        ['beta', ['flows']],
      ],
    );
    const overview = (await get('/stats')).body;
    const sharpe = overview.deployments.find((d: { subject: string }) => d.subject === 'sharpe');
    assert.equal(round(sharpe.sharpe), '1.6846');
    assert.equal(sharpe.max_drawdown, '-0.02');
  });

  it("GET /deployments/{id}/history: daily closes with P&L change and the day's time-weighted return", async () => {
    const r = await get('/deployments/flows/history', tokenOf('flows'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.period, 'daily');
    assert.deepEqual(
      r.body.rows
        .slice(0, 3)
        .map((x: Record<string, string>) => [
          x.period,
          x.equity,
          x.capital,
          x.total_pnl,
          x.pnl_change,
          x.period_return,
        ]),
      [
        ['2025-01-06', '10200', '10000', '200', '200', '0.02'],
        ['2025-01-07', '15300', '15000', '300', '100', '0.006578947368421053'],
        ['2025-01-08', '15000', '15000', '0', '-300', '-0.019607843137254902'],
      ],
    );
    assert.equal(r.body.rows.length, 6);
    const ranged = (await get('/deployments/flows/history?from=2025-01-07&to=2025-01-07', tokenOf('flows'))).body;
    assert.deepEqual(
      ranged.rows.map((x: { period: string; pnl_change: string }) => [x.period, x.pnl_change]),
      [['2025-01-07', '100']],
    );
  });

  it("monthly roll-up: the month's last close, its P&L change and its linked return", async () => {
    const r = (await get('/deployments/flows/history?period=monthly', tokenOf('flows'))).body;
    assert.equal(r.rows.length, 1);
    assert.deepEqual(
      [r.rows[0].period, r.rows[0].total_pnl, r.rows[0].pnl_change, pct(r.rows[0].period_return, 4)],
      ['2025-01', '0', '0', '0.6579'],
    );
    const strategy = (await get('/strategies/alpha/history?period=monthly')).body;
    assert.deepEqual(
      [strategy.scope, strategy.subject, strategy.rows[0].members, strategy.rows[0].total_pnl],
      ['strategy', 'alpha', 2, '142.20082946'],
    );
  });

  it('?format=csv exports the same rows as text/csv with exact decimal strings', async () => {
    const r = await get('/deployments/flows/history?format=csv', tokenOf('flows'));
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/csv/);
    const lines = r.text.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'scope,subject,period,ts,kind,members,capital,cash,positions_value,equity,realized_pnl,unrealized_pnl,fees,dividends,total_pnl,return_pct,pnl_change,period_return,gross_exposure,open_positions',
    );
    assert.equal(
      lines[2],
      'deployment,flows,2025-01-07,2025-01-07T21:00:00.000Z,close,1,15000,5000,10300,15300,0,300,0,0,300,2.0000,100,0.006578947368421053,10300,1',
    );
    assert.equal(lines.length, 7);
    const snapshots = await get(
      '/deployments/sharpe/metrics/history?format=csv&from=2025-01-08&to=2025-01-08',
      tokenOf('sharpe'),
    );
    assert.equal(
      snapshots.text,
      'deployment_id,ts,cash,positions_value,equity,realized_pnl,unrealized_pnl,fees,dividends,total_pnl,return_pct\r\nsharpe,2025-01-08T21:00:00.000Z,0,10046.47,10046.47,0,46.47,0,0,46.47,0.4647\r\n',
    );
  });

  it('GET /deployments/{id}/metrics/history lists the snapshots (one per close, deduplicated by time)', async () => {
    const r = await get('/deployments/sharpe/metrics/history', tokenOf('sharpe'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.body.map((x: { ts: string }) => x.ts),
      PERFORMANCE_CLOSES,
    );
    assert.equal(r.body[1].equity, '9898');
  });

  it('GET /deployments/{id}/equity: equity and drawdown, at most N points, keeping the extremes', async () => {
    const r = (await get('/deployments/sharpe/equity?points=4', tokenOf('sharpe'))).body;
    assert.equal(r.points_total, 6);
    assert.ok(r.equity.length <= 4 && r.drawdown.length <= 4);
    const values = r.equity.map((p: { equity: string }) => dec(p.equity));
    assert.ok(values.includes(dec('9898')) && values.includes(dec('10196.162454')), 'the trough and the peak are kept');
    assert.ok(
      r.drawdown.some((p: { drawdown: string }) => p.drawdown === '-0.02'),
      'the deepest drawdown is kept',
    );
    const bad = await get('/deployments/sharpe/equity?points=2', tokenOf('sharpe'));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
  });

  it('documents every route in the OpenAPI document, with named components', async () => {
    const doc = JSON.parse((await http.inject({ method: 'GET', url: '/openapi.json' })).body);
    for (const path of [
      '/deployments/{id}/stats',
      '/deployments/{id}/history',
      '/deployments/{id}/metrics/history',
      '/deployments/{id}/equity',
      '/strategies',
      '/strategies/{name}/stats',
      '/strategies/{name}/history',
      '/account/stats',
      '/account/history',
      '/stats',
    ]) {
      assert.ok(doc.paths[path]?.get, `${path} is documented`);
    }
    for (const name of ['Stats', 'History', 'Snapshot', 'EquitySeries', 'StatsOverview', 'Strategy'])
      assert.ok(doc.components.schemas[name], name);
  });

  it('refuses bad ranges and unknown deployments with the usual errors', async () => {
    assert.equal(
      (await get('/deployments/sharpe/history?from=yesterday', tokenOf('sharpe'))).body.code,
      'VALIDATION_FAILED',
    );
    assert.equal((await get('/deployments/sharpe/history?period=weekly', tokenOf('sharpe'))).status, 400);
    const reversed = await get('/deployments/sharpe/stats?from=2025-01-10&to=2025-01-06', tokenOf('sharpe'));
    assert.equal(reversed.status, 400);
    assert.match(reversed.body.message, /^from: /);
    assert.equal((await get('/deployments/ghost/stats')).status, 404);
  });
});
