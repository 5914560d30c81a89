/**
 * The account's controls the edges reach beside the facade (REST API, CLI, dashboard): the kill
 * switch of one sleeve (src/app/risk/flatten.ts), its loss limits with their figures now and its
 * breaches, and the account's wash-sale report (src/app/performance/wash-sale-report.ts). The composition
 * root builds one per app.
 */
import type { DeploymentId } from '../../core/ids.js';
import { type Dec, toPlain } from '../../core/decimal.js';
import { drawdownPct, lossLimitsOf } from '../../core/loss-limits.js';
import { controlsOf } from '../journal/account-state.js';
import { lossFiguresOf } from './loss-watch.js';
import type { Clock } from '../ports/clock-port.js';
import { type FlattenRequest, type FlattenView, Flattener } from './flatten.js';
import type { Subledger } from '../subledger.js';
import { type WashSaleReport, washSaleReport } from '../performance/wash-sale-report.js';

export interface BreachView {
  id: string;
  limit: 'max_daily_loss' | 'max_drawdown_pct';
  value: string;
  threshold: string;
  action: 'pause' | 'flatten';
  ts: string;
}

/**
 * A deployment's loss limits (null: not set) and the figures they are checked against now, from
 * the journal (src/core/loss-limits.ts): the day is the app clock's UTC date. Only a deployment
 * with a loss limit is followed; for one without, the day and the peak start at its P&L now.
 */
export interface LossLimitsView {
  deployment_id: string;
  max_daily_loss: string | null;
  max_drawdown_pct: string | null;
  /** What a breach does; null when neither limit is set. */
  on_breach: 'pause' | 'flatten' | null;
  day: string;
  pnl: string;
  day_start_pnl: string;
  /** P&L at the day's start − P&L now (negative: a gain). */
  day_loss: string;
  peak_pnl: string;
  capital: string;
  /** (peak − now) × 100 ÷ (capital + peak), 18 places; null when peak equity ≤ 0. */
  drawdown_pct: string | null;
}

export interface ControlsApi {
  /** Throws NOT_FOUND for an unknown deployment (or the house). */
  flatten(id: DeploymentId, request: FlattenRequest): Promise<FlattenView>;
  /** The deployment's loss-limit breaches, oldest first. Throws NOT_FOUND. */
  breaches(id: DeploymentId): BreachView[];
  /** The deployment's loss limits and their figures now. Throws NOT_FOUND. */
  lossLimits(id: DeploymentId): LossLimitsView;
  washSales(year: number): Promise<WashSaleReport>;
}

export class Controls implements ControlsApi {
  readonly flattener: Flattener;

  constructor(
    private readonly app: Subledger,
    private readonly clock: Clock,
  ) {
    this.flattener = new Flattener(app, clock);
  }

  flatten(id: DeploymentId, request: FlattenRequest): Promise<FlattenView> {
    return this.flattener.flatten(id, request);
  }

  breaches(id: DeploymentId): BreachView[] {
    this.app.getDeployment(id);
    return controlsOf(this.app.service.state, id).breaches.map((b) => ({
      id: b.id,
      limit: b.limit,
      value: toPlain(b.value),
      threshold: toPlain(b.threshold),
      action: b.action,
      ts: b.ts,
    }));
  }

  lossLimits(id: DeploymentId): LossLimitsView {
    const deployment = this.app.getDeployment(id); // NOT_FOUND, for the house too
    const day = this.clock.now().toISOString().slice(0, 10);
    const figures = lossFiguresOf(this.app.service.state, id, day)!;
    const limits = lossLimitsOf(this.app.service.deploymentInfo(id)?.limits ?? {});
    const p = (d: Dec | undefined) => (d === undefined ? null : toPlain(d));
    return {
      deployment_id: deployment.id,
      max_daily_loss: p(limits?.maxDailyLoss),
      max_drawdown_pct: p(limits?.maxDrawdownPct),
      on_breach: limits?.onBreach ?? null,
      day,
      pnl: toPlain(figures.pnl),
      day_start_pnl: toPlain(figures.dayStartPnl),
      day_loss: toPlain((figures.dayStartPnl - figures.pnl) as Dec),
      peak_pnl: toPlain(figures.peakPnl),
      capital: toPlain(figures.capital),
      drawdown_pct: p(drawdownPct(figures)),
    };
  }

  washSales(year: number): Promise<WashSaleReport> {
    return washSaleReport(this.app.service.store, year);
  }
}
