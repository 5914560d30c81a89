/**
 * The report as an HTML email, written in MJML and compiled by it to table-based HTML with inline
 * styles and Outlook (`mso`) fallbacks, so it reads the same in Gmail, Outlook and a browser.
 *
 * Entry point: `reportHtml(model, { chartCid })` (async: MJML 5 compiles asynchronously; throws
 * when MJML reports an error, which is a bug in this template). Every value from the books
 * (names, signals, symbols) is HTML-escaped. Numbers are right-aligned in tabular figures;
 * negative P&L is red, positive green; money has thousands separators; times are in the
 * account's time zone. Rows and cells carry `data-row` / `data-col` so tests can find them.
 */
import mjml2html from 'mjml';
import type { DeploymentLine, PnlLine, ReportModel } from './report-model.js';
import {
  DASH,
  STATUS_TEXT,
  type Tone,
  money,
  percent,
  quantity,
  reportSubject,
  reportTitle,
  signedMoney,
  tone,
  weight,
} from './report-format.js';
import { formatLocalDateTime, formatLocalShort } from './time-zone.js';

const COLOR: Record<Tone, string> = { neg: '#b91c1c', pos: '#15803d', zero: '#1f2933', none: '#6b7280' };
const CELL = 'padding:5px 6px;border-bottom:1px solid #e5e7eb;vertical-align:top';
const NUM = `${CELL};text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums`;
const HEAD = 'padding:6px;border-bottom:2px solid #d1d5db;font-weight:bold;color:#374151;white-space:nowrap';

export const esc = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const th = (label: string, align: 'left' | 'right' = 'right') =>
  `<th style="${HEAD};text-align:${align}">${esc(label)}</th>`;
const td = (col: string, html: string, style = '') => `<td data-col="${col}" style="${CELL}${style}">${html}</td>`;
const num = (col: string, text: string, t: Tone = 'zero', bold = false, extra = '') =>
  `<td data-col="${col}" style="${NUM};color:${COLOR[t]}${bold ? ';font-weight:bold' : ''}${extra}">${esc(text)}</td>`;
const pnl = (col: string, text: string | null, bold = false, extra = '') =>
  num(col, signedMoney(text), tone(text), bold, extra);

/** The P&L columns of a line; `extra` is appended to each cell's style. */
function pnlCells(l: PnlLine, bold = false, extra = ''): string {
  return [
    num('allocation_pct', percent(l.allocation_pct, 1), 'zero', bold, extra),
    pnl('realized_pnl', l.realized_pnl, bold, extra),
    pnl('unrealized_pnl', l.unrealized_pnl, bold, extra),
    pnl('total_pnl', l.total_pnl, bold, extra),
    num('return_pct', percent(l.return_pct, 2, true), tone(l.return_pct), bold, extra),
    pnl('day_change', l.day_change, bold, extra),
    pnl('mtd_change', l.mtd_change, bold, extra),
  ].join('');
}

const PNL_HEAD = [
  th('Alloc.'),
  th('Realized'),
  th('Unrealized'),
  th('Total P&L'),
  th('Return'),
  th('Day'),
  th('MTD'),
].join('');

function signalRow(d: DeploymentLine): string {
  const text = d.signal
    ? `${esc(d.signal.text)}${d.signal.targets.length ? ` · targets ${esc(d.signal.targets.map((t) => `${t.symbol} ${weight(t.weight)}`).join(', '))}` : ' · targets: all cash'}`
    : 'Own bot: not run by the engine';
  return `<tr data-row="signal:${esc(d.deployment)}"><td colspan="8" style="padding:0 6px 7px 14px;border-bottom:1px solid #e5e7eb;color:#6b7280;font-size:11px">${text}</td></tr>`;
}

function deploymentTable(m: ReportModel): string {
  const rows = m.deployments.map((d) => {
    const name = `<b>${esc(d.deployment)}</b> <span style="color:#6b7280">${esc(d.strategy)}${d.status !== 'active' ? ` · ${esc(d.status)}` : ''}</span>`;
    // The signal row below belongs to this deployment: no rule between them.
    return `<tr data-row="deployment:${esc(d.deployment)}">${td('name', name, ';border-bottom:0')}${pnlCells(d, false, ';border-bottom:0')}</tr>${signalRow(d)}`;
  });
  if (m.house)
    rows.push(
      `<tr data-row="house">${td('name', '<b>house</b> <span style="color:#6b7280">unallocated cash, orders not sent here</span>')}${pnlCells(m.house)}</tr>`,
    );
  rows.push(
    `<tr data-row="account" style="background:#f9fafb">${td('name', '<b>Account</b>')}${pnlCells(m.account, true)}</tr>`,
  );
  return `<mj-table padding="0 16px" font-size="12px" line-height="16px" color="#1f2933"><tr>${th('Deployment · strategy', 'left')}${PNL_HEAD}</tr>${rows.join('')}</mj-table>`;
}

