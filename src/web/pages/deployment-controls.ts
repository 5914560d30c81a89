/**
 * A deployment's risk controls, on its page: its loss limits (max daily loss, max drawdown,
 * on breach) beside the figures they are checked against now (`GET …/loss-limits`, from the
 * journal), its breaches (`GET …/breaches`), and for the admin the kill switch — a Flatten button
 * that names what will be closed in a modal dialog, and only on "Flatten" calls
 * `POST …/flatten` and shows what it did (the closing orders, the positions left).
 *
 * Entry point: `controlsPanel(ctx, id)`; `load()` re-reads limits and breaches (the page calls it
 * on live changes).
 */
import { type OrderStatus, isTerminal } from '../../core/orders.js';
import type { BreachView, FlattenView, LossLimitsView } from '../api.js';
import { type Column, dataTable, fill, h } from '../dom.js';
import { money, percent, qty, when } from '../format.js';
import { type Context, kpis, moneyCell, pnlCell } from '../page.js';

const LIMIT_NAMES: Record<BreachView['limit'], string> = {
  max_daily_loss: 'Max daily loss',
  max_drawdown_pct: 'Max drawdown',
};

/** A breach's figure: money for the daily loss, a percentage for the drawdown. */
const figure = (b: BreachView, text: string) => (b.limit === 'max_daily_loss' ? money(text) : percent(text));

const breachColumns: readonly Column<BreachView>[] = [
  { key: 'ts', label: 'When (UTC)', cell: (b) => when(b.ts) },
  { key: 'limit', label: 'Limit', cell: (b) => LIMIT_NAMES[b.limit] },
  { key: 'value', label: 'Reached', numeric: true, cell: (b) => ({ text: figure(b, b.value), value: b.value }) },
  {
    key: 'threshold',
    label: 'Limit at',
    numeric: true,
    cell: (b) => ({ text: figure(b, b.threshold), value: b.threshold }),
  },
  { key: 'action', label: 'Action', cell: (b) => h('span', { class: `badge breach-${b.action}` }, b.action) },
];

function limitsList(l: LossLimitsView): HTMLElement {
  const notSet = { text: 'not set', value: null };
  // Without a loss limit the figures are not followed through the journal: none is shown.
  if (l.on_breach === null)
    return kpis('Loss limits', [
      { key: 'max_daily_loss', label: 'Max daily loss', cell: notSet },
      { key: 'max_drawdown_pct', label: 'Max drawdown', cell: notSet },
      { key: 'on_breach', label: 'On breach', cell: 'no limit set' },
    ]);
  return kpis('Loss limits', [
    { key: 'max_daily_loss', label: 'Max daily loss', cell: l.max_daily_loss ? moneyCell(l.max_daily_loss) : notSet },
    { key: 'day_loss', label: `Loss today (${l.day})`, cell: moneyCell(l.day_loss) },
    {
      key: 'max_drawdown_pct',
      label: 'Max drawdown',
      cell: l.max_drawdown_pct ? { text: percent(l.max_drawdown_pct), value: l.max_drawdown_pct } : notSet,
    },
    {
      key: 'drawdown_pct',
      label: 'Drawdown from peak',
      cell: { text: percent(l.drawdown_pct), value: l.drawdown_pct },
    },
    { key: 'peak_pnl', label: 'Peak total P&L', cell: pnlCell(l.peak_pnl) },
    { key: 'on_breach', label: 'On breach', cell: l.on_breach ?? 'no limit set' },
  ]);
}

function flattenResult(f: FlattenView): HTMLElement {
  const left = f.positions_left.map((p) => `${p.symbol} ${qty(p.qty)}`).join(', ');
  return h(
    'div',
    { 'data-status': f.status },
    h(
      'p',
      {},
      f.status === 'done'
        ? `Flattened: every position closed; the deployment is stopped (asked by ${f.by}).`
        : `Flatten under way: closing orders sent, left to close: ${left}. The deployment is stopped.`,
    ),
    f.orders.length > 0
      ? h(
          'ul',
          { id: 'flatten-orders' },
          f.orders.map((o) => h('li', {}, `${o.side} ${qty(o.qty)} ${o.symbol} (${o.type}): ${o.status}`)),
        )
      : null,
    f.problems.length > 0 ? h('p', { class: 'neg' }, `Not sent: ${f.problems.join('; ')}`) : null,
  );
}

