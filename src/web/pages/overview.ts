/**
 * The account overview (admin): headline numbers, every deployment as a row plus the house
 * sleeve, the reconciliation against the broker (drift highlighted), and one chart of every
 * deployment's equity over time. Reloads on live changes (tables at most once a second, the
 * chart at most every 5 s: snapshots are recorded far less often than marks).
 */
import type { AccountView, DeploymentView, MetricsView, PositionView, StatsOverviewView } from '../api.js';
import { compactMoney, lineChart } from '../charts.js';
import { type Column, dataTable, fill, h, section } from '../dom.js';
import { DASH, age, money, percent, product, qty, ratio, ratioPercent, sumDecimals, when } from '../format.js';
import { type Context, type Page, kpis, moneyCell, pnlCell, refresher, statusLine } from '../page.js';

type Summary = StatsOverviewView['deployments'][number];

interface Row {
  readonly deployment: DeploymentView;
  readonly metrics: MetricsView;
  readonly positions: PositionView[];
  readonly stats: Summary | undefined;
}

/** The age of the oldest mark among open positions, and whether any is stale. */
export function markAge(positions: readonly PositionView[], asOf: string): { text: string; stale: boolean } {
  const open = positions.filter((p) => p.qty !== '0');
  if (open.length === 0) return { text: DASH, stale: false };
  const stale = open.some((p) => p.mark_stale);
  const times = open.map((p) => p.mark_ts).filter((t): t is string => t !== null);
  if (times.length < open.length) return { text: 'no mark', stale: true };
  const oldest = times.reduce((a, b) => (a < b ? a : b));
  return { text: age(oldest, asOf), stale };
}

const columns: Column<Row>[] = [
  {
    key: 'deployment',
    label: 'Deployment',
    cell: (r) =>
      h(
        'a',
        { href: `#/deployments/${encodeURIComponent(r.deployment.id)}`, 'data-key': `dep-${r.deployment.id}` },
        r.deployment.name,
        h('span', { class: 'id' }, ` ${r.deployment.id}`),
      ),
  },
  { key: 'strategy', label: 'Strategy', cell: (r) => r.deployment.strategy },
  {
    key: 'status',
    label: 'Status',
    cell: (r) => h('span', { class: `badge status-${r.deployment.status}` }, r.deployment.status),
  },
  {
    key: 'capital',
    label: 'Capital',
    numeric: true,
    cell: (r) => moneyCell(sumDecimals([r.metrics.initial_capital, r.metrics.capital_flows])),
  },
  { key: 'equity', label: 'Equity', numeric: true, cell: (r) => moneyCell(r.metrics.virtual_portfolio_value) },
  { key: 'realized', label: 'Realized', numeric: true, cell: (r) => pnlCell(r.metrics.realized_pnl) },
  { key: 'unrealized', label: 'Unrealized', numeric: true, cell: (r) => pnlCell(r.metrics.unrealized_pnl) },
  { key: 'total_pnl', label: 'Total P&L', numeric: true, cell: (r) => pnlCell(r.metrics.total_pnl) },
  { key: 'return', label: 'Return', numeric: true, cell: (r) => pnlCell(r.metrics.return_pct, percent) },
  {
    key: 'max_drawdown',
    label: 'Max drawdown',
    numeric: true,
    cell: (r) => ({ text: ratioPercent(r.stats?.max_drawdown ?? null), value: r.stats?.max_drawdown ?? null }),
  },
  {
    key: 'sharpe',
    label: 'Sharpe',
    numeric: true,
    cell: (r) => ({ text: ratio(r.stats?.sharpe ?? null), value: r.stats?.sharpe ?? null }),
  },
  {
    key: 'mark_age',
    label: 'Mark age',
    numeric: true,
    cell: (r) => {
      const m = markAge(r.positions, r.metrics.as_of);
      return {
        text: m.stale ? `${m.text} (stale)` : m.text,
        className: m.stale ? 'stale' : undefined,
        title: `as of ${when(r.metrics.as_of)} UTC`,
      };
    },
  },
];

