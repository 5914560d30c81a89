/**
 * A deployment's capital: moving cash between it and the house sleeve (a deposit is funded by the
 * house's free cash, a withdrawal takes at most the deployment's free cash, src/app/sleeves/free-cash.ts),
 * idempotent by key, and the flows so far. Each move journals both sides, so Σ deployments + house
 * stays what the broker holds.
 */
import { randomUUID } from 'node:crypto';
import { type Dec, formatMoney, toPlain } from '../../core/decimal.js';
import { type DeploymentId, HOUSE } from '../../core/ids.js';
import type { CapitalFlowView } from '../api.js';
import { AppError } from '../errors.js';
import { idempotencyKeyProblem } from '../journal/journal-bounds.js';
import type { JournalEvent } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import type { Clock } from '../ports/clock-port.js';
import { requireDeployment } from './deployments.js';
import { freeCash, requireHouseCash } from './free-cash.js';

export class Capital {
  constructor(
    private readonly service: LedgerService,
    private readonly clock: Clock,
  ) {}

  /** Positive: from the house into the deployment; negative: back (at most its free cash). */
  async move(id: DeploymentId, amount: Dec, idempotencyKey?: string): Promise<CapitalFlowView> {
    requireDeployment(this.service, id);
    if (amount === 0n)
      throw new AppError('VALIDATION_FAILED', 'amount: must not be 0', {
        fields: [{ field: 'amount', message: 'must not be 0' }],
      });
    // The key becomes part of the flow ids (`<id>:<key>`, `<id>:<key>:house`): bounded like the header.
    const keyProblem = idempotencyKey === undefined ? undefined : idempotencyKeyProblem(idempotencyKey);
    if (keyProblem)
      throw new AppError('VALIDATION_FAILED', `idempotency-key: ${keyProblem}`, {
        fields: [{ field: 'idempotency-key', message: keyProblem }],
      });
    const flowId = idempotencyKey ? `${id}:${idempotencyKey}` : randomUUID();
    await this.service.exclusive(async (writer) => {
      const existing = (this.service.state.flows.get(id) ?? []).find((f) => f.id === flowId);
      if (existing) {
        if (existing.amount !== amount)
          throw new AppError(
            'IDEMPOTENCY_CONFLICT',
            `idempotency key '${idempotencyKey}' was already used for a capital flow of ${toPlain(existing.amount)}`,
          );
        return;
      }
      if (amount < 0n) {
        const { cash, reserved, free, openBuys } = freeCash(this.service, id);
        if (-amount > free) {
          throw new AppError(
            'INSUFFICIENT_FREE_CASH',
            `INSUFFICIENT_FREE_CASH: deployment '${id}' has $${formatMoney(free)} free (cash $${formatMoney(cash)} − $${formatMoney(reserved)} reserved by ${openBuys} open order${openBuys === 1 ? '' : 's'}); $${formatMoney(-amount as Dec)} was asked back`,
            { available: toPlain(free), requested: toPlain(-amount as Dec) },
          );
        }
      } else {
        requireHouseCash(this.service, amount);
      }
      const ts = this.clock.now().toISOString();
      const events: JournalEvent[] = [{ type: 'capital_flow', id: flowId, deployment: id, amount, ts }];
      if (this.service.ledger.sleeves.has(HOUSE))
        events.push({ type: 'capital_flow', id: `${flowId}:house`, deployment: HOUSE, amount: -amount as Dec, ts });
      await writer.append(events);
    });
    const flow = (this.service.state.flows.get(id) ?? []).find((f) => f.id === flowId)!;
    return { id: flow.id, deployment_id: id, amount: toPlain(flow.amount), ts: flow.ts };
  }

  /** The deployment's capital flows, oldest first. Throws NOT_FOUND. */
  flows(id: DeploymentId): CapitalFlowView[] {
    requireDeployment(this.service, id);
    return (this.service.state.flows.get(id) ?? []).map((f) => ({
      id: f.id,
      deployment_id: id,
      amount: toPlain(f.amount),
      ts: f.ts,
    }));
  }
}
