/**
 * Answers the edges serve again and again (the REST API's metrics, positions and orders, the
 * gateway's account and positions), kept ready between commits. Every change to the books is a
 * journal commit (fills, marks, orders, statuses), so a view is a function of the journal's last
 * seq — and, for a few fields, of the time: it is built and serialized once per seq and key, and
 * every later read of the same seq reuses it while its own `fresh` check (time-dependent fields,
 * e.g. a mark turning stale) still holds.
 *
 * Entry points: `ReadyViews` — `get(key, build, fresh?)` for any value, `body(key, build)` for
 * JSON text.
 * Invariant: a value is never served at a seq other than the one it was built at: the first read
 * after a commit finds the seq moved and drops every value. Pure bookkeeping (no I/O, no clock).
 */
export class ReadyViews {
  private seq = -1;
  private readonly values = new Map<string, unknown>();

  /** `seqNow`: the journal's last committed seq, read on every request. */
  constructor(private readonly seqNow: () => number) {}

  /**
   * The value of `build()` for `key` at the current seq, built at most once per seq unless
   * `fresh(value)` says it no longer holds (then built again).
   */
  get<T>(key: string, build: () => T, fresh?: (value: T) => boolean): T {
    const seq = this.seqNow();
    if (seq !== this.seq) {
      this.values.clear();
      this.seq = seq;
    }
    let value = this.values.get(key) as T | undefined;
    if (value === undefined || (fresh !== undefined && !fresh(value))) {
      value = build();
      this.values.set(key, value);
    }
    return value;
  }

  /** The JSON text of `build()` for `key` at the current seq, built at most once per seq. */
  body(key: string, build: () => unknown): string {
    return this.get(key, () => JSON.stringify(build()));
  }
}
