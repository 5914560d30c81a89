/**
 * The loss-limit watcher: after every commit that holds a fill or a mark, each active deployment
 * with `max_daily_loss` or `max_drawdown_pct` in its limits is checked (src/core/loss-limits.ts
 * `breachOf`). A breach is journaled (`limit_breached`, once per deployment, limit and day),
 * carried out — `on_breach: pause` (default) sets the deployment paused, so the risk check lets it
 * only reduce; `flatten` runs the kill switch — and alerted (`alert`, the report mailer: see
 * breach-alert.ts), in the background, so a slow mail server never delays the action.
 *
 * `resume()` (start-up) carries out any journaled breach whose action was not (a restart between
 * breach and action). The figures come from the journal (`lossFiguresOf`: the day's opening P&L
 * and the peak folded into the account state), so a restart changes none of them: a sleeve that
 * lost 80 of a 100 daily limit before a restart breaches at 20 more, not 100.
 */
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { toPlain } from '../../core/decimal.js';
import { HOUSE, type DeploymentId } from '../../core/ids.js';
import { type LossFigures, breachOf, figuresOn, lossLimitsOf, startTrack } from '../../core/loss-limits.js';
import { sleeveTotals } from '../../core/valuation.js';
import { type AccountState, controlsOf, lossTracksOf } from '../journal/account-state.js';
import type { Clock } from '../ports/clock-port.js';
import type { Flattener } from './flatten.js';
import type { LimitBreached } from '../journal/journal-codec.js';
import type { Subledger } from '../subledger.js';

export interface LossWatchOptions {
  readonly app: Subledger;
  readonly flattener: Flattener;
  readonly clock: Clock;
  /** Told of each breach once it is journaled, with its figures (the mailer); failures are logged, never thrown. */
  readonly alert?: (breach: LimitBreached, figures: LossFigures) => Promise<void>;
  readonly log?: (level: 'error' | 'info', message: string) => void;
}

export { lossLimitsOf };

/**
 * `id`'s loss figures on `day` (a UTC date) from the folded journal: P&L and capital now, the
 * day's opening P&L and the peak. A deployment opened before tracks existed (a checkpoint older
 * than them) is followed from its P&L now.
 */
export function lossFiguresOf(state: AccountState, id: DeploymentId, day: string): LossFigures | undefined {
  const sleeve = state.ledger.sleeves.get(id);
  if (!sleeve) return undefined;
  const totals = sleeveTotals(sleeve, state.ledger.marks);
  const track = lossTracksOf(state).get(id) ?? startTrack(day, totals.totalPnl);
  return figuresOn(track, day, totals.totalPnl, totals.capital);
}

export class LossWatcher {
  private checking: Promise<void> = Promise.resolve();
  private alerting: Promise<void> = Promise.resolve();
  /**
   * Runs a check in the context the watcher was made in: a commit's subscribers are called inside
   * the ledger service's exclusive section, where an append would throw (it would wait for itself).
   */
  private readonly outside = AsyncResource.bind((work: () => Promise<void>) => work());

  constructor(private readonly options: LossWatchOptions) {}

  /** Checks after every commit with a fill or a mark; returns the unsubscribe function. */
  start(): () => void {
    return this.options.app.service.subscribe((batch) => {
      if (batch.events.some((e) => e.type === 'fill' || e.type === 'mark' || e.type === 'dividend')) void this.check();
    });
  }

  /** Checks every active deployment with loss limits once (checks never overlap). */
  check(): Promise<void> {
    this.checking = this.checking
      .then(() => this.outside(() => this.checkNow()))
      .catch((error: unknown) => this.fail(error));
    return this.checking;
  }

  /** Resolves once every alert queued so far was sent (or failed and was logged). */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.alerting) await (seen = this.alerting);
  }

  /** Carries out every journaled breach whose action was not carried out (start-up). */
  async resume(): Promise<void> {
    const { app } = this.options;
    for (const id of app.service.deploymentIds()) {
      if (id === HOUSE) continue;
      const last = controlsOf(app.service.state, id).breaches.at(-1);
      if (last) await this.carryOut(last);
    }
  }

  private async checkNow(): Promise<void> {
    const { app, clock } = this.options;
    const state = app.service.state;
    const day = clock.now().toISOString().slice(0, 10);
    for (const id of app.service.deploymentIds()) {
      const info = app.service.deploymentInfo(id);
      const limits = info && id !== HOUSE ? lossLimitsOf(info.limits) : undefined;
      if (!info || !limits || info.status !== 'active') continue;
      const figures = lossFiguresOf(state, id, day);
      if (!figures) continue;
      const breach = breachOf(figures, limits);
      if (!breach) continue;
      const event: LimitBreached = {
        type: 'limit_breached',
        id: `${id}:${breach.limit}:${day}`,
        deployment: id,
        limit: breach.limit,
        value: breach.value,
        threshold: breach.threshold,
        action: limits.onBreach,
        ts: clock.now().toISOString(),
      };
      const { appended } = await app.service.append([event]);
      const alert = this.options.alert;
      // Queued, not awaited: the action never waits for the mail server.
      if (appended > 0 && alert)
        this.alerting = this.alerting.then(() => alert(event, figures).catch((e: unknown) => this.fail(e)));
      await this.carryOut(event);
    }
  }

  /** Pauses or flattens `breach.deployment` unless that was done after the breach. */
  private async carryOut(breach: LimitBreached): Promise<void> {
    const { app, flattener } = this.options;
    const reason = `${breach.limit} ${toPlain(breach.threshold)} reached (${toPlain(breach.value)})`;
    if (breach.action === 'pause') {
      // A status set after the breach (an admin who resumed the deployment since) stands.
      const info = app.service.deploymentInfo(breach.deployment);
      if (info?.status === 'active' && info.updatedAt <= breach.ts)
        await app.service.append([
          {
            type: 'deployment_status',
            id: randomUUID(),
            deployment: breach.deployment,
            status: 'paused',
            ts: breach.ts,
          },
        ]);
      return;
    }
    const lastFlatten = controlsOf(app.service.state, breach.deployment).lastFlatten[0];
    if (lastFlatten && lastFlatten.ts >= breach.ts) return;
    await flattener.flatten(breach.deployment, { by: `limit:${breach.limit}`, reason });
  }

  private fail(error: unknown): void {
    const message = `loss limits: ${(error as Error).message}`;
    if (this.options.log) this.options.log('error', message);
    else console.error(`subledger: ${message}`);
  }
}