function strategyTable(m: ReportModel): string {
  if (!m.strategies.some((s) => s.deployments.length > 1)) return '';
  const rows = m.strategies.map(
    (s) =>
      `<tr data-row="strategy:${esc(s.strategy)}">${td('name', `<b>${esc(s.strategy)}</b> <span style="color:#6b7280">${esc(s.deployments.join(', '))}</span>`)}${pnlCells(s)}</tr>`,
  );
  return `${heading('By strategy')}<mj-table padding="0 16px" font-size="12px" line-height="16px" color="#1f2933"><tr>${th('Strategy · deployments', 'left')}${PNL_HEAD}</tr>${rows.join('')}</mj-table>`;
}

function closedTable(m: ReportModel): string {
  const c = m.closed_positions;
  if (c.count === 0)
    return `${heading('Recent Closed Positions P&L')}<mj-text color="#6b7280">No position was closed in the period.</mj-text>`;
  const rows = c.shown.map(
    (t, i) =>
      `<tr data-row="trip:${i}">${td('closed_at', esc(formatLocalShort(t.closed_at, m.time_zone)), ';white-space:nowrap')}${td('deployment', `${esc(t.deployment)} <span style="color:#6b7280">${esc(t.strategy)}</span>`)}${td('symbol', esc(t.symbol))}${pnl('realized_pnl', t.realized_pnl)}${num('fees', money(t.fees))}${pnl('net_pnl', t.net_pnl)}</tr>`,
  );
  rows.push(
    `<tr data-row="trips-total" style="background:#f9fafb">${td('closed_at', `<b>${c.count} closed</b>${c.count > c.shown.length ? ` (latest ${c.shown.length} shown)` : ''}`)}${td('deployment', '')}${td('symbol', '')}${pnl('realized_pnl', c.realized_pnl, true)}${num('fees', money(c.fees), 'zero', true)}${pnl('net_pnl', c.net_pnl, true)}</tr>`,
  );
  const byStrategy = c.by_strategy
    .map(
      (s) =>
        `${esc(s.strategy)} ${s.count} closed, <span style="color:${COLOR[tone(s.net_pnl)]}">${esc(signedMoney(s.net_pnl))}</span>`,
    )
    .join(' · ');
  return `${heading('Recent Closed Positions P&L')}<mj-table padding="0 16px" font-size="12px" line-height="16px" color="#1f2933"><tr>${th('Closed', 'left')}${th('Deployment · strategy', 'left')}${th('Symbol', 'left')}${th('Realized')}${th('Fees')}${th('Net P&L')}</tr>${rows.join('')}</mj-table><mj-text font-size="11px" color="#374151">By strategy: ${byStrategy}</mj-text>`;
}

function activityTable(m: ReportModel): string {
  const a = m.activity;
  const rows = a.lines.map(
    (l) =>
      `<tr data-row="activity:${esc(l.deployment)}">${td('deployment', `${esc(l.deployment)} <span style="color:#6b7280">${esc(l.strategy)}</span>`)}${num('orders_placed', String(l.orders_placed))}${num('orders_filled', String(l.orders_filled))}${num('crossed_qty', quantity(l.crossed_qty))}${num('fees_saved', money(l.fees_saved))}</tr>`,
  );
  const note = `${a.rebalance_runs} rebalance run${a.rebalance_runs === 1 ? '' : 's'}; ${a.broker_orders} order${a.broker_orders === 1 ? '' : 's'} sent to the broker (a block order counts once); ${quantity(a.crossed_shares)} shares crossed internally between strategies, saving ${money(a.fees_saved)} in fees.`;
  return `${heading('Orders placed and crossed internally')}<mj-table padding="0 16px" font-size="12px" line-height="16px" color="#1f2933"><tr>${th('Deployment · strategy', 'left')}${th('Orders')}${th('With fills')}${th('Crossed (shares)')}${th('Fees saved')}</tr>${rows.join('')}</mj-table><mj-text font-size="11px" color="#374151"><span data-row="activity-total">${esc(note)}</span></mj-text>`;
}

function reconciliationBlock(m: ReportModel): string {
  const r = m.reconciliation;
  const color = r.status === 'drift' ? COLOR.neg : r.status === 'balanced' ? COLOR.pos : COLOR.none;
  const when = r.as_of
    ? ` (${r.source === 'broker' ? 'checked against the broker' : 'checked at the last rebalance'}, ${esc(formatLocalDateTime(r.as_of, m.time_zone))})`
    : '';
  const line = `<mj-text font-size="13px"><span data-row="reconciliation" style="color:${color};font-weight:bold">${esc(STATUS_TEXT[r.status])}</span>${when}</mj-text>`;
  const drifted = r.differences.filter((d) => d.difference !== '0');
  if (drifted.length === 0) return `${heading('Reconciliation')}${line}`;
  const rows = drifted.map(
    (d) =>
      `<tr data-row="drift:${esc(d.item)}">${td('item', esc(d.item))}${num('broker', d.item === 'cash' ? money(d.broker) : quantity(d.broker))}${num('books', d.item === 'cash' ? money(d.books) : quantity(d.books))}${num('difference', d.difference, 'neg', true)}</tr>`,
  );
  return `${heading('Reconciliation')}${line}<mj-table padding="0 16px" font-size="12px" color="#1f2933"><tr>${th('Item', 'left')}${th('Broker')}${th('Σ sleeves + house')}${th('Difference')}</tr>${rows.join('')}</mj-table>`;
}

