/**
 * One rebalance run of the multi-strategy engine (seed 003 §2–4):
 * prices → every active strategy on its own sleeve (manager) → per-symbol consolidation with
 * internal crossing (planner) → crosses booked at once as internal fills (no fee, no broker
 * order) → net block orders, sells before buys, each participant risk-checked → wait for the
 * blocks → the execution summary, journaled with the run.
 * `dryRun` computes the plan and the summary of what would happen, and writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { type Dec, ONE, dec, div } from '../core/decimal.js';
import { crossFill, type ReferencePrice } from '../core/crossing.js';
import type { FillId, Symbol } from '../core/ids.js';
import { HOUSE } from '../core/ids.js';
import { sleeveTotals } from '../core/valuation.js';
import { type MarketDataPort, quoteMid } from '../app/ports/broker-port.js';
import { markOf } from '../app/marks/price-updater.js';
import { heldSymbols } from '../core/ledger.js';
import type { Clock } from '../app/ports/clock-port.js';
import type { JournalEvent } from '../app/journal/journal-codec.js';
import type { EnginePort } from '../app/ports/engine-port.js';
import { type ExecutionPolicy, blockDone, executeBlock } from './execution.js';
import { type ManagerResult, type SleeveSnapshot, runAllStrategies } from './manager.js';
import { type RebalancePlan, planRebalance } from './planner.js';
import { precheckWishes } from './precheck.js';
import type { Strategy } from './strategy.js';
import { type ExecutionSummary, buildSummary } from './summary.js';

export interface RebalanceDeps {
  readonly app: EnginePort;
  readonly market: MarketDataPort;
  readonly clock: Clock;
  readonly registry: ReadonlyMap<string, Strategy>;
  /** Advances time while blocks work (paper: the next market step; live: a sleep). */
  readonly wait: () => Promise<void>;
}

export interface RebalanceOptions {
  readonly dryRun?: boolean;
  readonly policy?: ExecutionPolicy;
  /** The symbols strategies may trade (default: every symbol with a price history or a position). */
  readonly universe?: readonly Symbol[];
  /** Waits allowed for the sells before the buys go, and for the buys to finish. Default 20. */
  readonly maxWaits?: number;
  /** Estimated broker fee per share, to report the fees internal crossing saved. Default 0.005. */
  readonly feePerShare?: Dec;
  /** Net orders below this quantity are not sent (reported). Default: one increment. */
  readonly minTradeQty?: (symbol: Symbol) => Dec;
}

export interface RebalanceRun {
  readonly id: string;
  readonly manager: ManagerResult;
  readonly plan: RebalancePlan;
  readonly summary: ExecutionSummary;
}

