/**
 * The store port on S3 (or an S3-compatible server) with conditional writes only — no lock
 * service, no object ever rewritten (docs/decisions/0005-s3-store.md):
 *
 * - Every write (commit, history, cursor, replaced projections) is one log object at the next
 *   position, created with `If-None-Match: *`. The store applies it first to its in-memory
 *   replica inside a held transaction, then writes the object, then keeps the transaction — or
 *   undoes it when the object was not written. Queries read the replica.
 * - The writer lease lives in the manifest, replaced only by compare-and-swap (`If-Match`). A
 *   claim takes the next epoch there, reads the log to its end, then writes a fence object at the
 *   next position: a stale writer's next object lands on a taken position (412) and it stops
 *   (`WriterFencedError`). Two writers can never both append.
 * - Opening reads the manifest, the latest snapshot (the replica's image) and the log after it.
 *   The writer writes a snapshot every `snapshotEvery` objects (or `snapshotBytes` of log) and
 *   when it releases a lease after a long tail, then points the manifest at it.
 * - Before its first claim, a store probes the server: a second `If-None-Match: *` put of one key
 *   and an `If-Match` put with a wrong ETag must both be refused (412), or it refuses to write.
 *
 * A read-only opening reads the store as it was when opened (a one-shot command). Every call runs
 * in one queue, so a reader never sees a write whose log object is not written yet.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type BalanceRow,
  type DeploymentRow,
  type HistoryQuery,
  type HistoryRow,
  type JournalRecord,
  type LeaseHolder,
  type MarkRow,
  type MetricsRow,
  type OrderRow,
  type PositionRow,
  type Projections,
  type RoundTripRow,
  type StorePort,
  type TradeQuery,
  type TradeRow,
  type WriterLease,
  NotWriterError,
  WriterFencedError,
} from '../../app/ports/store-port.js';
import {
  type LogObject,
  type LogOp,
  type Manifest,
  StoreKeys,
  decodeLog,
  decodeManifest,
  encode,
  leaseOf,
  logObject,
  manifest,
} from './log-format.js';
import type { ObjectStore } from './object-store.js';
import type { OpenReplica, Replica } from './replica.js';

export interface SnapshotCadence {
  /** Write a snapshot once this many log objects follow the last one. */
  readonly snapshotEvery: number;
  /** ... or once they hold this many bytes. */
  readonly snapshotBytes: number;
}

export const DEFAULT_CADENCE: SnapshotCadence = { snapshotEvery: 64, snapshotBytes: 16 * 1024 * 1024 };

/** How many log objects a cold start fetches at once (those the manifest says exist). */
const PREFETCH = 8;
/** Attempts at one conditional write that meets 409s or lost answers. */
const ATTEMPTS = 5;

type Versioned = { readonly manifest: Manifest; readonly etag: string };

export class S3Store implements StorePort {
  readonly kind = 's3';
  private queue: Promise<unknown> = Promise.resolve();
  private epoch: number | undefined;
  private writer = '';
  private fenced = false;
  /** Set when a write's outcome could not be told: the replica may differ from the log. */
  private broken: Error | undefined;
  private probed = false;
  /** The last log position applied to the replica, and the highest epoch seen along the log. */
  private position = 0;
  private logEpoch = 0;
  private snapshotAt = 0;
  private bytesSinceSnapshot = 0;

  private constructor(
    private readonly objects: ObjectStore,
    private readonly keys: StoreKeys,
    private readonly replica: Replica,
    readonly location: string,
    private readonly cadence: SnapshotCadence,
  ) {}

