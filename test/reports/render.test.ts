/**
 * Rendering edge cases on a small input built by hand (the model is pure): values from the books
 * are HTML-escaped, a young account without history gets no chart (and says why), unknown changes
 * print as a dash, drift is red, and money keeps its thousands separators and exact cents.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReport } from '../../src/reports/build-report.js';
import type { ReportInput } from '../../src/reports/report-model.js';
import { reportSubject, signedMoney } from '../../src/reports/report-format.js';
import { renderReport } from '../../src/reports/render-report.js';
import { rowCells } from './helpers.js';

const sleeve = (id: string, strategy: string, total: string, equity: string) => ({
  id,
  name: id,
  strategy,
  status: 'active',
  created_at: '2025-03-03T14:00:00Z',
  capital: '1000000',
  equity,
  realized_pnl: total,
  unrealized_pnl: '0',
  fees: '0',
  dividends: '0',
  total_pnl: total,
});

const input: ReportInput = {
  accountName: 'Acme & <Sons>',
  timeZone: 'Europe/London',
  asOf: '2025-03-03T18:00:00Z',
  period: 'day',
  sleeves: [
    sleeve('evil', '<script>alert(1)</script>', '-1234567.891', '-234567.891'),
    sleeve('good', 'fixed-weight', '0.004', '1000000.004'),
  ],
  runs: [
    {
      ts: '2025-03-03T17:00:00Z',
      summary: {
        id: 'rb-x',
        started_at: '2025-03-03T16:59:00Z',
        finished_at: '2025-03-03T17:00:00Z',
        strategies: [
          {
            deployment: 'evil',
            strategy: 'x',
            signal: 'BUY "<img src=x onerror=alert(1)>" & hold',
            allocation: [{ symbol: 'A&B', weight: '0.333333' }],
            equity: '0',
            realized_pnl: '0',
            unrealized_pnl: '0',
            total_pnl: '0',
            orders_placed: 0,
            orders_filled: 0,
            crossed_qty: '0',
            fees_saved: '0',
          },
        ],
        symbols: [],
        account: null,
      },
    },
  ],
  orders: [],
  closes: [],
  series: [],
  roundTrips: [],
  reconciliation: {
    source: 'broker',
    as_of: '2025-03-03T18:00:00Z',
    reconciled: false,
    differences: [
      { item: 'cash', broker: '10', books: '10.01', difference: '-0.01' },
      { item: 'A&B', broker: '5', books: '5', difference: '0' },
    ],
  },
};

describe('rendering the report', () => {
  it('escapes what comes from the books, and has no chart without history', async () => {
    const model = buildReport(input);
    const r = await renderReport(model);
    assert.ok(!r.html.includes('<script>alert'), 'no script from a strategy name');
    assert.ok(!r.html.includes('<img src=x'), 'no markup from a signal');
    assert.match(r.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(r.html, /BUY &quot;&lt;img src=x onerror=alert\(1\)&gt;&quot; &amp; hold · targets A&amp;B 33\.3%/);
    assert.match(r.html, /Acme &amp; &lt;Sons&gt; · daily report/);
    assert.deepEqual(r.images, []);
    assert.match(r.html, /Not enough history for a chart yet/);
    assert.ok(!r.html.includes('cid:'));
    assert.equal(
      r.subject,
      'Acme & <Sons> · daily report · Mon, Mar 3, 2025 · total P&L -1,234,567.89 (day -1,234,567.89)',
    );
    assert.equal(reportSubject(model), r.subject);
  });

  it('prints money exactly with separators, signs, dashes for the unknown, and drift in red', async () => {
    const model = buildReport({
      ...input,
      sleeves: input.sleeves.map((s) => ({ ...s, created_at: '2025-01-01T00:00:00Z' })),
    });
    const html = (await renderReport(model)).html;
    const evil = rowCells(html, 'deployment:evil');
    assert.deepEqual(
      [evil.realized_pnl, evil.total_pnl, evil.day_change, evil.mtd_change],
      ['-1,234,567.89', '-1,234,567.89', '—', '—'],
    );
    assert.equal(rowCells(html, 'deployment:good').total_pnl, '0.00'); // +0.004 rounds to zero: no sign, no color
    assert.deepEqual(rowCells(html, 'drift:cash'), {
      item: 'cash',
      broker: '10.00',
      books: '10.01',
      difference: '-0.01',
    });
    assert.match(
      html,
      /<span data-row="reconciliation" style="color:#b91c1c;font-weight:bold">DRIFT: Σ sleeves \+ house ≠ broker<\/span>/,
    );
    assert.ok(!html.includes('data-row="drift:A&amp;B"'), 'only the items that differ');
    assert.deepEqual(['0.005', '-0.005', '1234.5', null].map(signedMoney), ['0.00', '0.00', '+1,234.50', '—']);
  });
});
