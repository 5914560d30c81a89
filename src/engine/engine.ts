/**
 * The engine as a service for the edges (CLI, REST, scheduler): run a rebalance (one at a time),
 * read past runs' execution summaries, and aggregate P&L by strategy across deployments.
 */
import { type Dec, ZERO, toPlain } from '../core/decimal.js';
import { HOUSE, type Symbol } from '../core/ids.js';
import { sleeveTotals } from '../core/valuation.js';
import { AppError } from '../app/errors.js';
import { returnPercent } from '../app/journal/projections.js';
import type { ExecutionPolicy } from './execution.js';
import { type RebalanceDeps, type RebalanceRun, runRebalance } from './rebalance.js';
import type { ExecutionSummary } from './summary.js';

export interface StrategyTotals {
  strategy: string;
  deployments: string[];
  capital: string;
  equity: string;
  realized_pnl: string;
  unrealized_pnl: string;
  fees: string;
  total_pnl: string;
  return_pct: string;
}

export interface EngineOptions {
  readonly universe?: readonly Symbol[];
  readonly policy?: ExecutionPolicy;
}

export class Engine {
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    readonly deps: RebalanceDeps,
    private readonly options: EngineOptions = {},
  ) {}

  /** Runs one rebalance after any run in progress. */
  rebalance(dryRun = false): Promise<RebalanceRun> {
    const run = this.running.then(() =>
      runRebalance(this.deps, {
        dryRun,
        ...(this.options.universe ? { universe: this.options.universe } : {}),
        ...(this.options.policy ? { policy: this.options.policy } : {}),
      }),
    );
    this.running = run.catch(() => undefined);
    return run;
  }

  listRebalances(limit = 50): { id: string; ts: string }[] {
    return [...this.deps.app.state.rebalances]
      .map(([id, r]) => ({ id, ts: r.ts }))
      .slice(-limit)
      .reverse();
  }

  /** Throws NOT_FOUND. */
  getRebalance(id: string): ExecutionSummary {
    const run = this.deps.app.state.rebalances.get(id);
    if (!run) throw new AppError('NOT_FOUND', `no rebalance run '${id}'`);
    return run.summary as unknown as ExecutionSummary;
  }

  latestRebalance(): ExecutionSummary | undefined {
    const last = [...this.deps.app.state.rebalances.values()].at(-1);
    return last?.summary as unknown as ExecutionSummary | undefined;
  }

  /** P&L aggregated by strategy name over its deployments (seed 003's per-strategy view). */
  strategies(): StrategyTotals[] {
    const { ledger } = this.deps.app;
    const groups = new Map<
      string,
      {
        ids: string[];
        capital: bigint;
        equity: bigint;
        realized: bigint;
        unrealized: bigint;
        fees: bigint;
        total: bigint;
      }
    >();
    for (const id of this.deps.app.deploymentIds()) {
      if (id === HOUSE) continue;
      const info = this.deps.app.deploymentInfo(id)!;
      const v = sleeveTotals(ledger.sleeves.get(id)!, ledger.marks);
      const g = groups.get(info.strategy) ?? {
        ids: [],
        capital: 0n,
        equity: 0n,
        realized: 0n,
        unrealized: 0n,
        fees: 0n,
        total: 0n,
      };
      g.ids.push(id);
      g.capital += v.capital;
      g.equity += v.equity;
      g.realized += v.realized;
      g.unrealized += v.unrealized;
      g.fees += v.fees;
      g.total += v.totalPnl;
      groups.set(info.strategy, g);
    }
    const s = (x: bigint) => toPlain(x as Dec);
    return [...groups]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([strategy, g]) => ({
        strategy,
        deployments: g.ids,
        capital: s(g.capital),
        equity: s(g.equity),
        realized_pnl: s(g.realized),
        unrealized_pnl: s(g.unrealized),
        fees: s(g.fees),
        total_pnl: s(g.total),
        return_pct: returnPercent(g.total as Dec, (g.capital || ZERO) as Dec),
      }));
  }
}