/** The house sleeve's row: its cash, and its equity when every position it holds has a mark. */
function houseRow(account: AccountView, rows: readonly Row[]): HTMLTableRowElement {
  const marks = new Map<string, string>();
  for (const r of rows) for (const p of r.positions) if (p.mark !== null) marks.set(p.symbol, p.mark);
  const values = account.house.positions.map((p) =>
    marks.has(p.symbol) ? product(p.qty, marks.get(p.symbol)!) : null,
  );
  const equity = values.every((v) => v !== null) ? sumDecimals([account.house.cash, ...(values as string[])]) : null;
  const holdings = account.house.positions.map((p) => `${p.symbol} ${qty(p.qty)}`).join(', ');
  const cells: [string, string | HTMLElement, string | null][] = [
    ['strategy', 'house', null],
    ['status', DASH, null],
    ['capital', DASH, null],
    ['equity', money(equity), equity],
  ];
  return h(
    'tr',
    { class: 'house', 'data-deployment': 'house' },
    h(
      'th',
      { scope: 'row', 'data-col': 'deployment' },
      'House',
      h(
        'span',
        { class: 'id' },
        holdings ? ` cash ${money(account.house.cash)}; ${holdings}` : ` cash ${money(account.house.cash)}`,
      ),
    ),
    cells.map(([key, text, value]) =>
      h(
        'td',
        {
          'data-col': key,
          'data-label': columns.find((c) => c.key === key)!.label,
          class: value !== null || key === 'capital' ? 'num' : undefined,
          'data-value': value ?? undefined,
        },
        text,
      ),
    ),
    h('td', { colspan: columns.length - 5, class: 'muted' }, 'Unallocated cash and orders nobody here sent'),
  );
}

function reconciliation(account: AccountView): HTMLElement {
  const drift = account.differences.filter((d) => d.difference !== '0' && !/^-?0(\.0+)?$/.test(d.difference));
  const status = account.reconciled
    ? h(
        'p',
        { class: 'recon ok', id: 'recon-status' },
        '✓ Reconciled: Σ sleeves + house = broker, for cash and every symbol.',
      )
    : h(
        'p',
        { class: 'recon drift', id: 'recon-status', role: 'alert' },
        `⚠ Drift on ${drift.length} item${drift.length === 1 ? '' : 's'}: the books and the broker disagree.`,
      );
  const fmt = (item: string, text: string) => (item === 'cash' ? money(text) : qty(text));
  const table = dataTable(
    'recon-table',
    `Broker vs books as of ${when(account.as_of)} UTC`,
    [
      { key: 'item', label: 'Item', cell: (d) => d.item },
      {
        key: 'broker',
        label: 'Broker',
        numeric: true,
        cell: (d) => ({ text: fmt(d.item, d.broker), value: d.broker }),
      },
      {
        key: 'books',
        label: 'Σ sleeves + house',
        numeric: true,
        cell: (d) => ({ text: fmt(d.item, d.books), value: d.books }),
      },
      {
        key: 'difference',
        label: 'Difference',
        numeric: true,
        cell: (d) =>
          drift.includes(d)
            ? { text: `${fmt(d.item, d.difference)} drift`, value: d.difference, className: 'drift' }
            : { text: '0', value: d.difference },
      },
    ],
    account.differences,
    {
      empty: 'Nothing held.',
      rowAttrs: (d) => ({ class: drift.includes(d) ? 'drift' : undefined, 'data-item': d.item }),
    },
  );
  return h('div', {}, status, table);
}

