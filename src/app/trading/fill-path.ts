/**
 * The fill path: execution report → attribution by client order id (a carrier's id leads to its
 * order, order-routes.ts; orders we did not send go to the house) → journal (idempotent by execution id) → sleeve updated → the order's reservation
 * released by its new status → `realized_pnl` stored on the trade that closed. One transaction per
 * report, under the service's lock, so a report is either fully booked or not at all.
 */
import type { Dec } from '../../core/decimal.js';
import { type DeploymentId, type FillId, HOUSE } from '../../core/ids.js';
import { allocateFill, allocationLegs } from '../../core/allocation.js';
import type { BlockState } from '../journal/account-state.js';
import type { ExecutionReport } from '../ports/broker-port.js';
import { deploymentOfClientOrderId } from './client-order-id.js';
import { type JournalEvent, orderUpdatedFrom } from '../journal/journal-codec.js';
import type { AppendResult, LedgerService } from '../journal/ledger-service.js';

export async function bookReport(service: LedgerService, report: ExecutionReport): Promise<AppendResult> {
  return service.exclusive(async (writer) => {
    const { order } = report;
    const clientOrderId = order.clientOrderId as string;
    const block = service.state.blocks.get(clientOrderId);
    if (block) return writer.append(blockEvents(block, report));
    const events: JournalEvent[] = [];
    // A broker order the internal book sent for an order under another id (its carrier).
    const id = service.state.carriers.get(clientOrderId) ?? clientOrderId;
    const known = service.state.orders.get(id);
    const named = known ? undefined : deploymentOfClientOrderId(id);
    const deployment: DeploymentId = known?.deployment ?? (named && service.ledger.sleeves.has(named) ? named : HOUSE);
    if (!known) {
      events.push({
        type: 'order_submitted',
        id,
        deployment,
        symbol: order.symbol,
        side: order.side,
        qty: order.qty,
        orderType: order.type,
        limitPrice: order.limitPrice ?? null,
        timeInForce: order.timeInForce,
        reservePrice: (order.limitPrice ?? 0n) as Dec,
        idempotencyKey: null,
        ts: order.submittedAt,
      });
    }
    if (report.execution) {
      const x = report.execution;
      events.push({
        type: 'fill',
        id: x.id as FillId,
        symbol: order.symbol,
        price: x.price,
        ts: x.ts,
        orderId: id,
        legs: [{ deployment, side: order.side, qty: x.qty, fee: x.fee, feeCurrency: 'quote' }],
      });
    }
    events.push(orderUpdatedFrom(id, order, report.ts, clientOrderId));
    return writer.append(events);
  });
}

/** A block's report: each execution split among the participants at once, then the status. */
function blockEvents(block: BlockState, report: ExecutionReport): JournalEvent[] {
  const { order } = report;
  const events: JournalEvent[] = [];
  if (report.execution) {
    const x = report.execution;
    const allocations = allocateFill(block.plan, block.booked, x.qty, x.fee);
    events.push({
      type: 'fill',
      id: x.id as FillId,
      symbol: block.symbol,
      price: x.price,
      ts: x.ts,
      orderId: block.id,
      legs: allocationLegs(allocations, block.side),
    });
  }
  events.push(orderUpdatedFrom(block.id, order, report.ts));
  return events;
}
