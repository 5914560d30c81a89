/**
 * The books as of a time, from the journal alone, so that snapshots and the P&L history can be
 * recomputed at any later moment (a replay, a re-run) and give exactly the same rows.
 *
 * Rule: a journal record's *effective time* is the latest event time (`tsEvent`) of it and of every
 * record journaled before it (a running maximum). The state as of T is the fold of the longest
 * journal prefix whose effective times are all ≤ T. For a journal in time order — the live path
 * appends in time order — that is exactly "every event up to T". An event stamped earlier than
 * one journaled before it counts from that one's time; a prefix always folds (nothing comes
 * before what it depends on). It is a pure function of (journal, T).
 *
 * Entry points: `PrefixFold` (`at(T)` for non-decreasing T, streaming the journal page by page),
 * `JournalWatermark` (the journal's latest effective time, read incrementally: when it is ≤ T
 * and the live state has folded the same records, the live state IS the state as of T),
 * `firstEventTime`.
 */
import { type AccountState, newAccountState } from '../journal/account-state.js';
import { applyRecord } from '../journal/journal-read.js';
import type { JournalRecord, StorePort } from '../ports/store-port.js';

const PAGE = 5000;

/** Milliseconds of an ISO-8601 time; throws on a time that does not parse (a corrupt journal). */
export function timeOf(ts: string): number {
  const t = Date.parse(ts);
  if (Number.isNaN(t)) throw new RangeError(`"${ts}" is not an ISO-8601 time`);
  return t;
}

/** Folds journal prefixes for a non-decreasing sequence of times. */
export class PrefixFold {
  readonly state: AccountState = newAccountState();
  private seq = 0;
  private effective = -Infinity;
  private until = -Infinity;
  private buffer: JournalRecord[] = [];
  private next = 0;

  constructor(
    private readonly store: StorePort,
    private readonly pageSize = PAGE,
  ) {}

  /** The last journal seq folded so far. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * The state as of `ts` (the object is reused: read it before the next call). Throws RangeError
   * when `ts` is earlier than a previous call's (use a fresh fold to go back in time).
   */
  async at(ts: string): Promise<AccountState> {
    const t = timeOf(ts);
    if (t < this.until) throw new RangeError(`PrefixFold: ${ts} is earlier than the previous time asked`);
    this.until = t;
    for (;;) {
      if (this.next >= this.buffer.length) {
        this.buffer = await this.store.readJournal(this.seq, this.pageSize);
        this.next = 0;
        if (this.buffer.length === 0) break;
      }
      const record = this.buffer[this.next]!;
      const effective = Math.max(this.effective, timeOf(record.tsEvent));
      if (effective > t) break;
      applyRecord(this.state, record);
      this.effective = effective;
      this.seq = record.seq;
      this.next++;
    }
    return this.state;
  }
}

/** The latest effective time of the journal, kept up to date by reading only new records. */
export class JournalWatermark {
  private seq = 0;
  private latestMs = -Infinity;

  /** Reads the records journaled since the last call. */
  async refresh(store: StorePort): Promise<void> {
    for (;;) {
      const page = await store.readJournal(this.seq, PAGE);
      for (const r of page) this.note(r.seq, r.tsEvent);
      if (page.length < PAGE) return;
    }
  }

  /** Records a record the caller just journaled itself (saves reading it back). Seqs must follow on. */
  note(seq: number, tsEvent: string): void {
    this.latestMs = Math.max(this.latestMs, timeOf(tsEvent));
    this.seq = Math.max(this.seq, seq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The latest effective time seen (ms), -Infinity for an empty journal. */
  get latest(): number {
    return this.latestMs;
  }

  /** True when every record up to `lastSeq` is effective at or before `t` (ms). */
  coversUpTo(t: number): boolean {
    return this.latestMs <= t;
  }
}

/** The event time (ms) of the journal's first record with a real time (imported deployments carry the epoch), if any. */
export async function firstEventTime(store: StorePort): Promise<number | undefined> {
  let after = 0;
  for (;;) {
    const page = await store.readJournal(after, 500);
    if (page.length === 0) return undefined;
    for (const r of page) {
      const t = timeOf(r.tsEvent);
      if (t > 0) return t;
    }
    after = page[page.length - 1]!.seq;
  }
}