export function overviewPage(ctx: Context, main: HTMLElement): Page {
  const status = statusLine();
  const headline = h('div', { id: 'headline' });
  const sleeves = h('div', { id: 'sleeves' });
  const recon = h('div', { id: 'recon' });
  const chartHost = h('div', { class: 'chart', id: 'equity-chart' });
  const chartCaption = h('figcaption', {}, 'Equity of every deployment over time (UTC), from the recorded snapshots.');
  const chart = lineChart(chartHost, { axis: compactMoney, value: (v) => money(v.toFixed(2)) });
  main.replaceChildren(
    h('h1', { tabindex: -1 }, 'Account overview'),
    status.element,
    headline,
    section('sleeves-section', 'Sleeves', sleeves),
    section('recon-section', 'Reconciliation with the broker', recon),
    section(
      'chart-section',
      'Equity over time',
      h('figure', { 'aria-labelledby': 'chart-section-title' }, chartHost, chartCaption),
    ),
  );
  let ids: string[] = [];

  const loadTables = async () => {
    const [deployments, overview, account] = await Promise.all([
      ctx.api.deployments(),
      ctx.api.statsOverview(),
      ctx.api.account(),
    ]);
    const rows: Row[] = await Promise.all(
      deployments.map(async (deployment) => {
        const [metrics, positions] = await Promise.all([
          ctx.api.metrics(deployment.id),
          ctx.api.positions(deployment.id),
        ]);
        return { deployment, metrics, positions, stats: overview.deployments.find((s) => s.subject === deployment.id) };
      }),
    );
    if (ids.join() !== deployments.map((d) => d.id).join()) charts.schedule();
    ids = deployments.map((d) => d.id);
    const a = overview.account;
    fill(
      headline,
      kpis('Account', [
        { key: 'broker_equity', label: 'Broker equity', cell: moneyCell(account.broker.equity) },
        { key: 'broker_cash', label: 'Broker cash', cell: moneyCell(account.broker.cash) },
        {
          key: 'total_pnl',
          label: 'Deployments’ total P&L',
          cell: pnlCell(sumDecimals(rows.map((r) => r.metrics.total_pnl))),
        },
        { key: 'total_return', label: 'Account return (TWR)', cell: pnlCell(a.total_return, ratioPercent) },
        {
          key: 'max_drawdown',
          label: 'Account max drawdown',
          cell: { text: ratioPercent(a.max_drawdown), value: a.max_drawdown },
        },
        { key: 'sharpe', label: 'Account Sharpe', cell: { text: ratio(a.sharpe), value: a.sharpe } },
        {
          key: 'reconciled',
          label: 'Reconciliation',
          cell: account.reconciled ? { text: '✓ balanced', className: 'ok' } : { text: '⚠ drift', className: 'drift' },
        },
      ]),
    );
    const table = dataTable(
      'sleeves-table',
      `${rows.length} deployment${rows.length === 1 ? '' : 's'} and the house sleeve; statistics from daily closes`,
      columns,
      rows,
      {
        empty: 'No deployments yet.',
        stack: true,
        rowAttrs: (r) => ({ 'data-deployment': r.deployment.id }),
        footer: [houseRow(account, rows)],
      },
    );
    fill(sleeves, table);
    fill(recon, reconciliation(account));
    status.updated();
  };

  const loadChart = async () => {
    const series = await Promise.all(ids.map((id) => ctx.api.equity(id, 300)));
    const withData = series.filter((s) => s.equity.length > 0);
    if (withData.length === 0) {
      chartCaption.textContent =
        'No snapshots yet: the chart fills in as the server records snapshots of every sleeve.';
      return;
    }
    chart.update(
      withData.map((s) => ({ label: s.deployment_id, points: s.equity.map((p) => [p.ts, p.equity] as const) })),
    );
    const first = withData.map((s) => s.equity[0]!.ts).sort()[0]!;
    const latest = withData.map((s) => `${s.deployment_id} ${money(s.equity.at(-1)!.equity)}`).join(', ');
    chartCaption.textContent = `Equity of ${withData.length} deployments from ${when(first)} UTC; latest: ${latest}.`;
  };

  const tables = refresher(loadTables, 1000, (e) => status.failed(e, ctx));
  const charts = refresher(loadChart, 5000, (e) => status.failed(e, ctx));
  tables.schedule();
  return {
    onChange(change) {
      tables.schedule();
      if (change.kinds.some((k) => k !== 'order')) charts.schedule();
    },
    destroy() {
      tables.stop();
      charts.stop();
      chart.destroy();
    },
  };
}
