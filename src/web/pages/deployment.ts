/**
 * One deployment's page (the admin's, or a deployment token's own): headline numbers, its risk
 * controls (loss limits and breaches; the kill switch for the admin: deployment-controls.ts), statistics, equity and drawdown charts, positions, trades (paged), orders, capital flows, the
 * daily history with a CSV download, and the deployment's gateway keys (admin only: id, status,
 * last request; never a secret). Live changes reload the sleeve's tables at most once a second and
 * the statistics, history, charts and keys at most every 5 s; the keys also every 30 s, since a
 * bot's reads through the gateway change their last request without changing the journal.
 */
import { ApiError, type GatewayKeyView, type MetricsView, type StatsView } from '../api.js';
import { compactMoney, lineChart } from '../charts.js';
import { dataTable, fill, h, section } from '../dom.js';
import { money, percent, ratio, ratioPercent, sumDecimals } from '../format.js';
import { type Context, type Page, kpis, moneyCell, pnlCell, refresher, statusLine } from '../page.js';
import { controlsPanel } from './deployment-controls.js';
import {
  flowColumns,
  gatewayKeyColumns,
  historyColumns,
  orderColumns,
  positionColumns,
  tradeColumns,
} from './deployment-tables.js';

const TRADES_PER_PAGE = 20;
/** How often the gateway keys are re-read with no live change (their last request is not journaled). */
const KEYS_POLL_MS = 30_000;

function headline(m: MetricsView): HTMLElement {
  return kpis('Sleeve', [
    { key: 'equity', label: 'Equity', cell: moneyCell(m.virtual_portfolio_value) },
    { key: 'cash', label: 'Cash', cell: moneyCell(m.virtual_cash) },
    { key: 'capital', label: 'Capital', cell: moneyCell(sumDecimals([m.initial_capital, m.capital_flows])) },
    { key: 'realized', label: 'Realized', cell: pnlCell(m.realized_pnl) },
    { key: 'unrealized', label: 'Unrealized', cell: pnlCell(m.unrealized_pnl) },
    { key: 'fees', label: 'Fees', cell: moneyCell(m.fees) },
    { key: 'total_pnl', label: 'Total P&L', cell: pnlCell(m.total_pnl) },
    { key: 'return', label: 'Return', cell: pnlCell(m.return_pct, percent) },
    { key: 'buying_power', label: 'Buying power', cell: moneyCell(m.buying_power) },
    { key: 'open_orders', label: 'Open orders', cell: String(m.open_orders) },
  ]);
}

/** The gateway keys section's content: the keys, how to create one, or who manages them. */
function gatewayKeys(id: string, keys: readonly GatewayKeyView[] | 'admin-only'): HTMLElement {
  if (keys === 'admin-only')
    return h(
      'p',
      { class: 'muted', id: 'gateway-keys-admin' },
      'Gateway keys are managed by the admin: ask them for a key pair for this deployment’s bots.',
    );
  if (keys.length === 0)
    return h(
      'p',
      { class: 'muted', id: 'gateway-keys-empty' },
      'No gateway keys yet. Create one for this deployment’s bots with ',
      h('code', {}, `subledger keys create ${id}`),
      ' or ',
      h('code', {}, `POST /deployments/${id}/gateway-keys`),
      ' (admin token); its secret is shown that once.',
    );
  return h(
    'div',
    {},
    dataTable(
      'gateway-keys-table',
      'Key pairs for this deployment’s bots on the Alpaca-compatible gateway, oldest first (secrets are shown only when a key is created)',
      gatewayKeyColumns,
      keys,
      {
        empty: 'No gateway keys.',
        stack: true,
        rowAttrs: (k) => ({ 'data-key-id': k.key_id, class: k.revoked_at === null ? undefined : 'closed' }),
      },
    ),
  );
}

function statistics(s: StatsView): HTMLElement {
  const r = (text: string | null) => ({ text: ratioPercent(text), value: text });
  return kpis('Statistics', [
    { key: 'total_return', label: 'Total return (TWR)', cell: pnlCell(s.total_return, ratioPercent) },
    { key: 'max_drawdown', label: 'Max drawdown', cell: r(s.max_drawdown) },
    { key: 'sharpe', label: 'Sharpe', cell: { text: ratio(s.sharpe), value: s.sharpe } },
    { key: 'sortino', label: 'Sortino', cell: { text: ratio(s.sortino), value: s.sortino } },
    { key: 'win_rate', label: 'Trade win rate', cell: r(s.trades.win_rate) },
    { key: 'days', label: 'Daily closes', cell: String(s.days) },
  ]);
}

