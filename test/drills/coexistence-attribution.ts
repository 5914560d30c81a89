/**
 * Who caused each broker refusal of the coexistence drill, from the emulator's own records: its
 * rejection log (each refusal with the open orders of the symbol and the account's net position at
 * that moment) and its FILL activities (to know the refused deployment's own position then).
 * Owners come from the client order ids (`s.<deployment>.…`); any other id is the house's.
 *
 * A refusal is "caused by another sleeve" when:
 *  - wash trade or opposite order open: one of the open orders the rule refused it against
 *    (`conflicts`) belongs to another owner — the rules look at orders only;
 *  - insufficient qty available or position flip: another owner had an open order in the symbol,
 *    or a position in it: the net of that owner's broker fills up to that moment (a fill at a
 *    step's time happened before any refusal at that time). Broker fills only: shares an internal
 *    cross moved between sleeves still count as the position of the owner whose order bought them.
 * Any other refusal (buying power, validation, …) is counted under "other", never as caused.
 *
 * Entry points: `CAUSES`, `causeOf`, `attribute`, `Attribution`.
 * Invariant: pure.
 */
import { deploymentOfClientOrderId } from '../../src/app/trading/client-order-id.js';
import type { RejectionRecord } from '../../src/emulator/index.js';

export const CAUSES = ['wash trade', 'qty available', 'flip / opposite order', 'other'] as const;
export type Cause = (typeof CAUSES)[number];

/** The cause bucket of a rule name (the emulator's `rule`, or the REST error's `broker_code`). */
export function causeOf(rule: string): Cause {
  switch (rule) {
    case 'wash_trade':
      return 'wash trade';
    case 'insufficient_qty':
      return 'qty available';
    case 'position_flip':
    case 'opposite_order_open':
      return 'flip / opposite order';
    default:
      return 'other';
  }
}

/** One FILL of the account, as the emulator booked it. */
export interface BrokerFill {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  /** Simulated time of the execution. */
  readonly time: string;
}

export interface AttributedRefusal {
  readonly record: RejectionRecord;
  readonly owner: string;
  readonly cause: Cause;
  readonly byAnotherSleeve: boolean;
  /** Who else was involved (owners of conflicting or open orders, holders of positions). */
  readonly others: readonly string[];
}

export interface Attribution {
  readonly refusals: readonly AttributedRefusal[];
  /** Refusals per cause, and how many of them another sleeve caused. */
  readonly byCause: Record<Cause, { total: number; byAnotherSleeve: number }>;
  readonly byAnotherSleeve: number;
  /** Refusals where the account's position did not equal the sum of the fills before it (a harness bug). */
  readonly positionMismatches: number;
}

export const ownerOf = (clientOrderId: string | null): string =>
  (clientOrderId && deploymentOfClientOrderId(clientOrderId)) || 'house';

export function attribute(rejections: readonly RejectionRecord[], fills: readonly BrokerFill[]): Attribution {
  const byCause = Object.fromEntries(
    CAUSES.map((c) => [c, { total: 0, byAnotherSleeve: 0 }]),
  ) as Attribution['byCause'];
  let positionMismatches = 0;
  const refusals = rejections.map((record): AttributedRefusal => {
    const owner = ownerOf(record.client_order_id);
    const cause = causeOf(record.rule);
    const held = new Map<string, number>();
    for (const f of fills)
      if (f.symbol === record.symbol && f.time <= record.time) {
        const who = ownerOf(f.clientOrderId);
        held.set(who, (held.get(who) ?? 0) + (f.side === 'buy' ? f.qty : -f.qty));
      }
    const net = [...held.values()].reduce((a, b) => a + b, 0);
    if (record.position_qty !== null && Math.abs(Number(record.position_qty) - net) > 1e-9) positionMismatches += 1;
    const others = new Set<string>();
    if (cause === 'wash trade' || record.rule === 'opposite_order_open') {
      for (const id of record.conflicts) if (ownerOf(id) !== owner) others.add(ownerOf(id));
    } else if (cause !== 'other') {
      for (const o of record.open_orders)
        if (ownerOf(o.client_order_id) !== owner) others.add(ownerOf(o.client_order_id));
      for (const [who, qty] of held) if (who !== owner && Math.abs(qty) > 1e-9) others.add(who);
    }
    const byAnotherSleeve = others.size > 0;
    byCause[cause].total += 1;
    if (byAnotherSleeve) byCause[cause].byAnotherSleeve += 1;
    return { record, owner, cause, byAnotherSleeve, others: [...others] };
  });
  return {
    refusals,
    byCause,
    byAnotherSleeve: refusals.filter((r) => r.byAnotherSleeve).length,
    positionMismatches,
  };
}