  /** Opens the store under `prefix`: the latest snapshot, then the log after it. */
  static async open(
    objects: ObjectStore,
    prefix: string,
    location: string,
    openReplica: OpenReplica,
    cadence: SnapshotCadence = DEFAULT_CADENCE,
  ): Promise<S3Store> {
    const keys = new StoreKeys(prefix);
    const current = await readManifest(objects, keys);
    const snapshot = current?.manifest.snapshot ?? null;
    let image: Uint8Array | undefined;
    if (snapshot) {
      const found = await objects.get(snapshot.key);
      if (!found) throw new Error(`${location}: the manifest names the snapshot ${snapshot.key}, which is missing`);
      image = gunzipSync(found.body);
    }
    const replica = await openReplica(image);
    const store = new S3Store(objects, keys, replica, location, cadence);
    if (snapshot) store.position = store.snapshotAt = snapshot.position;
    try {
      await store.catchUp(current?.manifest.head ?? 0);
    } catch (error) {
      await replica.close();
      throw error;
    }
    return store;
  }

  get writerEpoch(): number | undefined {
    return this.epoch;
  }

  /** Whether nothing was ever written here (no manifest, no log object). */
  get empty(): boolean {
    return this.position === 0;
  }

  /** S3 requests sent so far. */
  get requests(): number {
    return this.objects.requests;
  }

  /** What `books` shows, from the replica's projections when they vouch for the journal. */
  storedBooks() {
    return this.serial(async () => this.replica.storedBooks(this.location));
  }

  // ---- writes: one log object each ------------------------------------------------------------

  commit(journal: readonly JournalRecord[], projections: Projections): Promise<void> {
    return this.write('commit', { op: 'commit', journal, projections });
  }

  writeHistory(rows: readonly HistoryRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.write('write history', { op: 'history', rows });
  }

  setCursor(name: string, value: string): Promise<void> {
    return this.write(`set cursor ${name}`, { op: 'cursor', name, value });
  }

  replaceProjections(projections: Projections, throughSeq?: number): Promise<void> {
    return this.write('replace projections', {
      op: 'replace',
      projections,
      ...(throughSeq === undefined ? {} : { throughSeq }),
    });
  }

  private write(what: string, op: LogOp): Promise<void> {
    return this.serial(async () => {
      const epoch = this.epoch;
      if (epoch === undefined) throw new NotWriterError(what);
      if (this.fenced) throw new WriterFencedError(epoch, await this.readLease());
      this.replica.hold();
      let kept = false;
      try {
        await this.apply(op);
        const object = logObject(this.position + 1, epoch, this.writer, [op]);
        const body = encode(object);
        if ((await this.append(object, body)) === 'taken') {
          this.fenced = true;
          throw new WriterFencedError(epoch, await this.readLease());
        }
        kept = true;
        this.position++;
        this.logEpoch = epoch;
        this.bytesSinceSnapshot += body.length;
      } finally {
        this.replica.settle(kept);
      }
      await this.snapshotIfDue(this.cadence).catch(() => undefined); // the next write tries again
    });
  }

  /** Applies one op to the replica (as the writer does before writing it, as a reader replays it). */
  private async apply(op: LogOp): Promise<void> {
    const r = this.replica.store;
    switch (op.op) {
      case 'fence':
        return;
      case 'commit':
        return r.commit(op.journal, op.projections);
      case 'history':
        return r.writeHistory(op.rows);
      case 'cursor':
        return r.setCursor(op.name, op.value);
      case 'replace':
        return r.replaceProjections(op.projections, op.throughSeq);
      default:
        throw new Error(`unknown log op '${(op as { op: string }).op}'`);
    }
  }

