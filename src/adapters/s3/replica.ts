/**
 * What the S3 store folds its log into, to answer queries: an in-memory store (a writer of its
 * own, never shared) whose writes can be held open until the log object that carries them is
 * safely in the bucket, and whose whole state can be taken as an image (a snapshot).
 *
 * The S3 adapter only names this shape; the composition root passes an implementation (the SQL
 * adapter's in-memory SQLite, src/adapters/sql/memory-replica.ts), since adapters never import
 * each other.
 */
import type { StoredBooks, StorePort } from '../../app/ports/store-port.js';

export interface Replica {
  /** The in-memory store: reads, and the writes the log replays, go through it. */
  readonly store: StorePort;
  /**
   * Opens a transaction that the store's own writes nest in, until `settle`: kept (`true`) once
   * the log object is written, undone (`false`) when it was not.
   */
  hold(): void;
  settle(keep: boolean): void;
  /** The whole state as bytes (`openReplica(image)` gives it back). */
  image(): Uint8Array;
  /** What `books` shows, from the projections when they vouch for the journal, or why not. */
  storedBooks(location: string): { books: StoredBooks } | { reason: string };
  close(): Promise<void>;
}

/** Opens a replica: empty, or from a snapshot's image. */
export type OpenReplica = (image?: Uint8Array) => Promise<Replica>;
