/**
 * A few DOM helpers instead of a framework: `h` builds elements (text is always a text node, so
 * API strings can never inject markup), `dataTable` renders a table with a caption, header
 * scopes and numeric columns, `swap` replaces a node while keeping keyboard focus on the
 * equivalent element (live updates must not throw the focus away).
 *
 * Every value cell carries `data-col` and, for numbers, `data-value` with the API's exact
 * string: the browser tests compare them with the REST API.
 */

type Attr = string | number | boolean | undefined | null | ((event: Event) => void);
export type Child = Node | string | null | undefined | false;

/** An element with attributes (`on…` are listeners, `true` is a bare attribute) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/** What a cell shows: plain text, a node, or a number with its exact value and a sign class. */
export type Cell = string | Node | { text: string; value?: string | null; className?: string; title?: string };

export interface Column<T> {
  readonly key: string;
  readonly label: string;
  readonly numeric?: boolean;
  readonly cell: (row: T) => Cell;
}

export interface TableOptions<T> {
  /** Shown in one cell when there are no rows. */
  readonly empty: string;
  /** Extra attributes of a row (class, data-*). */
  readonly rowAttrs?: (row: T) => Record<string, Attr>;
  /** Rows after the data rows (e.g. the house sleeve). */
  readonly footer?: HTMLTableRowElement[];
  /** On a phone, show each row as a stacked card (every cell labelled) instead of scrolling sideways. */
  readonly stack?: boolean;
}

/** A table in a keyboard-scrollable region (narrow screens scroll it sideways, not the page). */
export function dataTable<T>(
  id: string,
  caption: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: TableOptions<T>,
): HTMLElement {
  const head = h(
    'tr',
    {},
    columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.label)),
  );
  const body = rows.length
    ? rows.map((row) =>
        h(
          'tr',
          options.rowAttrs?.(row) ?? {},
          columns.map((c, i) => cellElement(c, c.cell(row), i === 0, c.label)),
        ),
      )
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, options.empty))];
  const table = h(
    'table',
    { id, class: options.stack ? 'data stack' : 'data' },
    h('caption', {}, caption),
    h('thead', {}, head),
    h('tbody', {}, body),
    options.footer?.length ? h('tfoot', {}, options.footer) : null,
  );
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0, 'data-key': `region-${id}` },
    table,
  );
}

/** One `<td>` (or a row header `<th scope="row">` for the first column). */
export function cellElement(
  column: Pick<Column<unknown>, 'key' | 'numeric'>,
  cell: Cell,
  rowHeader = false,
  label?: string,
): HTMLTableCellElement {
  const tag = rowHeader ? 'th' : 'td';
  const attrs: Record<string, Attr> = {
    'data-col': column.key,
    'data-label': label,
    class: column.numeric ? 'num' : undefined,
    scope: rowHeader ? 'row' : undefined,
  };
  if (typeof cell === 'string' || cell instanceof Node) return h(tag, attrs, cell);
  return h(
    tag,
    {
      ...attrs,
      class: [attrs.class, cell.className].filter(Boolean).join(' ') || undefined,
      'data-value': cell.value ?? undefined,
      title: cell.title,
    },
    cell.text,
  );
}

/** Replaces `old` with `next`, moving focus to the element of the same `id` or `data-key` if `old` had it. */
export function swap(old: Element, next: Element): void {
  const active = document.activeElement;
  const key =
    active && old.contains(active)
      ? active.id
        ? `#${CSS.escape(active.id)}`
        : active.getAttribute('data-key')
          ? `[data-key="${CSS.escape(active.getAttribute('data-key')!)}"]`
          : undefined
      : undefined;
  old.replaceWith(next);
  if (key) ((next.matches(key) ? next : next.querySelector(key)) as HTMLElement | null)?.focus();
}

/** Puts `next` in `container` in place of its content (keeping focus, see `swap`). */
export function fill(container: Element, next: Element): void {
  const old = container.firstElementChild;
  if (old && container.childElementCount === 1) swap(old, next);
  else container.replaceChildren(next);
}

/** A section with an `h2` (its id labels the section). */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}
