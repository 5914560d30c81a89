/**
 * One lane per symbol: the internal book's decisions for a symbol (placing an order, withdrawing
 * and restoring others, sending a block) run one at a time, from the look at the book to the
 * broker's answer, so two decisions never see the same book and both send. Re-entrant: work that
 * already holds a symbol's lane (and whatever it awaits) runs at once instead of waiting for itself.
 * Callbacks that inherit a lane's context without being part of its work (a report the broker
 * delivers from inside a lane) go through `outside` and wait their turn.
 *
 * Entry points: `SymbolLocks.run(symbol, work)`, `outside(work)`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class SymbolLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly held = new AsyncLocalStorage<ReadonlySet<string>>();

  /**
   * Runs `work` as if no lane were held (work started from a callback that merely inherited a
   * lane's async context — a broker report delivered from inside a lane — must queue like anyone).
   */
  outside<T>(work: () => T): T {
    return this.held.exit(work);
  }

  /** Runs `work` when nothing else runs for `symbol`; its result or error is passed on. */
  run<T>(symbol: string, work: () => Promise<T>): Promise<T> {
    const mine = this.held.getStore();
    if (mine?.has(symbol)) return work();
    const previous = this.tails.get(symbol) ?? Promise.resolve();
    const holding = new Set(mine ?? []).add(symbol);
    const result = previous.then(() => this.held.run(holding, work));
    const tail = result.catch(() => undefined);
    this.tails.set(symbol, tail);
    void tail.then(() => {
      if (this.tails.get(symbol) === tail) this.tails.delete(symbol);
    });
    return result;
  }
}