const heading = (text: string) =>
  `<mj-text font-size="15px" font-weight="bold" padding="18px 16px 6px" color="#111827">${esc(text)}</mj-text>`;

function kpi(label: string, value: string, t: Tone, sub: string): string {
  return `<mj-column><mj-text align="center" padding="6px 4px"><div style="font-size:11px;color:#6b7280;text-transform:uppercase;letter-spacing:.04em">${esc(label)}</div><div style="font-size:18px;font-weight:bold;color:${COLOR[t]};white-space:nowrap">${esc(value)}</div><div style="font-size:11px;color:#6b7280">${esc(sub)}</div></mj-text></mj-column>`;
}

export async function reportHtml(model: ReportModel, options: { chartCid: string | null }): Promise<string> {
  const m = model;
  const a = m.account;
  const chart = options.chartCid
    ? `<mj-image src="cid:${esc(options.chartCid)}" alt="Total P&amp;L by strategy over the last days" width="640px" padding="8px 16px" />`
    : '<mj-text color="#6b7280">Not enough history for a chart yet (it grows with each day close and rebalance run).</mj-text>';
  const signalAt = m.latest_rebalance
    ? `Signals from rebalance ${esc(m.latest_rebalance.id)} at ${esc(formatLocalDateTime(m.latest_rebalance.finished_at, m.time_zone))}.`
    : 'No rebalance has run yet: no signals.';
  const source = `<mjml>
<mj-head>
  <mj-title>${esc(reportSubject(m))}</mj-title>
  <mj-preview>Total P&amp;L ${esc(signedMoney(a.total_pnl))} · day ${esc(signedMoney(a.day_change))} · ${esc(STATUS_TEXT[m.reconciliation.status])}</mj-preview>
  <mj-attributes>
    <mj-all font-family="Helvetica, Arial, sans-serif" />
    <mj-text font-size="13px" line-height="18px" color="#1f2933" padding="4px 16px" />
  </mj-attributes>
</mj-head>
<mj-body width="720px" background-color="#f3f4f6">
  <mj-section background-color="#111827" padding="14px 0">
    <mj-column>
      <mj-text font-size="20px" font-weight="bold" color="#ffffff">${esc(reportTitle(m))}</mj-text>
      <mj-text color="#d1d5db">${esc(m.period.label)} · as of ${esc(formatLocalDateTime(m.as_of, m.time_zone))} · times in ${esc(m.time_zone)}</mj-text>
    </mj-column>
  </mj-section>
  <mj-section background-color="#ffffff" padding="10px 0 0">
    ${kpi('Equity', money(a.equity), 'zero', `capital ${money(a.capital)}`)}
    ${kpi('Total P&L', signedMoney(a.total_pnl), tone(a.total_pnl), `return ${percent(a.return_pct, 2, true)}`)}
    ${kpi('Day', signedMoney(a.day_change), tone(a.day_change), 'since the last close')}
    ${kpi('Month to date', signedMoney(a.mtd_change), tone(a.mtd_change), 'since last month’s close')}
  </mj-section>
  <mj-section background-color="#ffffff" padding="0 0 16px">
    <mj-column>
      ${chart}
      ${heading('P&L by strategy')}
      <mj-text font-size="11px" color="#6b7280">Each deployment is a sleeve run by one strategy. ${signalAt} Alloc. = share of the account's equity; Day and MTD = change of total P&amp;L since the last close before the day / month. Money in $, exact books rounded to the cent.</mj-text>
      ${deploymentTable(m)}
      ${strategyTable(m)}
      ${closedTable(m)}
      ${activityTable(m)}
      ${reconciliationBlock(m)}
      <mj-divider border-width="1px" border-color="#e5e7eb" padding="16px 16px 4px" />
      <mj-text font-size="11px" color="#9ca3af">Generated by Subledger from the journal. Dividends ${esc(money(a.dividends))}, fees ${esc(money(a.fees))} (included in total P&amp;L). ${DASH} = no close recorded before the period.</mj-text>
    </mj-column>
  </mj-section>
</mj-body>
</mjml>`;
  const out = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
  if (out.errors.length > 0)
    throw new Error(`report template: ${out.errors.map((e) => e.formattedMessage).join('; ')}`);
  return out.html;
}