export function deploymentPage(ctx: Context, main: HTMLElement, id: string): Page {
  const status = statusLine();
  const title = h('h1', { tabindex: -1 }, id);
  const subtitle = h('p', { class: 'muted', id: 'subtitle' });
  const slots = Object.fromEntries(
    ['headline', 'stats', 'positions', 'trades', 'orders', 'flows', 'history', 'gateway-keys'].map((k) => [
      k,
      h('div', { id: k }),
    ]),
  ) as Record<string, HTMLElement>;
  const controls = controlsPanel(ctx, id);
  const equityHost = h('div', { class: 'chart', id: 'equity-chart' });
  const drawdownHost = h('div', { class: 'chart', id: 'drawdown-chart' });
  const equityCaption = h('figcaption', {}, 'Equity over time (UTC).');
  const drawdownCaption = h('figcaption', {}, 'Drawdown from the running peak, per snapshot (UTC).');
  const equityChart = lineChart(equityHost, { axis: compactMoney, value: (v) => money(v.toFixed(2)) });
  const drawdownChart = lineChart(drawdownHost, {
    axis: (v) => `${v.toFixed(1)}%`,
    value: (v) => `${v.toFixed(2)} %`,
    fill: 'rgba(213, 94, 0, 0.15)',
  });

  // Trades are paged by cursor, oldest first (the API's order): cursors[i] opens page i.
  const cursors: (string | null)[] = [null];
  let pageIndex = 0;
  let nextCursor: string | null = null;
  const newer = h('button', { type: 'button', id: 'trades-previous', onclick: () => turn(-1) }, '← Previous page');
  const older = h('button', { type: 'button', id: 'trades-next', onclick: () => turn(1) }, 'Next page →');
  const pageLabel = h('span', { class: 'muted', 'aria-live': 'polite', id: 'trades-page' });
  const csvButton = h(
    'button',
    { type: 'button', id: 'history-csv', onclick: () => void downloadCsv() },
    'Download CSV',
  );

  main.replaceChildren(
    ...(ctx.session.principal === 'admin'
      ? [h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← Account overview'))]
      : []),
    title,
    subtitle,
    status.element,
    slots.headline!,
    section('controls-section', 'Loss limits and kill switch', controls.element),
    section('stats-section', 'Statistics (daily closes)', slots.stats!),
    section(
      'charts-section',
      'Equity and drawdown',
      h(
        'div',
        { class: 'charts' },
        h('figure', {}, equityHost, equityCaption),
        h('figure', {}, drawdownHost, drawdownCaption),
      ),
    ),
    section('positions-section', 'Positions', slots.positions!),
    section('trades-section', 'Trades', slots.trades!, h('div', { class: 'pager' }, newer, pageLabel, older)),
    section('orders-section', 'Orders', slots.orders!),
    section('flows-section', 'Capital flows', slots.flows!),
    section('history-section', 'Daily history', h('p', {}, csvButton), slots.history!),
    section('gateway-keys-section', 'Gateway keys', slots['gateway-keys']!),
  );

  const loadTrades = async () => {
    const page = await ctx.api.trades(id, TRADES_PER_PAGE, cursors[pageIndex] ?? null);
    nextCursor = page.next_cursor;
    fill(
      slots.trades!,
      dataTable(
        'trades-table',
        `Trades in time order, page ${pageIndex + 1}; realized P&L on closing trades`,
        tradeColumns,
        page.trades,
        { empty: 'No trades yet.', stack: true, rowAttrs: (t) => ({ 'data-fill-id': t.fill_id }) },
      ),
    );
    const focused = document.activeElement;
    newer.disabled = pageIndex === 0;
    older.disabled = nextCursor === null;
    // A disabled button drops the focus to the page: keep it on the pager.
    if (focused === older && older.disabled) newer.focus();
    if (focused === newer && newer.disabled) older.focus();
    pageLabel.textContent = `Page ${pageIndex + 1}`;
  };

  const turn = (step: -1 | 1) => {
    if (step === 1 && nextCursor === null) return;
    if (step === 1) cursors[pageIndex + 1] = nextCursor;
    pageIndex = Math.max(0, pageIndex + step);
    loadTrades().catch((e) => status.failed(e, ctx));
  };

  const loadSleeve = async () => {
    const [m, positions, orders, flows] = await Promise.all([
      ctx.api.metrics(id),
      ctx.api.positions(id),
      ctx.api.orders(id),
      ctx.api.capitalFlows(id),
    ]);
    title.textContent = m.name;
    document.title = `${m.name} · Subledger`;
    subtitle.textContent = `${m.id} · strategy ${m.strategy} · ${m.status} · ${m.cost_method} cost · as of ${m.as_of.slice(0, 16).replace('T', ' ')} UTC`;
    fill(slots.headline!, headline(m));
    const sorted = [...positions].sort(
      (a, b) => Number(a.qty === '0') - Number(b.qty === '0') || (a.symbol < b.symbol ? -1 : 1),
    );
    fill(
      slots.positions!,
      dataTable(
        'positions-table',
        'Open positions first; closed ones keep their realized P&L',
        positionColumns(m.virtual_portfolio_value, m.as_of),
        sorted,
        {
          empty: 'No positions.',
          stack: true,
          rowAttrs: (p) => ({ 'data-symbol': p.symbol, class: p.qty === '0' ? 'closed' : undefined }),
        },
      ),
    );
    fill(
      slots.orders!,
      dataTable(
        'orders-table',
        `The latest ${orders.length} orders with status and rejection reasons`,
        orderColumns,
        orders,
        { empty: 'No orders.', stack: true, rowAttrs: (o) => ({ 'data-order-id': o.id }) },
      ),
    );
    fill(
      slots.flows!,
      dataTable('flows-table', 'Capital moved between the house and this deployment', flowColumns, flows, {
        empty: 'No capital flows since the initial capital.',
        stack: true,
      }),
    );
    await loadTrades();
    status.updated();
  };

  const loadSlow = async () => {
    const [stats, history, series] = await Promise.all([
      ctx.api.stats(id),
      ctx.api.history(id),
      ctx.api.equity(id, 500),
    ]);
    fill(slots.stats!, statistics(stats));
    fill(
      slots.history!,
      dataTable(
        'history-table',
        'One row per trading day close, newest first',
        historyColumns,
        [...history.rows].reverse(),
        { empty: 'No daily close recorded yet (closes are at 21:00 UTC).', stack: true },
      ),
    );
    if (series.equity.length === 0) {
      equityCaption.textContent = 'No snapshots yet: the charts fill in as the server records snapshots.';
      return;
    }
    equityChart.update([{ label: 'Equity', points: series.equity.map((p) => [p.ts, p.equity] as const) }]);
    drawdownChart.update([
      { label: 'Drawdown', points: series.drawdown.map((p) => [p.ts, String(Number(p.drawdown) * 100)] as const) },
    ]);
    const worst = series.drawdown.reduce((w, p) => (Number(p.drawdown) < Number(w) ? p.drawdown : w), '0');
    equityCaption.textContent = `Equity over time (UTC), ${series.points_total} snapshots; latest ${money(series.equity.at(-1)!.equity)}.`;
    drawdownCaption.textContent = `Drawdown from the running peak, per snapshot (UTC); deepest ${ratioPercent(worst)}.`;
  };

  // Only the admin may list keys: a deployment token is told so without asking (the API answers 403).
  const notAdmin = ctx.session.principal !== 'admin';
  const loadKeys = async () => {
    let keys: readonly GatewayKeyView[] | 'admin-only' = 'admin-only';
    if (!notAdmin) {
      try {
        keys = await ctx.api.gatewayKeys(id);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 403)) throw error;
      }
    }
    fill(slots['gateway-keys']!, gatewayKeys(id, keys));
  };

  const downloadCsv = async () => {
    try {
      const csv = await ctx.api.historyCsv(id);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const link = h('a', { href: url, download: `history-${id}-daily.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      status.failed(error, ctx);
    }
  };

  const sleeve = refresher(loadSleeve, 1000, (e) => status.failed(e, ctx));
  const slow = refresher(loadSlow, 5000, (e) => status.failed(e, ctx));
  const keys = refresher(loadKeys, 5000, (e) => status.failed(e, ctx));
  const risk = refresher(controls.load, 1000, (e) => status.failed(e, ctx));
  sleeve.schedule();
  risk.schedule();
  slow.schedule();
  keys.schedule();
  const keysPoll = notAdmin ? undefined : window.setInterval(() => keys.schedule(), KEYS_POLL_MS);
  return {
    onChange(change) {
      if (
        change.kinds.includes('reset') ||
        change.deployments.includes(id) ||
        change.kinds.includes('mark') ||
        change.kinds.includes('corporate_action')
      ) {
        sleeve.schedule();
        risk.schedule();
        if (change.kinds.some((k) => k !== 'order')) slow.schedule();
        if (!notAdmin) keys.schedule();
      }
    },
    destroy() {
      sleeve.stop();
      risk.stop();
      slow.stop();
      keys.stop();
      window.clearInterval(keysPoll);
      equityChart.destroy();
      drawdownChart.destroy();
    },
  };
}
