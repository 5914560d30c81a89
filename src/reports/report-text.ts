/**
 * The report as plain text: the email's text/plain alternative and what `subledger report` prints.
 * The same sections and the same printed numbers as the HTML (src/reports/report-format.ts), in
 * fixed-width columns with numbers right-aligned.
 */
import type { PnlLine, ReportModel } from './report-model.js';
import { STATUS_TEXT, money, percent, quantity, reportTitle, signedMoney, weight } from './report-format.js';
import { formatLocalDateTime, formatLocalShort } from './time-zone.js';

type Align = 'l' | 'r';

/** Columns padded to their widest cell; 'r' columns right-aligned. */
export function textTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

const pnlCells = (l: PnlLine) => [
  percent(l.allocation_pct, 1),
  signedMoney(l.realized_pnl),
  signedMoney(l.unrealized_pnl),
  signedMoney(l.total_pnl),
  percent(l.return_pct, 2, true),
  signedMoney(l.day_change),
  signedMoney(l.mtd_change),
];
const PNL_HEAD = ['alloc', 'realized', 'unrealized', 'total P&L', 'return', 'day', 'MTD'];
const PNL_ALIGN: Align[] = ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'];

export function reportText(m: ReportModel): string {
  const a = m.account;
  const out: string[] = [];
  out.push(
    reportTitle(m),
    `${m.period.label} · as of ${formatLocalDateTime(m.as_of, m.time_zone)} · times in ${m.time_zone}`,
    '',
  );
  out.push(
    `Equity ${money(a.equity)} (capital ${money(a.capital)}) · total P&L ${signedMoney(a.total_pnl)} (${percent(a.return_pct, 2, true)}) · day ${signedMoney(a.day_change)} · month to date ${signedMoney(a.mtd_change)}`,
  );

  out.push('', 'P&L BY STRATEGY ($)');
  const rows = m.deployments.map((d) => [
    `${d.deployment} (${d.strategy})${d.status !== 'active' ? ` ${d.status}` : ''}`,
    ...pnlCells(d),
  ]);
  if (m.house) rows.push(['house', ...pnlCells(m.house)]);
  rows.push(['Account', ...pnlCells(a)]);
  out.push(textTable(['deployment (strategy)', ...PNL_HEAD], rows, PNL_ALIGN));
  out.push(
    '',
    m.latest_rebalance
      ? `Signals (rebalance ${m.latest_rebalance.id}, ${formatLocalDateTime(m.latest_rebalance.finished_at, m.time_zone)}):`
      : 'Signals: no rebalance has run yet.',
  );
  for (const d of m.deployments) {
    const targets = d.signal
      ? d.signal.targets.length
        ? d.signal.targets.map((t) => `${t.symbol} ${weight(t.weight)}`).join(', ')
        : 'all cash'
      : '';
    out.push(
      `  ${d.deployment}: ${d.signal ? `${d.signal.text} · targets ${targets}` : 'own bot, not run by the engine'}`,
    );
  }
  if (m.strategies.some((s) => s.deployments.length > 1)) {
    out.push('', 'BY STRATEGY ($)');
    out.push(
      textTable(
        ['strategy (deployments)', ...PNL_HEAD],
        m.strategies.map((s) => [`${s.strategy} (${s.deployments.join(', ')})`, ...pnlCells(s)]),
        PNL_ALIGN,
      ),
    );
  }

  const c = m.closed_positions;
  out.push('', 'RECENT CLOSED POSITIONS P&L ($)');
  if (c.count === 0) out.push('  No position was closed in the period.');
  else {
    const trips = c.shown.map((t) => [
      formatLocalShort(t.closed_at, m.time_zone),
      `${t.deployment} (${t.strategy})`,
      t.symbol,
      signedMoney(t.realized_pnl),
      money(t.fees),
      signedMoney(t.net_pnl),
    ]);
    trips.push([
      `${c.count} closed${c.count > c.shown.length ? ` (latest ${c.shown.length} shown)` : ''}`,
      '',
      '',
      signedMoney(c.realized_pnl),
      money(c.fees),
      signedMoney(c.net_pnl),
    ]);
    out.push(
      textTable(['closed', 'deployment (strategy)', 'symbol', 'realized', 'fees', 'net P&L'], trips, [
        'l',
        'l',
        'l',
        'r',
        'r',
        'r',
      ]),
    );
    out.push(
      `  By strategy: ${c.by_strategy.map((s) => `${s.strategy} ${s.count} closed, ${signedMoney(s.net_pnl)}`).join(' · ')}`,
    );
  }

  const act = m.activity;
  out.push('', 'ORDERS PLACED AND CROSSED INTERNALLY');
  out.push(
    textTable(
      ['deployment (strategy)', 'orders', 'with fills', 'crossed (shares)', 'fees saved'],
      act.lines.map((l) => [
        `${l.deployment} (${l.strategy})`,
        String(l.orders_placed),
        String(l.orders_filled),
        quantity(l.crossed_qty),
        money(l.fees_saved),
      ]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(
    `  ${act.rebalance_runs} rebalance run${act.rebalance_runs === 1 ? '' : 's'}; ${act.broker_orders} order${act.broker_orders === 1 ? '' : 's'} sent to the broker (a block order counts once); ${quantity(act.crossed_shares)} shares crossed internally between strategies, saving ${money(act.fees_saved)} in fees.`,
  );

  const r = m.reconciliation;
  out.push('', 'RECONCILIATION');
  out.push(
    `  ${STATUS_TEXT[r.status]}${r.as_of ? ` (${r.source === 'broker' ? 'checked against the broker' : 'checked at the last rebalance'}, ${formatLocalDateTime(r.as_of, m.time_zone)})` : ''}`,
  );
  const drifted = r.differences.filter((d) => d.difference !== '0');
  if (drifted.length > 0)
    out.push(
      textTable(
        ['item', 'broker', 'Σ sleeves + house', 'difference'],
        drifted.map((d) => [d.item, d.broker, d.books, `${d.difference}  <-- DRIFT`]),
        ['l', 'r', 'r', 'r'],
      ),
    );
  out.push(
    '',
    `Dividends ${money(a.dividends)}, fees ${money(a.fees)} (included in total P&L). Day / MTD: change of total P&L since the last close before the day / month; — = no close recorded.`,
  );
  return out.join('\n') + '\n';
}
