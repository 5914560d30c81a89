/**
 * A StorePort that forwards every call to a real store and, when given a list, records what each
 * `commit` received: the exact journal and projection rows the real path writes, which the raw
 * baselines then insert themselves. With `discard`, commits are recorded but not written: the
 * in-memory share of the store path (fold, encoding, projection rows) without the database.
 * A Proxy, so it forwards whatever the port grows into.
 */
import type { JournalRecord, Projections, StorePort } from '../src/app/ports/store-port.js';

export interface Commit {
  readonly journal: readonly JournalRecord[];
  readonly projections: Projections;
}

export function capturingStore(inner: StorePort, options: { captured?: Commit[]; discard?: boolean } = {}): StorePort {
  const { captured, discard = false } = options;
  const commit = (journal: readonly JournalRecord[], projections: Projections): Promise<void> => {
    captured?.push({ journal, projections });
    return discard ? Promise.resolve() : inner.commit(journal, projections);
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'commit') return commit;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
