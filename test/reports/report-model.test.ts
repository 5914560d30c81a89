/**
 * The report model of the fixed journal (test/reports/fixed-journal.ts): every figure is the
 * hand-computed one, the per-deployment numbers equal the sleeves' (`metrics`) and the last
 * execution summary's, the lines add up to the account, day / month-to-date changes come from
 * the history closes, and the period decides which closed positions, orders and crosses count.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec, toPlain, type Dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { buildReport } from '../../src/reports/build-report.js';
import { gatherReportInput } from '../../src/reports/gather-report.js';
import type { ReportInput, ReportModel } from '../../src/reports/report-model.js';
import { reportText } from '../../src/reports/report-text.js';
import { AS_OF, RB2_SUMMARY } from './fixed-journal.js';
import { type FixedBooks, appOnBooks, openFixedBooks } from './helpers.js';

const options = { accountName: 'Fixed Fund', timeZone: 'America/New_York', asOf: AS_OF } as const;

describe('the report model of the fixed journal', () => {
  let books: FixedBooks;
  let input: ReportInput;
  let day: ReportModel;
  before(async () => {
    books = await openFixedBooks();
    input = await gatherReportInput({ service: books.service }, { ...options, period: 'day' });
    day = buildReport(input);
  });
  after(() => books.close());

  it('has each deployment’s allocation, signal and P&L, exactly', () => {
    const pick = (d: ReportModel['deployments'][number]) => [
      d.deployment,
      d.strategy,
      d.allocation_pct,
      d.equity,
      d.realized_pnl,
      d.unrealized_pnl,
      d.fees,
      d.total_pnl,
      d.return_pct,
      d.day_change,
      d.mtd_change,
    ];
    assert.deepEqual(day.deployments.map(pick), [
      ['dip', 'mean-reversion', '10.2280', '5159.9', '100', '60', '0.1', '159.9', '3.1980', '60', '159.9'],
      ['fixed', 'fixed-weight', '19.9791', '10079.2', '180', '-100', '0.8', '79.2', '0.7920', '39.7', '59.7'],
      ['trend', 'momentum', '20.2376', '10209.6', '210', '0', '0.4', '209.6', '2.0960', '9.85', '109.85'],
    ]);
    assert.deepEqual(
      day.deployments.map((d) => [d.signal?.text, d.signal?.targets]),
      [
        ['BULLISH: NVDA -1.20% over 30 prices, expecting a reversion', [{ symbol: 'NVDA', weight: '0.4' }]],
        ['HOLD: fixed weights MSFT 40%', [{ symbol: 'MSFT', weight: '0.4' }]],
        ['BEARISH: NVDA momentum -0.50%, to cash', []],
      ],
    );
    assert.deepEqual(day.latest_rebalance, { id: 'rb-2', finished_at: AS_OF });
  });

  it('equals the execution summary journaled with the last run', () => {
    for (const s of RB2_SUMMARY.strategies) {
      const line = day.deployments.find((d) => d.deployment === s.deployment)!;
      assert.deepEqual(
        [line.strategy, line.signal?.text, line.equity, line.realized_pnl, line.unrealized_pnl, line.total_pnl],
        [s.strategy, s.signal, s.equity, s.realized_pnl, s.unrealized_pnl, s.total_pnl],
      );
    }
  });

  it('matches the metrics of the real app, and its live reconciliation balances', async () => {
    const live = await appOnBooks(books.service);
    try {
      for (const d of day.deployments) {
        const m = live.app.metrics(d.deployment as DeploymentId);
        assert.deepEqual(
          [d.equity, d.realized_pnl, d.unrealized_pnl, d.total_pnl, d.return_pct],
          [m.virtual_portfolio_value, m.realized_pnl, m.unrealized_pnl, m.total_pnl, m.return_pct],
        );
      }
      const model = buildReport(
        await gatherReportInput(
          { service: books.service, account: () => live.app.account() },
          { ...options, period: 'day' },
        ),
      );
      assert.equal(model.reconciliation.status, 'balanced');
      assert.equal(model.reconciliation.source, 'broker');
    } finally {
      await live.close();
    }
  });

  it('adds the lines and the house up to the account', () => {
    const a = day.account;
    assert.deepEqual(
      [
        a.capital,
        a.equity,
        a.realized_pnl,
        a.unrealized_pnl,
        a.fees,
        a.total_pnl,
        a.return_pct,
        a.day_change,
        a.mtd_change,
      ],
      ['50000', '50448.7', '490', '-40', '1.3', '448.7', '0.8974', '109.55', '329.45'],
    );
    assert.deepEqual(
      [
        day.house!.equity,
        day.house!.allocation_pct,
        day.house!.total_pnl,
        day.house!.day_change,
        day.house!.mtd_change,
      ],
      ['25000', '49.5553', '0', '0', '0'],
    );
    for (const field of [
      'equity',
      'realized_pnl',
      'unrealized_pnl',
      'fees',
      'total_pnl',
      'day_change',
      'mtd_change',
    ] as const) {
      const sum = [...day.deployments, day.house!].reduce((s, l) => s + dec(l[field]!), 0n) as Dec;
      assert.equal(toPlain(sum), a[field], field);
    }
    assert.deepEqual(
      day.strategies.map((s) => [s.strategy, s.deployments, s.total_pnl]),
      [
        ['fixed-weight', ['fixed'], '79.2'],
        ['mean-reversion', ['dip'], '159.9'],
        ['momentum', ['trend'], '209.6'],
      ],
    );
  });

  it('lists the positions closed in the day, orders placed and what was crossed internally', () => {
    const c = day.closed_positions;
    assert.deepEqual(
      c.shown.map((t) => [
        t.deployment,
        t.strategy,
        t.symbol,
        t.opened_at,
        t.closed_at,
        t.realized_pnl,
        t.fees,
        t.net_pnl,
      ]),
      [
        ['trend', 'momentum', 'NVDA', '2025-01-31T15:00:00Z', '2025-02-04T15:10:00Z', '210', '0.4', '209.6'],
        ['fixed', 'fixed-weight', 'AAPL', '2025-01-31T15:00:00Z', '2025-02-04T15:05:00Z', '180', '0.6', '179.4'],
      ],
    );
    assert.deepEqual([c.count, c.realized_pnl, c.fees, c.net_pnl], [2, '390', '1', '389']);
    const act = day.activity;
    assert.deepEqual(
      act.lines.map((l) => [l.deployment, l.orders_placed, l.orders_filled, l.crossed_qty, l.fees_saved]),
      [
        ['dip', 0, 0, '20', '0.1'],
        ['fixed', 1, 1, '0', '0'],
        ['trend', 1, 1, '20', '0.1'],
      ],
    );
    assert.deepEqual([act.rebalance_runs, act.broker_orders, act.crossed_shares, act.fees_saved], [1, 2, '20', '0.2']);
    assert.equal(day.reconciliation.status, 'balanced');
    assert.equal(day.reconciliation.source, 'last_rebalance');
  });

  it('takes the month to date when asked: the Feb 3 round trip and both runs count', async () => {
    const month = buildReport({ ...input, period: 'month' });
    assert.equal(month.period.label, 'February 2025 (month to date)');
    assert.equal(month.period.from, '2025-02-01T05:00:00.000Z');
    assert.deepEqual(
      month.closed_positions.shown.map((t) => [t.deployment, t.symbol, t.net_pnl]),
      [
        ['trend', 'NVDA', '209.6'],
        ['fixed', 'AAPL', '179.4'],
        ['dip', 'AMZN', '99.9'],
      ],
    );
    assert.equal(month.activity.rebalance_runs, 2);
  });

  it('reads days in the account’s time zone', () => {
    assert.equal(day.period.day, '2025-02-04');
    assert.equal(day.period.from, '2025-02-04T05:00:00.000Z');
    const tokyo = buildReport({ ...input, timeZone: 'Asia/Tokyo' }); // 20:30Z is already Feb 5 in Tokyo, which began at 15:00Z
    assert.equal(tokyo.period.day, '2025-02-05');
    assert.equal(tokyo.period.from, '2025-02-04T15:00:00.000Z');
    assert.deepEqual(
      tokyo.closed_positions.shown.map((t) => t.closed_at),
      ['2025-02-04T15:10:00Z', '2025-02-04T15:05:00Z'],
    );
    const london = buildReport({ ...input, timeZone: 'Europe/London' });
    assert.equal(london.period.from, '2025-02-04T00:00:00.000Z');
    assert.equal(tokyo.deployments.find((d) => d.deployment === 'fixed')!.day_change, '39.7'); // the last close before Feb 5 (Tokyo) is Feb 3's
  });

  it('shows a change as unknown when no close was recorded before the period and the subject is older', () => {
    const model = buildReport({ ...input, closes: [] });
    assert.equal(model.deployments[0]!.day_change, null);
    assert.equal(model.account.mtd_change, null);
    assert.equal(model.house!.day_change, null);
  });

  it('flags drift from the broker', async () => {
    const live = await appOnBooks(books.service, '1.5');
    try {
      const model = buildReport(
        await gatherReportInput(
          { service: books.service, account: () => live.app.account() },
          { ...options, period: 'day' },
        ),
      );
      assert.equal(model.reconciliation.status, 'drift');
      assert.deepEqual(
        model.reconciliation.differences.filter((d) => d.difference !== '0'),
        [
          {
            item: 'cash',
            broker: '44430.2',
            books: '44428.7',
            difference: '1.5',
            likely_cause:
              'cash moved outside trading: broker fees or interest, a deposit or withdrawal, or a dividend not booked yet',
          },
        ],
      );
      assert.match(
        reportText(model),
        /DRIFT: Σ sleeves \+ house ≠ broker[\s\S]*cash\s+44430\.2\s+44428\.7\s+1\.5 {2}<-- DRIFT/,
      );
    } finally {
      await live.close();
    }
  });

  it('prints the same figures as text, numbers right-aligned', () => {
    const text = reportText(day);
    assert.match(
      text,
      /^ {2}fixed \(fixed-weight\) +20\.0% +\+180\.00 +-100\.00 +\+79\.20 +\+0\.79% +\+39\.70 +\+59\.70$/m,
    );
    assert.match(text, /^ {2}Account +100\.0% +\+490\.00 +-40\.00 +\+448\.70 +\+0\.90% +\+109\.55 +\+329\.45$/m);
    const lines = text.split('\n');
    const head = lines.find((l) => l.includes('total P&L') && l.includes('deployment'))!;
    const row = lines.find((l) => l.startsWith('  fixed '))!;
    assert.equal(
      row.indexOf('+79.20') + '+79.20'.length,
      head.indexOf('total P&L') + 'total P&L'.length,
      'right-aligned under its header',
    );
  });
});
