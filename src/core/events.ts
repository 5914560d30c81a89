/**
 * The facts a ledger is folded from. Every event is immutable and carries its own event time
 * (`ts`, ISO-8601, the broker's time where there is one); the core never reads a clock.
 *
 * A `fill` is one execution (broker, internal cross or imported) with one or more legs: each leg
 * books part of it to one deployment. A plain broker fill for one bot has one leg; a block
 * execution has one leg per participant; an internal cross has a buy leg and a sell leg.
 */
import type { Dec } from './decimal.js';
import type { DeploymentId, FillId, Symbol } from './ids.js';

export type Side = 'buy' | 'sell';
export type CostMethod = 'average' | 'fifo';
/** `quote`: the fee is money (cash pays it). `base`: charged in the received asset (crypto). */
export type FeeCurrency = 'quote' | 'base';

export interface DeploymentOpened {
  readonly type: 'deployment';
  readonly deployment: DeploymentId;
  readonly initialCapital: Dec;
  readonly costMethod: CostMethod;
  readonly ts: string;
}

export interface FillLeg {
  readonly deployment: DeploymentId;
  readonly side: Side;
  readonly qty: Dec;
  readonly fee: Dec;
  readonly feeCurrency: FeeCurrency;
}

export interface FillBooked {
  readonly type: 'fill';
  readonly id: FillId;
  readonly symbol: Symbol;
  readonly price: Dec;
  readonly ts: string;
  readonly legs: readonly FillLeg[];
  /** Our id of the order this execution belongs to (the broker's `client_order_id`), if any. */
  readonly orderId?: string;
}

export interface CapitalFlowed {
  readonly type: 'capital_flow';
  readonly id: string;
  readonly deployment: DeploymentId;
  /** Positive: capital moved into the deployment; negative: moved out. */
  readonly amount: Dec;
  readonly ts: string;
}

export interface SplitApplied {
  readonly type: 'split';
  readonly symbol: Symbol;
  /** New shares per old share: 2 for a 2-for-1, 0.5 for a 1-for-2 reverse split. */
  readonly ratio: Dec;
  readonly ts: string;
}

export interface DividendPaid {
  readonly type: 'dividend';
  readonly symbol: Symbol;
  readonly amountPerShare: Dec;
  readonly ts: string;
}

export interface MarkRecorded {
  readonly type: 'mark';
  readonly symbol: Symbol;
  readonly price: Dec;
  readonly ts: string;
  readonly source: string;
}

export type LedgerEvent = DeploymentOpened | FillBooked | CapitalFlowed | SplitApplied | DividendPaid | MarkRecorded;

/** The journal's uniqueness key of an event: re-journaling the same key is a duplicate. */
export function eventKey(event: LedgerEvent): string {
  switch (event.type) {
    case 'deployment':
      return `deployment:${event.deployment}`;
    case 'fill':
      return `fill:${event.id}`;
    case 'capital_flow':
      return `capital_flow:${event.id}`;
    case 'split':
      return `split:${event.symbol}:${event.ts}`;
    case 'dividend':
      return `dividend:${event.symbol}:${event.ts}`;
    case 'mark':
      return `mark:${event.symbol}:${event.ts}:${event.source}`;
  }
}
