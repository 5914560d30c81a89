/**
 * For the raw baselines: each captured commit as the tables `SqlStore.commit` writes, in its order
 * (journal, then deployments, balances, positions, trades, marks, round trips, orders, metrics),
 * with the same upsert clauses. Columns come from the captured rows themselves (camelCase field →
 * snake_case column, the store's own mapping), so the baseline writes exactly what the store wrote
 * even as projections gain columns; a projection this file does not know stops the benchmark.
 */
import type { Commit } from './capture-store.js';

export type Value = string | number | null;

export interface TableSpec {
  readonly table: string;
  readonly fields: readonly string[];
  readonly columns: readonly string[];
  /** Conflict target and updated columns for an upsert; absent for a plain insert. */
  readonly upsert?: { readonly key: readonly string[]; readonly set: readonly string[] };
}

export interface TableRows {
  readonly spec: TableSpec;
  readonly rows: Value[][];
}

interface Target {
  readonly table: string;
  readonly upsert?: { readonly key: readonly string[]; readonly set: readonly string[] };
}

const words = (text: string) => text.split(' ');
const upsert = (key: string, set: string) => ({ key: words(key), set: words(set) });
const POSITION_VALUES = 'qty cost_basis avg_cost realized_pnl_average realized_pnl_fifo fees dividends lots trip';
const METRIC_VALUES = 'cash positions_value equity realized_pnl unrealized_pnl fees dividends total_pnl return_pct';

/** Projection key → table and upsert, in the order `writeProjections` writes them. */
const TARGETS: ReadonlyMap<string, Target> = new Map([
  ['deployments', { table: 'deployments', upsert: upsert('id', 'name strategy status limits updated_at') }],
  ['balances', { table: 'deployment_balances', upsert: upsert('deployment_id', 'cash capital_flows') }],
  ['positions', { table: 'deployment_positions', upsert: upsert('deployment_id symbol', POSITION_VALUES) }],
  ['trades', { table: 'deployment_trades' }],
  ['marks', { table: 'marks', upsert: upsert('symbol', 'price split_divisor ts source') }],
  ['roundTrips', { table: 'round_trips' }],
  [
    'orders',
    { table: 'orders', upsert: upsert('id', 'broker_order_id status filled_qty filled_avg_price reason updated_at') },
  ],
  ['metrics', { table: 'deployment_metrics', upsert: upsert('deployment_id ts', METRIC_VALUES) }],
]);

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const specs = new Map<string, TableSpec>();

function tableRows(target: Target, rows: readonly object[]): TableRows {
  const fields = Object.keys(rows[0]!);
  const cacheKey = `${target.table}:${fields.join(',')}`;
  let spec = specs.get(cacheKey);
  if (!spec) {
    spec = {
      table: target.table,
      fields,
      columns: fields.map(snake),
      ...(target.upsert ? { upsert: target.upsert } : {}),
    };
    specs.set(cacheKey, spec);
  }
  const { fields: f } = spec;
  return { spec, rows: rows.map((r) => f.map((k) => (r as Record<string, Value | undefined>)[k] ?? null)) };
}

/** One commit's non-empty tables, in the order `SqlStore.commit` writes them. */
export function commitRows(c: Commit): TableRows[] {
  const out: TableRows[] = [];
  if (c.journal.length > 0) {
    // Journal records carry tsEvent/tsRecorded: ts_event/ts_recorded, as the store maps them.
    out.push(tableRows({ table: 'journal' }, c.journal));
  }
  const projections = c.projections as unknown as Record<string, readonly object[]>;
  for (const [key, rows] of Object.entries(projections)) {
    if (!TARGETS.has(key) && rows.length > 0)
      throw new Error(`bench/raw-tables.ts does not know the projection '${key}': add its table`);
  }
  for (const [key, target] of TARGETS) {
    const rows = projections[key] ?? [];
    if (rows.length > 0) out.push(tableRows(target, rows));
  }
  return out;
}

/** `insert into t (cols) values <values> [on conflict (key) do update set c = excluded.c, ...]`. */
export function insertSql(t: TableSpec, values: string): string {
  let text = `insert into ${t.table} (${t.columns.join(', ')}) values ${values}`;
  if (t.upsert) {
    text += ` on conflict (${t.upsert.key.join(', ')}) do update set ${t.upsert.set.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  }
  return text;
}

/** Rows per table over a list of commits, e.g. "journal 100,000 · deployment_trades 100,000 · ...". */
export function rowTotals(commits: readonly Commit[]): string {
  const totals = new Map<string, number>();
  for (const c of commits)
    for (const t of commitRows(c)) totals.set(t.spec.table, (totals.get(t.spec.table) ?? 0) + t.rows.length);
  return [...totals].map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`).join(' · ');
}
