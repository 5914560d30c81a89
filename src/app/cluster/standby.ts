/**
 * A hot standby (docs/decisions/0006-standbys.md): a process that found the writer lease held
 * follows the committed journal into the same in-memory state the writer keeps, serves reads from
 * it, and claims the lease once it expires.
 *
 * Entry points: `JournalFollower` (keeps a `LedgerService` on the journal's last committed seq:
 * woken by the store's NOTIFY when it has one, and by a poll in any case), `LeaseWatcher` (polls
 * the lease; claims it, epoch + 1, once it is free or expired, and hands the claimed lease over),
 * `standbySettings` (how often each polls, from the lease settings).
 *
 * Invariants: the follower only reads committed rows by seq, so a standby never sees what a writer
 * did not commit; follows run one at a time (the service's queue); a claim is the store's
 * compare-and-swap on the epoch, so of several standbys exactly one wins, and the old writer's
 * writes are fenced from then on. Times are wall-clock milliseconds.
 */
import type { LedgerService } from '../journal/ledger-service.js';
import type { LeaseHolder, StorePort, WriterLease } from '../ports/store-port.js';
import { type LeaseSettings, decideClaim } from './writer-lease.js';

export interface StandbySettings {
  /** How often the follower reads the journal without a NOTIFY (ms). */
  readonly followMs: number;
  /** How often the lease is read to see whether it expired (ms). */
  readonly leasePollMs: number;
}

/**
 * From the lease: the lease is polled 10 times per TTL (a one-row read), so a standby sees it
 * expire at most a tenth of the TTL late — a take-over lands within TTL + TTL/10 + the promotion
 * after the writer's death (the drill's 3 s lease: the standby wrote 2.5 s after a SIGSTOP). The
 * journal is read every second at most without a NOTIFY.
 */
export function standbySettings(lease: LeaseSettings): StandbySettings {
  return {
    followMs: Math.min(1000, Math.max(100, Math.floor(lease.ttlMs / 6))),
    leasePollMs: Math.max(100, Math.floor(lease.ttlMs / 10)),
  };
}

/** Keeps `service` on the store's journal: each wake-up folds every row committed since its last seq. */
export class JournalFollower {
  private timer: NodeJS.Timeout | undefined;
  private stopWatching: (() => Promise<void>) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** When the follower last read the journal to its end (ms), 0 before the first time. */
  lastCaughtUpAt = 0;

  constructor(
    private readonly service: LedgerService,
    private readonly store: StorePort,
    private readonly settings: StandbySettings,
    /** A failed read (retried on the next wake-up) or a corrupt entry (the caller decides). */
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => this.wake(), this.settings.followMs);
    this.timer.unref();
    if (this.store.watchJournal) this.stopWatching = await this.store.watchJournal(() => this.wake());
    await this.catchUp();
  }

  /** Reads the journal now (or once more after the read under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.service.follow();
          this.lastCaughtUpAt = this.now();
        } catch (error) {
          this.onError(error);
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
  }

  /** Resolves once the journal, as committed when called, is folded. Throws what the read threw. */
  async catchUp(): Promise<number> {
    await this.running;
    const seq = await this.service.follow();
    this.lastCaughtUpAt = this.now();
    return seq;
  }

  /** Stops following (and waits for a read under way). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.stopWatching?.();
    await this.running;
  }
}

/**
 * Polls the lease and claims it once it is free or expired (never from a live holder). `onClaimed`
 * gets the lease this store now writes under; the watcher stops then. A failed read or claim is
 * reported and retried on the next poll.
 */
export class LeaseWatcher {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private done = false;
  /** The lease as last read: who writes (for messages and /health). */
  current: WriterLease | undefined;

  constructor(
    private readonly store: StorePort,
    private readonly me: LeaseHolder,
    private readonly lease: LeaseSettings,
    private readonly pollMs: number,
    private readonly onClaimed: (lease: WriterLease) => void,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    void this.poll();
  }

  /** One look at the lease; claims it when it may. */
  async poll(): Promise<void> {
    if (this.busy || this.done) return;
    this.busy = true;
    try {
      const current = await this.store.readLease();
      this.current = current;
      const decision = decideClaim(current, this.me, this.now(), false);
      if (!decision.claim) return;
      const claimed = await this.store.claimLease(current?.epoch ?? 0, this.me, this.now(), this.lease.ttlMs);
      if (!claimed) return; // another standby won the race: it is the writer now
      this.current = claimed;
      this.stop();
      this.onClaimed(claimed);
    } catch (error) {
      this.onError(error);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    this.done = true;
    if (this.timer) clearInterval(this.timer);
  }
}
