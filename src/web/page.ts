/**
 * What every page shares: the `Context` it is mounted with (API client, who is signed in), the
 * `Page` it returns (told of live changes, destroyed on navigation), a throttled `refresher`
 * so a burst of fills reloads a page once, and the small pieces every page draws (KPI lists,
 * number cells, the "updated" line, the error banner).
 */
import type { Api, Session } from './api.js';
import { ApiError } from './api.js';
import type { Cell, Child } from './dom.js';
import { h } from './dom.js';
import { money, signOf } from './format.js';
import type { Change } from './live.js';

export interface Context {
  readonly api: Api;
  readonly session: Session;
  /** Forget the token and show the sign-in form (with a reason). */
  signOut(message?: string): void;
}

export interface Page {
  onChange(change: Change): void;
  destroy(): void;
}

/** A money cell: formatted text and the exact value. */
export function moneyCell(text: string | null, places = 2): { text: string; value: string | null } {
  return { text: money(text, places), value: text };
}

/** A P&L cell: a money cell coloured by its sign (the text keeps the sign too: colour is never alone). */
export function pnlCell(
  text: string | null,
  format: (text: string | null) => string = money,
): { text: string; value: string | null; className?: string } {
  const sign = signOf(text);
  const cell = { text: format(text), value: text };
  return sign === 0 ? cell : { ...cell, className: sign > 0 ? 'pos' : 'neg' };
}

/** A `<dl>` of headline numbers; each `<dd>` has `data-kpi` and the exact `data-value`. */
export function kpis(label: string, items: readonly { key: string; label: string; cell: Cell }[]): HTMLElement {
  return h(
    'dl',
    { class: 'kpis', 'aria-label': label },
    items.map(({ key, label: name, cell }) =>
      h(
        'div',
        { class: 'kpi' },
        h('dt', {}, name),
        typeof cell === 'string' || cell instanceof Node
          ? h('dd', { 'data-kpi': key }, cell)
          : h(
              'dd',
              { 'data-kpi': key, 'data-value': cell.value ?? undefined, class: cell.className, title: cell.title },
              cell.text,
            ),
      ),
    ),
  );
}

/**
 * Runs `load` now and then at most once per `gapMs` however often `schedule` is called; a call
 * while loading runs once more afterwards. Errors go to `onError`.
 */
export function refresher(
  load: () => Promise<void>,
  gapMs: number,
  onError: (error: unknown) => void,
): { schedule(): void; stop(): void } {
  let running = false;
  let pending = false;
  let last = 0;
  let timer: number | undefined;
  let stopped = false;
  const run = async () => {
    timer = undefined;
    if (stopped) return;
    running = true;
    pending = false;
    last = Date.now();
    try {
      await load();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
      if (pending) schedule();
    }
  };
  const schedule = () => {
    if (stopped) return;
    if (running) {
      pending = true;
      return;
    }
    if (timer !== undefined) return;
    timer = window.setTimeout(() => void run(), Math.max(0, last + gapMs - Date.now()));
  };
  return {
    schedule,
    stop() {
      stopped = true;
      if (timer !== undefined) window.clearTimeout(timer);
    },
  };
}

/** The page's status line: when it was last updated, or what went wrong (an alert). */
export function statusLine(): { element: HTMLElement; updated(): void; failed(error: unknown, ctx: Context): void } {
  const element = h('p', { class: 'page-status muted', 'aria-live': 'polite' });
  return {
    element,
    updated() {
      element.className = 'page-status muted';
      element.removeAttribute('role');
      element.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    },
    failed(error, ctx) {
      if (error instanceof ApiError && error.status === 401)
        return ctx.signOut('The token is no longer accepted; sign in again.');
      element.className = 'page-status error';
      element.setAttribute('role', 'alert');
      element.textContent =
        error instanceof ApiError
          ? `Could not load the data: ${error.message}`
          : `Could not show the data: ${(error as Error).message}`;
    },
  };
}

/** A page-level message (forbidden, not found) with a heading and links. */
export function messagePage(main: HTMLElement, title: string, ...body: Child[]): Page {
  main.replaceChildren(
    h('h1', { tabindex: -1 }, title),
    ...body.flatMap((b) => (typeof b === 'string' ? [h('p', {}, b)] : b ? [b] : [])),
  );
  return { onChange() {}, destroy() {} };
}
