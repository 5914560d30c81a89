/**
 * The deployments (one bot's sleeve each) as the API shows them: create one (its capital taken
 * from the house sleeve), list, get, and set its status (stopping one cancels its open orders).
 * The house sleeve is not a deployment: its id is reserved and it is NOT_FOUND here.
 */
import { randomUUID } from 'node:crypto';
import { type Dec, toPlain } from '../../core/decimal.js';
import { type DeploymentId, HOUSE, deploymentIdProblem } from '../../core/ids.js';
import type { CreateDeploymentInput, DeploymentStatus, DeploymentView } from '../api.js';
import { AppError } from '../errors.js';
import { openOrdersOf } from '../journal/account-state.js';
import type { JournalEvent } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import type { DeploymentInfo } from '../journal/projections.js';
import type { Clock } from '../ports/clock-port.js';
import { limitsToJson, limitsView } from '../risk/limits.js';
import type { OrderRouter } from '../trading/order-router.js';
import { requireHouseCash } from './free-cash.js';

/** The deployment's settings; NOT_FOUND for an unknown id and for the house. */
export function requireDeployment(service: LedgerService, id: DeploymentId): DeploymentInfo {
  const info = service.deploymentInfo(id);
  if (!info || id === HOUSE) throw new AppError('NOT_FOUND', `no deployment '${id}'`);
  return info;
}

export class Deployments {
  constructor(
    private readonly service: LedgerService,
    private readonly clock: Clock,
    /** Cancels the open orders of a deployment being stopped. */
    private readonly router: Pick<OrderRouter, 'cancel'>,
  ) {}

  /** Throws NOT_FOUND. */
  view(id: DeploymentId): DeploymentView {
    const info = requireDeployment(this.service, id);
    const sleeve = this.service.ledger.sleeves.get(id)!;
    return {
      id,
      name: info.name,
      strategy: info.strategy,
      status: info.status,
      cost_method: sleeve.costMethod,
      initial_capital: toPlain(sleeve.initialCapital),
      limits: limitsView(info.limits),
      created_at: info.createdAt,
      updated_at: info.updatedAt,
    };
  }

  list(): DeploymentView[] {
    return this.service
      .deploymentIds()
      .filter((id) => id !== HOUSE)
      .map((id) => this.view(id));
  }

  async create(input: CreateDeploymentInput): Promise<DeploymentView> {
    const problem = deploymentIdProblem(input.id);
    if (problem || input.id === HOUSE) {
      const message = problem ?? `"${HOUSE}" is reserved for the account's own sleeve`;
      throw new AppError('VALIDATION_FAILED', `id: ${message}`, { fields: [{ field: 'id', message }] });
    }
    if (input.initialCapital < 0n)
      throw new AppError('VALIDATION_FAILED', 'initial_capital: must not be negative', {
        fields: [{ field: 'initial_capital', message: 'must not be negative' }],
      });
    await this.service.exclusive(async (writer) => {
      if (this.service.ledger.sleeves.has(input.id))
        throw new AppError('CONFLICT', `deployment '${input.id}' already exists`);
      requireHouseCash(this.service, input.initialCapital);
      const ts = this.clock.now().toISOString();
      const events: JournalEvent[] = [
        {
          type: 'deployment',
          deployment: input.id,
          initialCapital: input.initialCapital,
          costMethod: input.costMethod ?? 'average',
          name: input.name ?? input.id,
          strategy: input.strategy ?? input.id,
          limits: limitsToJson(input.limits),
          ts,
        },
      ];
      if (this.service.ledger.sleeves.has(HOUSE) && input.initialCapital > 0n) {
        events.push({
          type: 'capital_flow',
          id: `allocate:${input.id}`,
          deployment: HOUSE,
          amount: -input.initialCapital as Dec,
          ts,
        });
      }
      await writer.append(events);
    });
    return this.view(input.id);
  }

  async setStatus(id: DeploymentId, status: DeploymentStatus): Promise<DeploymentView> {
    const info = requireDeployment(this.service, id);
    if (info.status !== status) {
      await this.service.append([
        { type: 'deployment_status', id: randomUUID(), deployment: id, status, ts: this.clock.now().toISOString() },
      ]);
    }
    if (status === 'stopped') {
      for (const order of openOrdersOf(this.service.state, id)) {
        await this.router.cancel(id, order.id).catch(() => undefined);
      }
    }
    return this.view(id);
  }
}