export function controlsPanel(ctx: Context, id: string): { element: HTMLElement; load(): Promise<void> } {
  const limitsSlot = h('div', { id: 'loss-limits' });
  const breachesSlot = h('div', { id: 'breaches' });
  const result = h('div', { id: 'flatten-result', 'aria-live': 'polite' });
  const admin = ctx.session.principal === 'admin';

  const question = h('p', { id: 'flatten-question' });
  const dialog = h(
    'dialog',
    { id: 'flatten-dialog', 'aria-labelledby': 'flatten-dialog-title' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'flatten-dialog-title' }, `Flatten ${id}?`),
      question,
      h('p', {}, 'No other sleeve is touched. This cannot be undone.'),
      h(
        'p',
        { class: 'dialog-buttons' },
        h('button', { type: 'submit', value: 'cancel', class: 'button-quiet' }, 'Cancel'),
        h('button', { type: 'submit', value: 'confirm', class: 'button-primary', id: 'flatten-confirm' }, 'Flatten'),
      ),
    ),
  );
  const button = h(
    'button',
    { type: 'button', id: 'flatten', class: 'button-primary', onclick: () => void ask() },
    'Flatten…',
  );

  /** Fills the question with what will be closed, then opens the dialog. */
  const ask = async () => {
    try {
      const [positions, orders] = await Promise.all([ctx.api.positions(id), ctx.api.orders(id)]);
      const open = positions.filter((p) => p.qty !== '0').map((p) => `${p.symbol} ${qty(p.qty)}`);
      const working = orders.filter((o) => !isTerminal(o.status as OrderStatus));
      question.textContent =
        `This stops the deployment, cancels its ${working.length} working order${working.length === 1 ? '' : 's'} ` +
        `and closes ${open.length === 0 ? 'nothing (it holds no position)' : `its positions (${open.join(', ')}) with market orders`}.`;
      dialog.returnValue = '';
      dialog.showModal();
    } catch (error) {
      fill(result, h('p', { class: 'neg', role: 'alert' }, `Could not read the sleeve: ${(error as Error).message}`));
    }
  };
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'confirm') return;
    button.disabled = true;
    fill(result, h('p', {}, 'Flattening…'));
    ctx.api
      .flatten(id, 'flattened from the dashboard')
      .then((f) => fill(result, flattenResult(f)))
      .catch((error: unknown) =>
        fill(result, h('p', { class: 'neg', role: 'alert' }, `Flatten failed: ${(error as Error).message}`)),
      )
      .finally(() => (button.disabled = false));
  });

  const element = h(
    'div',
    {},
    limitsSlot,
    h('h3', {}, 'Breaches'),
    breachesSlot,
    admin
      ? h(
          'div',
          { class: 'kill-switch' },
          h('h3', {}, 'Kill switch'),
          h(
            'p',
            { class: 'muted' },
            'Stops the deployment, cancels its working orders and closes exactly its positions at market.',
          ),
          button,
          result,
          dialog,
        )
      : null,
  );

  const load = async () => {
    const [limits, breaches] = await Promise.all([ctx.api.lossLimits(id), ctx.api.breaches(id)]);
    fill(limitsSlot, limitsList(limits));
    fill(
      breachesSlot,
      dataTable('breaches-table', 'Loss limits reached, oldest first', breachColumns, breaches, {
        empty: 'No loss limit reached.',
        stack: true,
        rowAttrs: (b) => ({ 'data-breach-id': b.id }),
      }),
    );
  };
  return { element, load };
}
