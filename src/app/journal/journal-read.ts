/**
 * Reading the journal back: one stored record → its event, folded into a state. Every fold of the
 * journal (start-up, replay, the books as of a time) goes through `applyRecord`, so an entry that
 * cannot be read stops each of them the same way: a `JournalCorruptError` naming the seq, the
 * field and the reason (`corrupt journal entry seq 42: price: must be a decimal string, …`).
 *
 * What is checked: the payload decodes (journal-codec.ts `decodePayload`), the record's event
 * time is a time, and the event applies to the state folded so far (an event that names an
 * unknown deployment or order, say, is as corrupt as an unreadable one).
 */
import { type AccountState, type Effects, applyJournalEvent, journalEventProblem } from './account-state.js';
import { JournalCorruptError } from '../errors.js';
import { type JournalEvent, decodePayload } from './journal-codec.js';
import type { JournalRecord } from '../ports/store-port.js';

/** The event of a stored record. Throws `JournalCorruptError` when it cannot be read. */
export function decodeRecord(record: Pick<JournalRecord, 'seq' | 'payload' | 'tsEvent'>): JournalEvent {
  const where = `seq ${record.seq}`;
  const event = decodePayload(record.payload, where);
  if (typeof record.tsEvent !== 'string' || Number.isNaN(Date.parse(record.tsEvent)))
    throw new JournalCorruptError(where, [
      { field: 'ts_event', message: `${JSON.stringify(record.tsEvent)} is not an ISO-8601 time` },
    ]);
  return event;
}

/** Decodes `record` and folds it into `state`. Throws `JournalCorruptError` when either fails. */
export function applyRecord(state: AccountState, record: JournalRecord): Effects {
  const event = decodeRecord(record);
  try {
    return applyJournalEvent(state, event);
  } catch (error) {
    // The fold refused the event: say which field, as the journal's admission check would.
    const problem = journalEventProblem(
      state,
      event,
      (id) => state.ledger.sleeves.has(id),
      (id) => state.orders.has(id),
    );
    if (!problem) throw error;
    throw new JournalCorruptError(`seq ${record.seq}`, [problem]);
  }
}
