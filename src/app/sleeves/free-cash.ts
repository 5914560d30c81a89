/**
 * The cash a sleeve may give up now: what a withdrawal may take back from a deployment, and what
 * the house sleeve (the account's unallocated cash) may fund a new deployment or a deposit with.
 * It is the risk check's own buying power (src/core/risk.ts), so money an order has reserved or a
 * short holds back never leaves the sleeve.
 */
import { type Dec, formatMoney, toPlain } from '../../core/decimal.js';
import { type DeploymentId, HOUSE } from '../../core/ids.js';
import { buyingPower, sleeveHoldings } from '../../core/risk.js';
import { AppError } from '../errors.js';
import { openOrdersOf } from '../journal/account-state.js';
import type { LedgerService } from '../journal/ledger-service.js';

export interface FreeCash {
  readonly cash: Dec;
  readonly reserved: Dec;
  readonly free: Dec;
  readonly openBuys: number;
}

/**
 * Cash a withdrawal may take: the risk check's buying power (cash − reservations of open buys −
 * what open shorts hold back), so short-sale proceeds cannot be withdrawn either; never above cash.
 */
export function freeCash(service: LedgerService, id: DeploymentId): FreeCash {
  const { ledger } = service;
  const sleeve = ledger.sleeves.get(id)!;
  const open = openOrdersOf(service.state, id);
  const power = buyingPower(sleeve.cash, sleeveHoldings(sleeve, ledger.marks), open);
  const reserved = (sleeve.cash - (power.available < sleeve.cash ? power.available : sleeve.cash)) as Dec;
  return { cash: sleeve.cash, reserved, free: (sleeve.cash - reserved) as Dec, openBuys: power.openBuys };
}

/** INSUFFICIENT_FREE_CASH when the house cannot fund `amount` (no check before the house is opened). */
export function requireHouseCash(service: LedgerService, amount: Dec): void {
  if (!service.ledger.sleeves.has(HOUSE)) return;
  const { free } = freeCash(service, HOUSE);
  if (amount > free) {
    throw new AppError(
      'INSUFFICIENT_FREE_CASH',
      `INSUFFICIENT_FREE_CASH: the account has $${formatMoney(free)} unallocated (house sleeve); $${formatMoney(amount)} was asked`,
      {
        available: toPlain(free),
        requested: toPlain(amount),
      },
    );
  }
}
