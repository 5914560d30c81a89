/**
 * What the multi-strategy engine (src/engine) may reach of the application, and nothing more: the
 * books as folded (read only), the deployments, journaling what a run decides (its marks, internal
 * crosses and record) and the router's block orders. The engine never sees the store, the broker,
 * the writer queue or the internal book; `Subledger#engine` gives it this view.
 *
 * `DemoPort` adds what the demo's scripted bots do through the public API (create a deployment,
 * send an order, mark to market).
 */
import type { Dec } from '../../core/decimal.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import type { Ledger } from '../../core/ledger.js';
import type { AccountState } from '../journal/account-state.js';
import type { AccountView, CreateDeploymentInput, DeploymentView, OrderView, SubmitOrderInput } from '../api.js';
import type { JournalEvent } from '../journal/journal-codec.js';
import type { AppendResult } from '../journal/ledger-service.js';
import type { BlockOutcome, BlockRequest } from '../trading/order-router.js';
import type { DeploymentInfo } from '../journal/projections.js';

export interface EnginePort {
  /** The account's folded state; it changes only through `append`, the router and the broker's reports. */
  readonly state: AccountState;
  readonly ledger: Ledger;
  deploymentIds(): DeploymentId[];
  deploymentInfo(id: DeploymentId): DeploymentInfo | undefined;
  /** Journals events (a run's marks, crosses and record) and folds them in. */
  append(events: readonly JournalEvent[]): Promise<AppendResult>;
  /** One block order for several deployments, each share risk-checked (OrderRouter#submitBlock). */
  submitBlock(request: BlockRequest): Promise<BlockOutcome>;
  cancelBlock(blockId: string): Promise<void>;
  /** The safety margin on market buys' reservations (0.02 = 2 %). */
  readonly marketMargin: Dec;
  /** The whole account as `GET /account` shows it. */
  account(): Promise<AccountView>;
}

export interface DemoPort {
  readonly engine: EnginePort;
  createDeployment(input: CreateDeploymentInput): Promise<DeploymentView>;
  submitOrder(id: DeploymentId, input: SubmitOrderInput): Promise<OrderView>;
  markToMarket(): Promise<Symbol[]>;
}