  /**
   * Creates the log object at its position, if absent. 'taken': another writer's object is there.
   * A 412, repeated 409s or a lost answer are settled by reading the key: our own bytes there mean
   * an earlier attempt landed. When even that read fails, the store is broken (reopen it).
   */
  private async append(object: LogObject, body: Uint8Array): Promise<'written' | 'taken'> {
    const key = this.keys.log(object.position);
    let failure: unknown;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const outcome = await this.objects.put(key, body, { ifAbsent: true });
        if (outcome.status === 'written') return 'written';
        if (outcome.status === 'conflict' && attempt < ATTEMPTS) {
          await pause(20 * attempt); // a concurrent create of the same key: one of the two wins
          continue;
        }
        failure = new Error(`${key}: ${outcome.status}`);
      } catch (error) {
        failure = error;
      }
      let there;
      try {
        there = await this.objects.get(key);
      } catch (error) {
        this.broken = new Error(
          `${this.location}: cannot tell whether log object ${object.position} was written (${(failure as Error).message}; ${(error as Error).message}): reopen the store`,
        );
        throw this.broken;
      }
      if (there) return sameBytes(there.body, body) ? 'written' : 'taken';
    }
    this.broken = new Error(
      `${this.location}: log object ${object.position} could not be written (${(failure as Error).message}); an attempt may still land: reopen the store`,
    );
    throw this.broken;
  }

  // ---- the log after the replica's position ---------------------------------------------------

  /** Applies every log object after the replica's position: those up to `hint` fetched in parallel. */
  private async catchUp(hint = 0): Promise<void> {
    while (this.position < hint) {
      const from = this.position + 1;
      const positions = Array.from({ length: Math.min(PREFETCH, hint - this.position) }, (_, i) => from + i);
      const found = await Promise.all(positions.map((p) => this.objects.get(this.keys.log(p))));
      for (const [i, object] of found.entries()) {
        if (!object)
          throw new Error(
            `${this.location}: log object ${positions[i]} is missing (the manifest says the log reaches ${hint})`,
          );
        await this.replay(positions[i]!, object.body);
      }
    }
    for (;;) {
      const object = await this.objects.get(this.keys.log(this.position + 1));
      if (!object) return;
      await this.replay(this.position + 1, object.body);
    }
  }

  private async replay(position: number, body: Uint8Array): Promise<void> {
    const key = this.keys.log(position);
    const object = decodeLog(body, key);
    if (object.position !== position) throw new Error(`corrupt log object ${key}: it says position ${object.position}`);
    if (object.epoch < this.logEpoch)
      throw new Error(`corrupt log: ${key} has epoch ${object.epoch} after epoch ${this.logEpoch}`);
    for (const op of object.ops) {
      try {
        await this.apply(op);
      } catch (error) {
        throw new Error(`cannot replay log object ${key} (${op.op}): ${(error as Error).message}`, { cause: error });
      }
    }
    this.position = position;
    this.logEpoch = object.epoch;
    this.bytesSinceSnapshot += body.length;
  }

  // ---- snapshots ------------------------------------------------------------------------------

  private async snapshotIfDue(cadence: SnapshotCadence): Promise<void> {
    const epoch = this.epoch;
    if (epoch === undefined || this.fenced || this.position === this.snapshotAt) return;
    if (this.position - this.snapshotAt < cadence.snapshotEvery && this.bytesSinceSnapshot < cadence.snapshotBytes)
      return;
    const position = this.position;
    const key = this.keys.snapshot(position);
    const outcome = await this.objects.put(key, gzipSync(this.replica.image()), { ifAbsent: true });
    // 412: a snapshot of this very position is there already (the same state, whoever wrote it).
    if (outcome.status === 'conflict') return;
    await this.updateManifest(epoch, (m) =>
      m.snapshot && m.snapshot.position >= position
        ? m
        : { ...m, snapshot: { position, key }, head: Math.max(m.head, position) },
    );
    this.snapshotAt = position;
    this.bytesSinceSnapshot = 0;
  }

  // ---- the writer lease (the manifest) --------------------------------------------------------

  async readLease(): Promise<WriterLease | undefined> {
    const current = await readManifest(this.objects, this.keys);
    return current ? leaseOf(current.manifest) : undefined;
  }

  claimLease(expectedEpoch: number, holder: LeaseHolder, now: number, ttlMs: number): Promise<WriterLease | undefined> {
    return this.serial(async () => {
      await this.probe();
      const current = await readManifest(this.objects, this.keys);
      if (expectedEpoch === 0 ? current !== undefined : current?.manifest.epoch !== expectedEpoch) return undefined;
      const next = manifest({
        epoch: expectedEpoch + 1,
        holder,
        since: now,
        expiresAt: now + ttlMs,
        head: Math.max(current?.manifest.head ?? 0, this.position),
        snapshot: current?.manifest.snapshot ?? null,
        nonce: randomUUID(),
      });
      if (!(await this.swapManifest(next, current?.etag))) return undefined;
      const epoch = next.epoch;
      this.epoch = epoch;
      this.writer = randomUUID();
      this.fenced = false;
      // Fence the log: read it to its end, then take the next position, so that a stale writer's
      // next object lands on a taken key.
      for (;;) {
        await this.catchUp();
        if (this.logEpoch > epoch) {
          this.epoch = undefined; // a later claim fenced the log first: this one lost
          return undefined;
        }
        const object = logObject(this.position + 1, epoch, this.writer, [{ op: 'fence', holder }]);
        const body = encode(object);
        if ((await this.append(object, body)) === 'written') {
          this.position++;
          this.logEpoch = epoch;
          this.bytesSinceSnapshot += body.length;
          return leaseOf(next);
        }
      }
    });
  }

  renewLease(now: number, ttlMs: number): Promise<WriterLease> {
    return this.serial(async () => {
      const epoch = this.epoch;
      if (epoch === undefined) throw new NotWriterError('renew the writer lease');
      if (this.fenced) throw new WriterFencedError(epoch, await this.readLease());
      const renewed = await this.updateManifest(epoch, (m) => ({
        ...m,
        expiresAt: now + ttlMs,
        head: Math.max(m.head, this.position),
      }));
      if (renewed === 'fenced') {
        this.fenced = true;
        throw new WriterFencedError(epoch, await this.readLease());
      }
      return leaseOf(renewed);
    });
  }

  releaseLease(): Promise<void> {
    return this.serial(async () => {
      const epoch = this.epoch;
      if (epoch === undefined) return;
      if (!this.fenced && !this.broken) {
        // A long tail makes the next cold start slow: leave a snapshot behind.
        const atRelease = {
          snapshotEvery: Math.max(1, Math.floor(this.cadence.snapshotEvery / 4)),
          snapshotBytes: Math.floor(this.cadence.snapshotBytes / 4),
        };
        await this.snapshotIfDue(atRelease).catch(() => undefined);
      }
      this.epoch = undefined;
      if (this.fenced || this.broken) return;
      await this.updateManifest(epoch, (m) => ({ ...m, expiresAt: 0, head: Math.max(m.head, this.position) }));
    });
  }

  /** Replaces the manifest while it still holds `epoch`, retrying lost races; 'fenced' once it moved on. */
  private async updateManifest(epoch: number, change: (m: Manifest) => Manifest): Promise<Manifest | 'fenced'> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const current = await readManifest(this.objects, this.keys);
      if (!current || current.manifest.epoch !== epoch) return 'fenced';
      const next = { ...change(current.manifest), nonce: randomUUID() };
      if (await this.swapManifest(next, current.etag)) return next;
    }
    throw new Error(`${this.location}: the manifest kept changing under this writer (${ATTEMPTS} attempts)`);
  }

  /**
   * Writes the manifest if it is still the version `etag` (or absent, without one). false: another
   * write won (412, 409, 404). A lost answer is settled by reading it back (our nonce or not).
   */
  private async swapManifest(next: Manifest, etag: string | undefined): Promise<boolean> {
    const key = this.keys.manifest();
    try {
      const outcome = await this.objects.put(
        key,
        encode(next),
        etag === undefined ? { ifAbsent: true } : { ifMatch: etag },
      );
      return outcome.status === 'written';
    } catch (error) {
      const current = await readManifest(this.objects, this.keys).catch(() => {
        throw error;
      });
      return current?.manifest.nonce === next.nonce;
    }
  }

  /**
   * Refuses a server that ignores conditional writes: there, two writers would overwrite each
   * other's log objects and the fencing would be void.
   */
  private async probe(): Promise<void> {
    if (this.probed) return;
    const key = this.keys.probe(randomUUID());
    const created = await this.objects.put(key, new TextEncoder().encode('first'), { ifAbsent: true });
    if (created.status !== 'written')
      throw new Error(`${this.location}: the start-up probe could not create ${key} (${created.status})`);
    const again = await this.objects.put(key, new TextEncoder().encode('second'), { ifAbsent: true });
    const stale = await this.objects.put(key, new TextEncoder().encode('third'), { ifMatch: '"stale-etag"' });
    await this.objects.remove(key).catch(() => undefined);
    if (again.status !== 'failed' || stale.status !== 'failed')
      throw new Error(
        `${this.location}: this S3 server ignores conditional writes (a second PutObject with If-None-Match: * answered ${describe(again)}, one with a wrong If-Match answered ${describe(stale)}; both must be refused with 412). Subledger will not write a journal there: two runs could overwrite each other. Use AWS S3 or a server that implements conditional writes.`,
      );
    this.probed = true;
  }

  // ---- queries: the replica -------------------------------------------------------------------

  readJournal(afterSeq: number, limit: number): Promise<JournalRecord[]> {
    return this.read((s) => s.readJournal(afterSeq, limit));
  }
  journalStats(): Promise<{ count: number; lastSeq: number }> {
    return this.read((s) => s.journalStats());
  }
  journalEntry(key: string): Promise<JournalRecord | undefined> {
    return this.read((s) => s.journalEntry(key));
  }
  deployments(): Promise<DeploymentRow[]> {
    return this.read((s) => s.deployments());
  }
  balances(): Promise<BalanceRow[]> {
    return this.read((s) => s.balances());
  }
  positions(deploymentId?: string): Promise<PositionRow[]> {
    return this.read((s) => s.positions(deploymentId));
  }
  trades(query: TradeQuery): Promise<TradeRow[]> {
    return this.read((s) => s.trades(query));
  }
  marks(): Promise<MarkRow[]> {
    return this.read((s) => s.marks());
  }
  roundTrips(deploymentId?: string): Promise<RoundTripRow[]> {
    return this.read((s) => s.roundTrips(deploymentId));
  }
  metrics(deploymentId: string, from?: string, to?: string): Promise<MetricsRow[]> {
    return this.read((s) => s.metrics(deploymentId, from, to));
  }
  orders(deploymentId?: string): Promise<OrderRow[]> {
    return this.read((s) => s.orders(deploymentId));
  }
  history(query: HistoryQuery): Promise<HistoryRow[]> {
    return this.read((s) => s.history(query));
  }
  getCursor(name: string): Promise<string | undefined> {
    return this.read((s) => s.getCursor(name));
  }
  projectionsSeq(): Promise<number | undefined> {
    return this.read((s) => s.projectionsSeq());
  }

  private read<T>(query: (store: StorePort) => Promise<T>): Promise<T> {
    return this.serial(() => query(this.replica.store));
  }

  /** Frees the writer lease if this store holds it, then drops the replica and the client. */
  async close(): Promise<void> {
    await this.releaseLease().catch(() => undefined);
    await this.serial(async () => {
      await this.replica.close();
      this.objects.close();
    }).catch(() => undefined);
  }

  /** Runs `work` after every call before it (one at a time); refuses once the store is broken. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.broken) throw this.broken;
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

async function readManifest(objects: ObjectStore, keys: StoreKeys): Promise<Versioned | undefined> {
  const found = await objects.get(keys.manifest());
  return found ? { manifest: decodeManifest(found.body, keys.manifest()), etag: found.etag } : undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

const describe = (outcome: { status: string }): string =>
  outcome.status === 'written' ? '200 (written)' : outcome.status === 'failed' ? '412' : outcome.status;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
