/**
 * The mark-to-market scheduler: on each `tick()` it decides, by the app's clock (the broker's
 * clock: simulated time on the paper broker), what is due — the price update (every
 * `markEverySeconds`), a snapshot of every sleeve (every `snapshotEverySeconds`), and each
 * trading day's close (snapshots + the daily history rows) — and does it.
 *
 * Entry points: `start()` (catches up every close missed since the last one recorded, e.g. while
 * the server was down, from the journal), `startInBackground()` (the same catch-up after it
 * returns, so a server answers before it is done: start-up does not grow with the missed days),
 * `tick()` (call it often; the serve loop calls it after each market step), `lastTick`, `stop()`.
 * Invariants: ticks never overlap, nor with a background catch-up (a tick that finds one running
 * returns at once); a failed price fetch is reported (PriceUpdater status + log) and the snapshot
 * and closes still happen with the last marks; a close passed before this tick's prices is recorded before they are journaled, a
 * close at exactly now after them (so the closing minute's prices count). The last close done is
 * kept in the store (cursor `history.last_close`, advanced after each batch of closes written), so
 * a restart neither repeats nor skips a day. The rows of a close are a pure function of the journal
 * and its time (recorder.ts), so recording them later, or in batches, writes the same rows.
 */
import { firstEventTime, timeOf } from './as-of.js';
import type { Clock } from '../ports/clock-port.js';
import type { MarketHours } from './market-hours.js';
import { PriceFetchError, type PriceRun, type PriceUpdater } from './price-updater.js';
import type { Recorder } from './recorder.js';
import type { StorePort } from '../ports/store-port.js';

export const LAST_CLOSE_CURSOR = 'history.last_close';

export interface ScheduleOptions {
  /** Price update cadence, in the clock's seconds (default 60). */
  readonly markEverySeconds: number;
  /** Snapshot cadence, in the clock's seconds (default 900); closes are always snapshotted. */
  readonly snapshotEverySeconds: number;
}

export const DEFAULT_SCHEDULE: ScheduleOptions = { markEverySeconds: 60, snapshotEverySeconds: 900 };

export interface SchedulerDeps {
  readonly prices: PriceUpdater;
  readonly recorder: Recorder;
  readonly hours: MarketHours;
  readonly clock: Clock;
  readonly store: StorePort;
  readonly options?: Partial<ScheduleOptions>;
  readonly log?: (level: 'error' | 'info', message: string) => void;
}

export interface TickReport {
  readonly at: string;
  /** Day closes recorded by this tick. */
  readonly closes: readonly string[];
  /** The price run, when one was due and succeeded. */
  readonly prices: PriceRun | null;
  readonly priceError: string | null;
  /** Time of the snapshot taken, if one was due. */
  readonly snapshot: string | null;
}

export class MarkScheduler {
  private readonly options: ScheduleOptions;
  private readonly log: (level: 'error' | 'info', message: string) => void;
  private lastClose: number | undefined;
  private lastMark = -Infinity;
  private lastSnapshot = -Infinity;
  private running = false;
  private last: TickReport | null = null;
  private catchingUp: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: SchedulerDeps) {
    this.options = { ...DEFAULT_SCHEDULE, ...deps.options };
    for (const [name, value] of Object.entries(this.options)) {
      if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be > 0, got ${value}`);
    }
    this.log = deps.log ?? ((level, message) => (level === 'error' ? console.error(message) : console.log(message)));
  }

  get lastTick(): TickReport | null {
    return this.last;
  }

  /** Records every close since the last one recorded (or since the journal's first event) up to now. */
  async start(onProgress?: (done: number, total: number) => void): Promise<string[]> {
    const closes = await this.missedCloses();
    await this.recordCloses(closes, onProgress);
    return closes;
  }

  /**
   * `start()` without waiting for the closes to be written: resolves with the missed closes once
   * they are known (two short reads), then records them in the background. Ticks return null until
   * that is done. A failure goes to `onError`, and the next tick catches up again from the cursor.
   */
  async startInBackground(onError: (error: unknown) => void): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    let closes: string[];
    try {
      closes = await this.missedCloses();
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.catchingUp = this.recordCloses(closes)
      .catch((error: unknown) => {
        this.lastClose = undefined; // the next tick starts over from the cursor
        if (!this.stopping.signal.aborted) onError(error);
      })
      .finally(() => {
        this.running = false;
        this.catchingUp = undefined;
      });
    return closes;
  }

  /** Resolves once a background catch-up is done (at once when none runs). */
  async caughtUp(): Promise<void> {
    await this.catchingUp;
  }

  /** Stops a background catch-up after the batch it is writing (the cursor keeps its place). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.catchingUp;
  }

  /** The closes since the last one recorded (or since the journal's first event) up to now. */
  private async missedCloses(): Promise<string[]> {
    const now = this.deps.clock.now();
    const stored = await this.deps.store.getCursor(LAST_CLOSE_CURSOR);
    const from = stored !== undefined ? timeOf(stored) : await firstEventTime(this.deps.store);
    if (from === undefined) {
      this.lastClose = now.getTime(); // nothing journaled yet: no day to close before now
      return [];
    }
    this.lastClose = from;
    return this.deps.hours.closesBetween(new Date(from), now);
  }

  /** Does whatever is due at the clock's now. */
  async tick(): Promise<TickReport | null> {
    if (this.running) return null;
    this.running = true;
    try {
      if (this.lastClose === undefined) await this.start();
      const now = this.deps.clock.now();
      const t = now.getTime();
      const at = now.toISOString();
      const closes = this.deps.hours.closesBetween(new Date(this.lastClose!), now);
      const before = closes.filter((c) => timeOf(c) < t);
      const atNow = closes.filter((c) => timeOf(c) === t);
      await this.recordCloses(before);
      const snapshotDue = t - this.lastSnapshot >= this.options.snapshotEverySeconds * 1000;
      let prices: PriceRun | null = null;
      let priceError: string | null = null;
      let snapshot: string | null = null;
      if (t - this.lastMark >= this.options.markEverySeconds * 1000) {
        this.lastMark = t;
        try {
          prices = await this.deps.prices.update({
            commit: (events) => this.deps.recorder.commitMarks(events, snapshotDue ? at : undefined),
          });
          if (snapshotDue) snapshot = at;
        } catch (error) {
          if (!(error instanceof PriceFetchError)) throw error;
          priceError = error.message; // already logged and in the status; the snapshot goes on with the last marks
        }
      }
      if (snapshotDue && snapshot === null) {
        await this.deps.recorder.snapshot(at);
        snapshot = at;
      }
      if (snapshot !== null) this.lastSnapshot = t;
      await this.recordCloses(atNow);
      this.last = { at, closes: [...before, ...atNow], prices, priceError, snapshot };
      return this.last;
    } finally {
      this.running = false;
    }
  }

  private async recordCloses(
    closes: readonly string[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    if (closes.length === 0) return;
    const written = await this.deps.recorder.closeDays(closes, {
      ...(onProgress ? { onProgress } : {}),
      signal: this.stopping.signal,
      // Each batch's cursor is written after its rows: a stop or a crash resumes after it.
      onWritten: async (close) => {
        await this.deps.store.setCursor(LAST_CLOSE_CURSOR, close);
        this.lastClose = timeOf(close);
      },
    });
    if (written < closes.length) return; // stopped
    const last = closes[closes.length - 1]!;
    this.log(
      'info',
      `day close recorded: ${closes.length === 1 ? last : `${closes.length} closes, ${closes[0]} … ${last}`}`,
    );
  }
}
