/**
 * Report delivery for the Alpaca adapter: one ordered queue for everything that reaches
 * subscribers — stream events and backfilled reports alike — with deduplication of executions.
 *
 * Entry points: `ReportDelivery` — `subscribe`, `enqueue(report)`, `run(task)` (a task in the
 * queue, e.g. a backfill, which delivers with `deliverNow`), `idle()`.
 * Invariants: one report at a time, every handler awaited before the next handler or report; a
 * handler that throws goes to `onError` and delivery goes on; an execution is delivered once: a
 * fill whose execution id — or whose (order id, cumulative qty) — was already delivered to every
 * handler without error is dropped; a fill some handler failed on is not marked, so the next
 * backfill delivers it again.
 */
import type { ExecutionReport } from '../../app/ports/broker-port.js';
import { fillKey } from './mapping.js';

type Handler = (report: ExecutionReport) => Promise<void>;

export class ReportDelivery {
  private readonly handlers = new Set<Handler>();
  private readonly seenIds = new Set<string>();
  private readonly seenKeys = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Reports handed to the handlers so far. */
  delivered = 0;
  /** Executions dropped as already delivered. */
  duplicates = 0;

  constructor(private readonly onError: (error: unknown, report: ExecutionReport) => void) {}

  subscribe(handler: Handler): () => void {
    // Wrapped so the same function subscribed twice is delivered to twice, like two listeners.
    const entry: Handler = (report) => handler(report);
    this.handlers.add(entry);
    return () => {
      this.handlers.delete(entry);
    };
  }

  get subscribers(): number {
    return this.handlers.size;
  }

  /** Queues a report behind everything queued before it. */
  enqueue(report: ExecutionReport): Promise<boolean> {
    return this.run(() => this.deliverNow(report));
  }

  /** Runs `task` in queue order; its failure is returned to the caller, the queue goes on. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Resolves when everything queued so far is done. */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.chain;
      await seen;
    } while (seen !== this.chain);
  }

  /** Delivers one report now (only from inside a `run` task). Resolves whether every handler took it. */
  async deliverNow(report: ExecutionReport): Promise<boolean> {
    const x = report.execution;
    const key = x && fillKey(report.order.brokerOrderId, report.order.filledQty);
    if (x && (this.seenIds.has(x.id) || this.seenKeys.has(key!))) {
      this.duplicates += 1;
      return true;
    }
    let ok = true;
    for (const handler of [...this.handlers]) {
      try {
        await handler(report);
      } catch (error) {
        ok = false;
        try {
          this.onError(error, report);
        } catch {
          // An onError that throws must not stop delivery either.
        }
      }
    }
    this.delivered += 1;
    if (x && ok) {
      this.seenIds.add(x.id);
      this.seenKeys.add(key!);
    }
    return ok;
  }

  clear(): void {
    this.handlers.clear();
  }
}
