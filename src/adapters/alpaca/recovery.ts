/**
 * Recovery of missed fills for the Alpaca adapter: when and how backfills run. At start-up, after
 * every stream connection, on a period (a socket can die silently), and again with backoff after a
 * failed attempt; each run reads the stored cursor, delivers what backfill.ts finds through the
 * delivery queue, and stores the new cursor.
 *
 * Entry point: `FillRecovery` — `start()`, `run()`, `deliverLive(report)`, `close()`, `runs`.
 * Invariants: runs are serialized in the delivery queue (behind the stream events received before
 * them); the cursor is written only when every report of the run was taken by every handler, so a
 * failure or a crash re-delivers and never skips; a fill the stream delivered is remembered in the
 * cursor (`recent`) until a backfill covers it, so a restart does not deliver it again even if
 * Alpaca's activity ids differ from its execution ids; with no stored cursor the run starts at the
 * broker's latest fill and its clock (`now`) or at the epoch (`beginning`).
 */
import type { ExecutionReport } from '../../app/ports/broker-port.js';
import type { Logger } from '../../app/ports/logger.js';
import { type CursorStore, type FillCursor, backfill, readCursor, writeCursor } from './backfill.js';
import type { ReportDelivery } from './delivery.js';
import { fillKey } from './mapping.js';
import type { TradingApi } from './trading-api.js';

export interface RecoveryOptions {
  readonly cursors: CursorStore;
  readonly cursorName: string;
  readonly startFrom: 'now' | 'beginning';
  /** 0 turns the periodic run off. */
  readonly everyMs: number;
  readonly orderLookbackMs: number;
  readonly onError: (error: unknown, context: string) => void;
  /** Each completed backfill (info when it found something, else debug). */
  readonly log?: Logger;
}

/** Bound on remembered stream fills between backfills (the oldest are forgotten first). */
const MAX_RECENT = 10_000;

export class FillRecovery {
  private periodic: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private retryDelay = 1000;
  private closed = false;
  /** Completed runs. */
  runs = 0;

  constructor(
    private readonly api: TradingApi,
    private readonly delivery: ReportDelivery,
    private readonly options: RecoveryOptions,
  ) {}

  /** The start-up run, and the periodic ones. */
  start(): void {
    void this.run();
    if (this.options.everyMs > 0) {
      this.periodic = setInterval(() => void this.run(), this.options.everyMs);
      this.periodic.unref();
    }
  }

  /** One backfill, queued behind what the delivery queue holds; never rejects. */
  run(): Promise<void> {
    return this.delivery.run(async () => {
      if (this.closed) return;
      try {
        const started = performance.now();
        const { cursors, cursorName } = this.options;
        const cursor = (await readCursor(cursors, cursorName)) ?? (await this.initialCursor());
        const result = await backfill(this.api, cursor, this.options.orderLookbackMs);
        const recent = new Set(cursor.recent);
        let ok = true;
        let delivered = 0;
        for (const report of result.reports) {
          if (report.execution && recent.has(fillKey(report.order.brokerOrderId, report.order.filledQty))) continue;
          ok = (await this.delivery.deliverNow(report)) && ok;
          delivered++;
        }
        if (ok) await writeCursor(cursors, cursorName, { ...result.cursor, recent: [] });
        this.runs += 1;
        this.retryDelay = 1000;
        this.options.log?.[delivered > 0 || !ok ? 'info' : 'debug'](
          {
            recovery: 'backfill',
            from: cursor.ts,
            reports: result.reports.length,
            delivered,
            cursor_moved: ok,
            cursor: result.cursor.ts,
            duration_ms: Math.round(performance.now() - started),
          },
          ok ? 'backfill done' : 'backfill done; a handler refused a report: the cursor stays, it is delivered again',
        );
      } catch (error) {
        this.options.onError(error, 'backfill (will retry)');
        clearTimeout(this.retry);
        this.retry = setTimeout(() => void this.run(), this.retryDelay);
        this.retry.unref();
        this.retryDelay = Math.min(60_000, this.retryDelay * 2);
      }
    });
  }

  /**
   * Delivers a report from the stream (in queue order); a fill every handler took is remembered in
   * the stored cursor until the next backfill covers it.
   */
  deliverLive(report: ExecutionReport): Promise<void> {
    return this.delivery.run(async () => {
      const ok = await this.delivery.deliverNow(report);
      if (!ok || !report.execution || this.closed) return;
      try {
        const { cursors, cursorName } = this.options;
        const cursor = await readCursor(cursors, cursorName);
        if (!cursor) return; // no cursor yet: the first backfill starts after this fill anyway
        const key = fillKey(report.order.brokerOrderId, report.order.filledQty);
        const recent = [...(cursor.recent ?? []).filter((k) => k !== key), key].slice(-MAX_RECENT);
        await writeCursor(cursors, cursorName, { ...cursor, recent });
      } catch (error) {
        this.options.onError(error, 'remembering a streamed fill in the cursor');
      }
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.periodic);
    clearTimeout(this.retry);
  }

  private async initialCursor(): Promise<FillCursor> {
    if (this.options.startFrom === 'beginning') return { ts: '1970-01-01T00:00:00Z' };
    const [latest] = await this.api.activities({ types: ['FILL'], direction: 'desc', pageSize: 1 });
    const clock = await this.api.clock();
    const cursor: FillCursor = { ts: clock.timestamp, ...(latest ? { activityId: latest.id } : {}) };
    await writeCursor(this.options.cursors, this.options.cursorName, cursor);
    return cursor;
  }
}
