/**
 * Table types for Kysely: the seed's tables (`deployments`, `deployment_trades`,
 * `deployment_positions`, `deployment_metrics`) plus the journal and the other projections.
 * Every decimal column is TEXT holding an exact decimal string: SQLite has no exact decimal type
 * (NUMERIC affinity would turn "0.1" into a binary float), and one representation on both back-ends
 * keeps the store contract identical.
 */
import type { Generated } from 'kysely';

export interface JournalTable {
  seq: number;
  key: string;
  type: string;
  payload: string;
  ts_event: string;
  ts_recorded: string;
}

export interface DeploymentsTable {
  id: string;
  name: string;
  strategy: string;
  initial_capital: string;
  cost_method: string;
  status: string;
  limits: string;
  created_at: string;
  updated_at: string;
}

export interface BalancesTable {
  deployment_id: string;
  cash: string;
  capital_flows: string;
}

export interface PositionsTable {
  deployment_id: string;
  symbol: string;
  qty: string;
  cost_basis: string;
  avg_cost: string;
  realized_pnl_average: string;
  realized_pnl_fifo: string;
  fees: string;
  dividends: string;
  lots: string;
  trip: string;
}

export interface TradesTable {
  fill_id: string;
  leg: number;
  seq: number;
  deployment_id: string;
  symbol: string;
  side: string;
  qty: string;
  price: string;
  fee: string;
  fee_currency: string;
  fee_expense: string;
  realized_pnl: string;
  realized_pnl_average: string;
  realized_pnl_fifo: string;
  order_id: string | null;
  ts: string;
}

export interface OrdersTable {
  id: string;
  deployment_id: string;
  broker_order_id: string | null;
  symbol: string;
  side: string;
  qty: string;
  order_type: string;
  limit_price: string | null;
  time_in_force: string;
  reserve_price: string;
  status: string;
  filled_qty: string;
  filled_avg_price: string | null;
  reason: string | null;
  idempotency_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface MarksTable {
  symbol: string;
  price: string;
  split_divisor: string | null;
  ts: string;
  source: string;
}

export interface RoundTripsTable {
  seq: number;
  idx: number;
  deployment_id: string;
  symbol: string;
  opened_at: string;
  closed_at: string;
  realized_pnl: string;
  fees: string;
}

export interface MetricsTable {
  deployment_id: string;
  ts: string;
  cash: string;
  positions_value: string;
  equity: string;
  realized_pnl: string;
  unrealized_pnl: string;
  fees: string;
  dividends: string;
  total_pnl: string;
  return_pct: string;
}

export interface PnlHistoryTable {
  scope: string;
  subject: string;
  kind: string;
  ts: string;
  day: string;
  members: number;
  capital: string;
  cash: string;
  positions_value: string;
  equity: string;
  realized_pnl: string;
  unrealized_pnl: string;
  fees: string;
  dividends: string;
  total_pnl: string;
  return_pct: string;
  gross_exposure: string;
  open_positions: number;
}

export interface KeyValueTable {
  name: string;
  value: string;
  updated_at: Generated<string>;
}

export interface Database {
  journal: JournalTable;
  deployments: DeploymentsTable;
  deployment_balances: BalancesTable;
  deployment_positions: PositionsTable;
  deployment_trades: TradesTable;
  marks: MarksTable;
  round_trips: RoundTripsTable;
  deployment_metrics: MetricsTable;
  cursors: KeyValueTable;
  orders: OrdersTable;
  pnl_history: PnlHistoryTable;
  writer_lease: WriterLeaseTable;
  checkpoints: CheckpointsTable;
}

export interface CheckpointsTable {
  /** bigint: pg returns it as a string. */
  seq: number | string;
  key: string;
  format: string;
  state: string;
  written_at: string;
}

export interface WriterLeaseTable {
  name: string;
  /** bigint: pg returns it as a string. */
  epoch: number | string;
  /** JSON of the LeaseHolder. */
  holder: string;
  since: number | string;
  expires_at: number | string;
}