export async function runRebalance(deps: RebalanceDeps, options: RebalanceOptions = {}): Promise<RebalanceRun> {
  const { app, market, clock } = deps;
  const startedAt = clock.now().toISOString();
  const id = `rb-${startedAt.replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const universe =
    options.universe ?? [...new Set([...app.state.markHistory.keys(), ...heldSymbols(app.ledger)])].sort();
  const quotes = await market.latest(universe);
  const prices = new Map<Symbol, Dec>();
  const references = new Map<Symbol, ReferencePrice>();
  const marks: JournalEvent[] = [];
  for (const [symbol, q] of quotes) {
    const mark = markOf(symbol, q); // the last trade, else the midpoint; none without a positive price
    if (!mark || mark.type !== 'mark') continue;
    const last = mark.price;
    const mid = quoteMid(q);
    prices.set(symbol, last);
    references.set(
      symbol,
      mid !== undefined
        ? { price: mid, source: `quote_mid:${q.source}` }
        : { price: last, source: `last_trade:${q.source}` },
    );
    marks.push(mark);
  }
  if (!options.dryRun) await app.append(marks);
  const history = new Map<Symbol, readonly Dec[]>();
  for (const symbol of universe) {
    const past = app.state.markHistory.get(symbol) ?? [];
    const now = prices.get(symbol);
    history.set(symbol, options.dryRun && now !== undefined ? [...past, now] : past);
  }
  // Size targets on equity ÷ (1 + margin): a market buy reserves that margin, so a fully invested
  // target must leave room for it or the risk check would refuse it.
  const reserveFactor = (ONE + app.marketMargin) as Dec;
  const sleeves = activeSleeves(app).map((s) => ({ ...s, equity: div(s.equity, reserveFactor) }));
  const manager = runAllStrategies(sleeves, deps.registry, { prices, history });
  const checked = precheckWishes(app, manager, prices, reserveFactor);
  const plan = planRebalance(
    checked.result,
    references,
    options.minTradeQty ? { minTradeQty: options.minTradeQty } : {},
  );
  const blocks = new Map<Symbol, string[]>();
  const refused: { deployment: string; code: string; message: string }[] = [...checked.refused];
  if (!options.dryRun) {
    const done = await executePlan(deps, plan, id, options);
    for (const [symbol, ids] of done.blocks) blocks.set(symbol, ids);
    refused.push(...done.refused);
  }
  const summary = buildSummary({
    id,
    startedAt,
    finishedAt: clock.now().toISOString(),
    dryRun: Boolean(options.dryRun),
    app,
    manager,
    plan,
    blocks,
    refused,
    feePerShare: options.feePerShare ?? dec('0.005'),
    account: options.dryRun ? null : await app.account(),
  });
  if (!options.dryRun) {
    await app.append([
      {
        type: 'rebalance_completed',
        id,
        summary: summary as unknown as Record<string, unknown>,
        ts: summary.finished_at,
      },
    ]);
  }
  return { id, manager, plan, summary };
}

/**
 * Carries out a plan: books every internal cross at once, then sends the net block orders, sells
 * first (waiting for them), then buys, and waits (bounded) for the buys to finish.
 */
export async function executePlan(
  deps: RebalanceDeps,
  plan: RebalancePlan,
  id: string,
  options: Pick<RebalanceOptions, 'policy' | 'maxWaits'> = {},
): Promise<{ blocks: Map<Symbol, string[]>; refused: { deployment: string; code: string; message: string }[] }> {
  const { app } = deps;
  const blocks = new Map<Symbol, string[]>();
  const refused: { deployment: string; code: string; message: string }[] = [];
  const ts = deps.clock.now().toISOString();
  for (const p of plan.symbols) {
    if (p.cross) await app.append([crossFill(p.cross, `cross:${id}:${p.symbol}` as FillId, ts)]);
  }
  const maxWaits = options.maxWaits ?? 20;
  const policy = options.policy ?? { kind: 'market' };
  const exec = { app, market: deps.market, wait: deps.wait };
  for (const side of ['sell', 'buy'] as const) {
    const ids: string[] = [];
    for (const p of plan.symbols) {
      if (p.brokerOrder?.side !== side) continue;
      const done = await executeBlock(
        exec,
        {
          symbol: p.symbol,
          side,
          participants: p.brokerOrder.plan.participants.map((x) => ({ deployment: x.deployment, qty: x.requested })),
          increment: dec(p.brokerOrder.plan.policy.increment),
          rebalanceId: id,
        },
        policy,
      );
      blocks.set(p.symbol, done.blockIds);
      ids.push(...done.blockIds);
      refused.push(...done.refused);
    }
    for (let w = 0; w < maxWaits && !ids.every((b) => blockDone(app, b)); w++) await deps.wait();
  }
  return { blocks, refused };
}

/** Every active deployment except the house, valued at the current marks. */
function activeSleeves(app: EnginePort): SleeveSnapshot[] {
  const { ledger } = app;
  const out: SleeveSnapshot[] = [];
  for (const id of app.deploymentIds()) {
    const info = app.deploymentInfo(id)!;
    if (id === HOUSE || info.status !== 'active') continue;
    const sleeve = ledger.sleeves.get(id)!;
    const holdings = new Map<Symbol, Dec>();
    for (const [symbol, p] of sleeve.positions) if (p.qty !== 0n) holdings.set(symbol, p.qty);
    out.push({ deployment: id, strategy: info.strategy, equity: sleeveTotals(sleeve, ledger.marks).equity, holdings });
  }
  return out;
}
