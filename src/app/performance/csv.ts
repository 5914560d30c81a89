/**
 * CSV export (RFC 4180): a header line, then one line per row, CRLF line ends. Values are written
 * as given — decimals stay the exact strings of the JSON views (never reformatted as numbers);
 * null is an empty field.
 *
 * Entry points: `toCsv(columns, rows)`, `historyCsv`, `snapshotsCsv`.
 */
import { FIGURE_COLUMNS, SNAPSHOT_COLUMNS } from './figures-view.js';
import type { HistoryView, SnapshotView } from './performance-api.js';

type Cell = string | number | boolean | null;

const quote = (cell: Cell): string => {
  if (cell === null) return '';
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function toCsv<R extends Record<string, Cell>>(
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
): string {
  return (
    [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c] ?? null)).join(','))].join('\r\n') + '\r\n'
  );
}

const HISTORY_COLUMNS = [
  'period',
  'ts',
  'kind',
  'members',
  ...FIGURE_COLUMNS,
  'pnl_change',
  'period_return',
  'gross_exposure',
  'open_positions',
] as const;

/** The history rows as CSV, with the subject in the first columns (so files can be concatenated). */
export function historyCsv(view: HistoryView): string {
  const rows = view.rows.map((r) => ({ scope: view.scope, subject: view.subject, ...r }));
  return toCsv(['scope', 'subject', ...HISTORY_COLUMNS], rows);
}

export function snapshotsCsv(deployment: string, rows: readonly SnapshotView[]): string {
  return toCsv(
    ['deployment_id', 'ts', ...SNAPSHOT_COLUMNS],
    rows.map((r) => ({ deployment_id: deployment, ...r })),
  );
}
