/**
 * Answers the gateway serves again and again, kept serialized between commits. Bots poll their
 * account and positions several times a second; each answer is a pure function of the journal
 * folded so far (marks included: prices reach the ledger only as journaled marks), so it is built
 * and serialized once per journal seq and deployment, and every later read of the same seq sends
 * the same bytes.
 *
 * Entry point: `ReadyViews` (`body(key, build)`).
 * Invariant: a body is never served at a seq other than the one it was built at: the first read
 * after a commit finds the seq moved and drops every body.
 */
export class ReadyViews {
  private seq = -1;
  private readonly bodies = new Map<string, string>();

  /** `seqNow`: the journal's last committed seq, read on every request. */
  constructor(private readonly seqNow: () => number) {}

  /** The JSON text of `build()` for `key` at the current seq, built at most once per seq. */
  body(key: string, build: () => unknown): string {
    const seq = this.seqNow();
    if (seq !== this.seq) {
      this.bodies.clear();
      this.seq = seq;
    }
    let text = this.bodies.get(key);
    if (text === undefined) {
      text = JSON.stringify(build());
      this.bodies.set(key, text);
    }
    return text;
  }
}
