/**
 * The broker's corporate actions (dividends and splits) into the journal: each is applied to every
 * sleeve holding the symbol (src/core/ledger.ts). Read from a cursor kept in the store, a day back,
 * so an action sharing the cursor's time is not missed; a re-sync adds nothing (journal keys).
 */
import { type JournalEvent, journalKey } from '../journal/journal-codec.js';
import type { LedgerService } from '../journal/ledger-service.js';
import type { BrokerPort } from '../ports/broker-port.js';

export class CorporateActions {
  constructor(
    private readonly service: LedgerService,
    private readonly broker: BrokerPort,
  ) {}

  /** Journals the actions the broker booked since the last sync. Returns the events added. */
  async sync(): Promise<number> {
    const { events, last } = await this.fromBroker();
    const result = await this.service.append(events);
    if (last) await this.service.store.setCursor('corporate_actions.after', last);
    return result.appended;
  }

  /** How many of the broker's actions since the last sync are not journaled yet (reads only). */
  async pending(): Promise<number> {
    const { events } = await this.fromBroker();
    return new Set(events.map(journalKey).filter((key) => !this.service.ledger.applied.has(key))).size;
  }

  /** The broker's corporate actions since the cursor (re-read a day back), as journal events, and the last one's time. */
  private async fromBroker(): Promise<{ events: JournalEvent[]; last: string | undefined }> {
    if (!this.broker.corporateActions) return { events: [], last: undefined };
    const cursor = await this.service.store.getCursor('corporate_actions.after');
    // Re-read a day back: an action sharing the cursor's time may arrive later; duplicates are skipped.
    const after = cursor ? new Date(Date.parse(cursor) - 86_400_000).toISOString() : undefined;
    const actions = await this.broker.corporateActions(after);
    const events: JournalEvent[] = actions.map((a) =>
      a.kind === 'dividend'
        ? { type: 'dividend', symbol: a.symbol, amountPerShare: a.amountPerShare, ts: a.ts }
        : { type: 'split', symbol: a.symbol, ratio: a.ratio, ts: a.ts },
    );
    return { events, last: actions.at(-1)?.ts };
  }
}
