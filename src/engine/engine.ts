/**
 * The engine as a service for the edges (CLI, REST, scheduler): run a rebalance (one at a time),
 * read past runs' execution summaries, and aggregate P&L by strategy across deployments.
 */
import { type Figures, sumFigures } from '../core/figures.js';
import { HOUSE, type Symbol } from '../core/ids.js';
import { sleeveTotals } from '../core/valuation.js';
import { AppError } from '../app/errors.js';
import { type FiguresView, figuresView, pickView } from '../app/performance/figures-view.js';
import type { ExecutionPolicy } from './execution.js';
import { type RebalanceDeps, type RebalanceRun, runRebalance } from './rebalance.js';
import type { ExecutionSummary } from './summary.js';

/** The figures a strategy's line shows, in its key order. */
const STRATEGY_FIGURES = [
  'capital',
  'equity',
  'realized_pnl',
  'unrealized_pnl',
  'fees',
  'total_pnl',
  'return_pct',
] as const satisfies readonly (keyof FiguresView)[];

export interface StrategyTotals extends Pick<FiguresView, (typeof STRATEGY_FIGURES)[number]> {
  strategy: string;
  deployments: string[];
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
    const groups = new Map<string, { ids: string[]; sleeves: Figures[] }>();
    for (const id of this.deps.app.deploymentIds()) {
      if (id === HOUSE) continue;
      const info = this.deps.app.deploymentInfo(id)!;
      const g = groups.get(info.strategy) ?? { ids: [], sleeves: [] };
      g.ids.push(id);
      g.sleeves.push(sleeveTotals(ledger.sleeves.get(id)!, ledger.marks));
      groups.set(info.strategy, g);
    }
    return [...groups]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([strategy, g]) => ({
        strategy,
        deployments: g.ids,
        ...pickView(figuresView(sumFigures(g.sleeves)), STRATEGY_FIGURES),
      }));
  }
}
