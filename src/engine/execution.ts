/**
 * Execution policies for a rebalance's block orders through the broker port.
 * - `market`: one market order per block.
 * - `smart`: a limit order at a price improved from the quote (the midpoint, on the tick, on the
 *   passive side), re-priced one tick toward the far side every `repriceAfter` waits, and the rest
 *   sent as a market order after `maxReprices` re-prices. Each re-price cancels what is left of the
 *   block and sends a new block for each participant's remainder, so allocations stay per block.
 * `wait` advances time: the paper broker's next step, or a sleep against a live broker.
 */
import { type Dec, ZERO, floorToIncrement } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import type { DeploymentId } from '../core/ids.js';
import { isTerminal } from '../core/orders.js';
import { type MarketDataPort, quoteMid } from '../app/ports/broker-port.js';
import type { EnginePort } from '../app/ports/engine-port.js';
import { childOrderId } from '../app/journal/account-state.js';

export type ExecutionPolicy =
  { readonly kind: 'market' } | { readonly kind: 'smart'; readonly repriceAfter: number; readonly maxReprices: number };

export const DEFAULT_SMART: ExecutionPolicy = { kind: 'smart', repriceAfter: 2, maxReprices: 2 };

export interface BlockWork {
  readonly symbol: Symbol;
  readonly side: 'buy' | 'sell';
  readonly participants: readonly { deployment: DeploymentId; qty: Dec }[];
  readonly increment: Dec;
  readonly rebalanceId: string;
}

export interface ExecutionDeps {
  readonly app: EnginePort;
  readonly market: MarketDataPort;
  readonly wait: () => Promise<void>;
}

export interface Executed {
  readonly blockIds: string[];
  readonly refused: { deployment: DeploymentId; code: string; message: string }[];
}

const CENT = (10n ** 16n) as Dec;

/** Whether every child of the block reached a terminal status. */
export function blockDone(app: EnginePort, blockId: string): boolean {
  const block = app.state.blocks.get(blockId);
  return !block || block.children.every((id) => isTerminal(app.state.orders.get(id)!.status));
}

export async function executeBlock(deps: ExecutionDeps, work: BlockWork, policy: ExecutionPolicy): Promise<Executed> {
  const out: Executed = { blockIds: [], refused: [] };
  let remaining = work.participants.filter((p) => p.qty > 0n);
  const rounds = policy.kind === 'market' ? 0 : policy.maxReprices + 1;
  for (let round = 0; remaining.length > 0; round++) {
    const isMarket = round >= rounds;
    const limitPrice = isMarket ? undefined : await improvedLimit(deps.market, work.symbol, work.side, round);
    if (!isMarket && limitPrice === undefined) continue; // no quote: go straight to the market round
    const outcome = await deps.app.submitBlock({
      symbol: work.symbol,
      side: work.side,
      participants: remaining,
      type: isMarket ? 'market' : 'limit',
      ...(limitPrice !== undefined ? { limitPrice } : {}),
      timeInForce: 'day',
      increment: work.increment,
      rebalanceId: work.rebalanceId,
    });
    out.refused.push(...outcome.refused);
    if (!outcome.blockId) return out;
    out.blockIds.push(outcome.blockId);
    if (isMarket || policy.kind === 'market') return out;
    for (let w = 0; w < policy.repriceAfter && !blockDone(deps.app, outcome.blockId); w++) await deps.wait();
    if (blockDone(deps.app, outcome.blockId)) return out;
    await deps.app.cancelBlock(outcome.blockId);
    for (let w = 0; w < 10 && !blockDone(deps.app, outcome.blockId); w++) await deps.wait();
    const block = deps.app.state.blocks.get(outcome.blockId)!;
    remaining = remaining
      .map((p) => ({ deployment: p.deployment, qty: (p.qty - (block.booked.get(p.deployment) ?? ZERO)) as Dec }))
      .filter((p) => p.qty > 0n && isTerminal(deps.app.state.orders.get(childOrderId(block.id, p.deployment))!.status));
  }
  return out;
}

/** The midpoint on the passive side's cent, moved `round` cents toward the far side. */
async function improvedLimit(
  market: MarketDataPort,
  symbol: Symbol,
  side: 'buy' | 'sell',
  round: number,
): Promise<Dec | undefined> {
  const q = (await market.latest([symbol])).get(symbol);
  const mid = quoteMid(q);
  if (mid === undefined) return undefined;
  const passive =
    side === 'buy'
      ? floorToIncrement(mid, CENT)
      : ((floorToIncrement(mid, CENT) + (mid % CENT === 0n ? 0n : CENT)) as Dec);
  const step = BigInt(round) * CENT;
  return (side === 'buy' ? passive + step : passive - step) as Dec;
}
