/**
 * Table types for Kysely: the seed's tables (`deployments`, `deployment_trades`,
 * `deployment_positions`, `deployment_metrics`) plus the journal and the other projections.
 * Every decimal column is TEXT holding an exact decimal string: SQLite has no exact decimal type
 * (NUMERIC affinity would turn "0.1" into a binary float), and one representation on both back-ends
 * keeps the store contract identical.
 *
 * Names are camelCase: the store's Kysely runs `CamelCasePlugin` (open-store.ts, memory-replica.ts), which
 * turns every identifier into the snake_case the tables have (`deploymentId` → `deployment_id`,
 * `deploymentTrades` → `deployment_trades`) and every column of a result back. So a row read is
 * already the port's row (store-port.ts) and a port row is written as it is. Raw SQL (migrations,
 * sqlite-commit.ts, sqlite-books.ts, pg-commit.ts) keeps the snake_case names. No name here has a
 * digit or two capitals in a row, the cases where the plugin's options would matter.
 *
 * bigint columns (seq, epoch, lease times) are numbers on both back-ends: open-store.ts has pg
 * parse int8 to a number (every one is a count or a time in ms, far below 2^53).
 */
import type { Generated } from 'kysely';

export interface JournalTable {
  seq: number;
  key: string;
  type: string;
  payload: string;
  tsEvent: string;
  tsRecorded: string;
}

export interface DeploymentsTable {
  id: string;
  name: string;
  strategy: string;
  initialCapital: string;
  costMethod: string;
  status: string;
  limits: string;
  createdAt: string;
  updatedAt: string;
}

export interface BalancesTable {
  deploymentId: string;
  cash: string;
  capitalFlows: string;
}

export interface PositionsTable {
  deploymentId: string;
  symbol: string;
  qty: string;
  costBasis: string;
  avgCost: string;
  realizedPnlAverage: string;
  realizedPnlFifo: string;
  fees: string;
  dividends: string;
  lots: string;
  trip: string;
}

export interface TradesTable {
  fillId: string;
  leg: number;
  seq: number;
  deploymentId: string;
  symbol: string;
  side: string;
  qty: string;
  price: string;
  fee: string;
  feeCurrency: string;
  feeExpense: string;
  realizedPnl: string;
  realizedPnlAverage: string;
  realizedPnlFifo: string;
  orderId: string | null;
  ts: string;
}

export interface OrdersTable {
  id: string;
  deploymentId: string;
  brokerOrderId: string | null;
  symbol: string;
  side: string;
  qty: string;
  orderType: string;
  limitPrice: string | null;
  timeInForce: string;
  reservePrice: string;
  status: string;
  filledQty: string;
  filledAvgPrice: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MarksTable {
  symbol: string;
  price: string;
  splitDivisor: string | null;
  ts: string;
  source: string;
}

export interface RoundTripsTable {
  seq: number;
  idx: number;
  deploymentId: string;
  symbol: string;
  openedAt: string;
  closedAt: string;
  realizedPnl: string;
  fees: string;
}

export interface MetricsTable {
  deploymentId: string;
  ts: string;
  cash: string;
  positionsValue: string;
  equity: string;
  realizedPnl: string;
  unrealizedPnl: string;
  fees: string;
  dividends: string;
  totalPnl: string;
  returnPct: string;
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
  positionsValue: string;
  equity: string;
  realizedPnl: string;
  unrealizedPnl: string;
  fees: string;
  dividends: string;
  totalPnl: string;
  returnPct: string;
  grossExposure: string;
  openPositions: number;
}

export interface KeyValueTable {
  name: string;
  value: string;
  updatedAt: Generated<string>;
}

export interface Database {
  journal: JournalTable;
  deployments: DeploymentsTable;
  deploymentBalances: BalancesTable;
  deploymentPositions: PositionsTable;
  deploymentTrades: TradesTable;
  marks: MarksTable;
  roundTrips: RoundTripsTable;
  deploymentMetrics: MetricsTable;
  cursors: KeyValueTable;
  orders: OrdersTable;
  pnlHistory: PnlHistoryTable;
  writerLease: WriterLeaseTable;
  checkpoints: CheckpointsTable;
}

export interface CheckpointsTable {
  seq: number;
  key: string;
  format: string;
  state: string;
  writtenAt: string;
}

export interface WriterLeaseTable {
  name: string;
  epoch: number;
  /** JSON of the LeaseHolder. */
  holder: string;
  since: number;
  expiresAt: number;
}
