/**
 * The account view: what the broker holds (cash, equity, positions) beside what the books say —
 * Σ deployments and the house sleeve, apart — and the difference per symbol and for cash
 * (src/core/reconcile.ts); reconciled when broker = Σ deployments + house for every item.
 */
import { type Dec, toPlain } from '../../core/decimal.js';
import { type DeploymentId, HOUSE, type Symbol } from '../../core/ids.js';
import { heldSymbols, netQuantity } from '../../core/ledger.js';
import { reconcile } from '../../core/reconcile.js';
import type { AccountView } from '../api.js';
import type { LedgerService } from '../journal/ledger-service.js';
import type { BrokerPort } from '../ports/broker-port.js';
import type { Clock } from '../ports/clock-port.js';

export async function accountView(service: LedgerService, broker: BrokerPort, clock: Clock): Promise<AccountView> {
  const [account, brokerPositions] = await Promise.all([broker.account(), broker.positions()]);
  const ledger = service.ledger;
  const sorted = [...new Set<Symbol>([...brokerPositions.map((p) => p.symbol), ...heldSymbols(ledger)])].sort();
  const qtyOf = (filter: (d: DeploymentId) => boolean, symbol: Symbol) => {
    let q = 0n;
    for (const s of ledger.sleeves.values()) if (filter(s.deployment)) q += s.positions.get(symbol)?.qty ?? 0n;
    return q as Dec;
  };
  const cashOf = (filter: (d: DeploymentId) => boolean) => {
    let c = 0n;
    for (const s of ledger.sleeves.values()) if (filter(s.deployment)) c += s.cash;
    return c as Dec;
  };
  const isHouse = (d: DeploymentId) => d === HOUSE;
  const notHouse = (d: DeploymentId) => d !== HOUSE;
  const positionsOf = (filter: (d: DeploymentId) => boolean) =>
    sorted.map((symbol) => ({ symbol, qty: toPlain(qtyOf(filter, symbol)) })).filter((p) => p.qty !== '0');
  const { reconciled, differences } = reconcile(
    { cash: account.cash, positions: brokerPositions },
    { cash: cashOf(() => true), positions: sorted.map((symbol) => ({ symbol, qty: netQuantity(ledger, symbol) })) },
  );
  return {
    broker: {
      cash: toPlain(account.cash),
      equity: toPlain(account.equity),
      positions: brokerPositions.map((p) => ({ symbol: p.symbol, qty: toPlain(p.qty) })),
    },
    sleeves: { cash: toPlain(cashOf(notHouse)), positions: positionsOf(notHouse) },
    house: { cash: toPlain(cashOf(isHouse)), positions: positionsOf(isHouse) },
    differences,
    reconciled,
    as_of: clock.now().toISOString(),
  };
}
