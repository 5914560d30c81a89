/**
 * The house sleeve: the account's own. Opened on first start with the broker's cash (and any
 * positions already held, booked at their average entry price), it funds every deployment's
 * capital, so Σ deployments + house = broker holds for cash as well as for every symbol.
 */
import { ZERO, abs } from '../../core/decimal.js';
import { type FillId, HOUSE } from '../../core/ids.js';
import { houseOpening } from '../../core/house.js';
import type { JournalEvent } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import type { BrokerPort } from '../ports/broker-port.js';
import type { Clock } from '../ports/clock-port.js';

/** Journals the house sleeve from the broker's account unless the books already have one. */
export async function ensureHouse(service: LedgerService, broker: BrokerPort, clock: Clock): Promise<void> {
  if (service.ledger.sleeves.has(HOUSE)) return;
  const [account, positions] = await Promise.all([broker.account(), broker.positions()]);
  const ts = clock.now().toISOString();
  // What the broker holds beyond the sleeves the books already have (an imported journal's).
  const opening = houseOpening(account.cash, positions, service.ledger);
  const events: JournalEvent[] = [
    {
      type: 'deployment',
      deployment: HOUSE,
      initialCapital: opening.capital,
      costMethod: 'average',
      name: 'House',
      strategy: 'house',
      limits: { allow_short: true },
      ts,
    },
    ...opening.positions.map((p): JournalEvent => ({
      type: 'fill',
      id: `opening:${p.symbol}:${ts}` as FillId,
      symbol: p.symbol,
      price: p.price,
      ts,
      legs: [
        { deployment: HOUSE, side: p.qty > 0n ? 'buy' : 'sell', qty: abs(p.qty), fee: ZERO, feeCurrency: 'quote' },
      ],
    })),
  ];
  await service.append(events);
}
