/**
 * The one-writer contract, run against every store on its real back-end (a SQLite file, a
 * PostgreSQL schema): many callers append through one queue with contiguous seqs; memory changes
 * only after the commit (a failed commit leaves it as it was, a slow one is never seen half-done);
 * a second writer is refused with the holder named; a stale writer's commit is fenced by the epoch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostname } from 'node:os';
import { AppError } from '../../src/app/errors.js';
import { type JournalEvent, parseJournalLine } from '../../src/app/journal/journal-codec.js';
import { type CommittedBatch, LedgerService } from '../../src/app/journal/ledger-service.js';
import {
  type LeaseHolder,
  NotWriterError,
  type StorePort,
  WriterFencedError,
  emptyProjections,
} from '../../src/app/ports/store-port.js';
import { LeaseHeldError, acquireWriterLease } from '../../src/app/cluster/writer-lease.js';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { isApplied } from '../../src/core/ledger.js';

export interface WriterHarness {
  /** A fresh, empty database; `open` gives a new connection to it each call, holding no lease. */
  database(): Promise<{ open(): Promise<StorePort> }>;
  cleanup(): Promise<void>;
}

const event = (o: object): JournalEvent => {
  const r = parseJournalLine(JSON.stringify(o));
  if ('problems' in r) throw new Error(JSON.stringify(r.problems));
  return r.event;
};

const holder = (name: string, pid = process.pid): LeaseHolder => ({ id: name, host: hostname(), pid, command: name });
const T0 = Date.parse('2026-01-05T15:00:00Z');
const TTL = 15_000;

const deployment = (id: string, capital = '10000') =>
  event({ type: 'deployment', deployment: id, initial_capital: capital, ts: '2025-01-02T14:00:00Z' });
const fill = (id: string, d: string, qty: string, price: string) =>
  event({ type: 'fill', id, deployment: d, symbol: 'AAPL', side: 'buy', qty, price, ts: '2025-01-02T15:00:00Z' });

/** A store whose commits go through `gate` first (to fail one, or hold one open). */
function gatedStore(store: StorePort, gate: () => Promise<void>): StorePort {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'commit')
        return async (...args: Parameters<StorePort['commit']>) => {
          await gate();
          return target.commit(...args);
        };
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function writer(db: { open(): Promise<StorePort> }, name: string, now = T0): Promise<StorePort> {
  const store = await db.open();
  await acquireWriterLease(store, holder(name), { now: () => now, settings: { ttlMs: TTL, renewMs: TTL / 3 } });
  return store;
}

export function writerContract(name: string, harness: () => WriterHarness, skip?: string) {
  describe(`one writer: ${name}`, { skip }, () => {
    const h = harness();
    const stores: StorePort[] = [];
    const open = async (db: { open(): Promise<StorePort> }, as?: string, now?: number) => {
      const store = as ? await writer(db, as, now) : await db.open();
      stores.push(store);
      return store;
    };
    const closeAll = async () => {
      for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    };

    it('serializes 60 concurrent callers: every append committed once, seqs contiguous, no conflict', async () => {
      const store = await open(await h.database(), 'a');
      const service = await LedgerService.load(store);
      const ids = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
      await service.append(ids.map((d) => deployment(d)));
      const seen: number[] = [];
      service.subscribe((batch) => seen.push(...batch.records.map((r) => r.seq)));
      // 40 fills from 40 callers, plus 20 check-then-append sections racing to create one deployment.
      const fills = Array.from({ length: 40 }, (_, i) =>
        service.append([fill(`f${i}`, ids[i % ids.length]!, '1', String(100 + i))]),
      );
      let created = 0;
      const creators = Array.from({ length: 20 }, () =>
        service.exclusive(async (w) => {
          if (w.state.ledger.sleeves.has('late' as DeploymentId)) return;
          await w.append([deployment('late', '500')]);
          created++;
        }),
      );
      const results = await Promise.all(fills);
      await Promise.all(creators);
      assert.equal(created, 1);
      assert.deepEqual(
        results.map((r) => r.appended),
        Array(40).fill(1),
      );
      const journal = await store.readJournal(0, 1000);
      assert.deepEqual(
        journal.map((r) => r.seq),
        Array.from({ length: 47 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        seen,
        Array.from({ length: 41 }, (_, i) => i + 7),
      );
      assert.equal(service.lastSeq, 47);
      // 40 fills of 1 share at 100..139: Σ price = 40 × 100 + (0 + … + 39) = 4780.
      const spent = ids.reduce(
        (sum, d) => sum + (dec('10000') - service.ledger.sleeves.get(d as DeploymentId)!.cash),
        0n,
      );
      assert.equal(toPlain(spent as never), '4780');
      const replayed = await LedgerService.load(store);
      assert.deepEqual(replayed.state.ledger, service.state.ledger);
      await closeAll();
    });

    it('leaves memory unchanged when a commit fails, and the next append goes on from there', async () => {
      const real = await open(await h.database(), 'a');
      let fail = false;
      const store = gatedStore(real, async () => {
        if (fail) throw new Error('disk full');
      });
      const service = await LedgerService.load(store);
      await service.append([deployment('a')]);
      const before = structuredClone(service.state);
      fail = true;
      await assert.rejects(service.append([fill('f1', 'a', '10', '150')]), { message: 'disk full' });
      assert.deepEqual(service.state, before);
      assert.equal(service.lastSeq, 1);
      fail = false;
      await service.append([fill('f2', 'a', '1', '100')]);
      assert.equal(toPlain(service.ledger.sleeves.get('a' as DeploymentId)!.cash), '9900');
      assert.deepEqual(
        (await store.readJournal(0, 10)).map((r) => r.key),
        ['deployment:a', 'fill:f2'],
      );
      assert.deepEqual((await LedgerService.load(real)).state.ledger, service.state.ledger);
      await closeAll();
    });

    it('never shows a reader an uncommitted event: a slow commit is invisible until it returns', async () => {
      const real = await open(await h.database(), 'a');
      let release: () => void = () => undefined;
      let hold = false;
      let entered: () => void = () => undefined;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const store = gatedStore(real, async () => {
        if (!hold) return;
        entered();
        await new Promise<void>((resolve) => (release = resolve));
      });
      const service = await LedgerService.load(store);
      await service.append([deployment('a')]);
      const batches: CommittedBatch[] = [];
      service.subscribe((b) => batches.push(b));
      hold = true;
      const pending = service.append([fill('f1', 'a', '10', '150')]);
      await inside; // the commit has started and is held open
      const sleeve = service.ledger.sleeves.get('a' as DeploymentId)!;
      assert.equal(toPlain(sleeve.cash), '10000');
      assert.equal(sleeve.positions.size, 0);
      assert.equal(isApplied(service.ledger, 'fill:f1'), false);
      assert.equal(service.lastSeq, 1);
      assert.equal(batches.length, 0);
      release();
      await pending;
      assert.equal(toPlain(service.ledger.sleeves.get('a' as DeploymentId)!.cash), '8500');
      assert.deepEqual(
        batches.map((b) => [b.lastSeq, b.records.map((r) => r.key)]),
        [[2, ['fill:f1']]],
      );
      await closeAll();
    });

    it('refuses a second writer while the lease is live, naming the holder; a read-only store cannot write', async () => {
      const db = await h.database();
      await open(db, 'first');
      const second = await open(db);
      await assert.rejects(acquireWriterLease(second, holder('second'), { now: () => T0 + 1000 }), (error: unknown) => {
        assert.ok(error instanceof LeaseHeldError);
        assert.match(
          error.message,
          new RegExp(`held by pid ${process.pid} on ${hostname()} \\(first, since 2026-01-05T15:00:00.000Z, epoch 1`),
        );
        assert.match(error.message, /--take-over/);
        return true;
      });
      // Even with --take-over: the holder runs on this host, so it is not taken from it.
      await assert.rejects(
        acquireWriterLease(second, holder('second'), { now: () => T0 + 1000, takeOver: true }),
        LeaseHeldError,
      );
      await assert.rejects(second.setCursor('x', 'y'), NotWriterError);
      await assert.rejects(second.commit([], emptyProjections()), NotWriterError);
      assert.equal(second.writerEpoch, undefined);
      await closeAll();
    });

    it('takes over a lease whose holder is gone (with --take-over), an expired one, and a released one', async () => {
      const db = await h.database();
      const gone = await open(db);
      await acquireWriterLease(gone, holder('gone', 999_999_999), { now: () => T0 });
      const next = await open(db);
      const notes: string[] = [];
      const lease = await acquireWriterLease(next, holder('next'), {
        now: () => T0 + 1000,
        takeOver: true,
        runs: (pid) => pid !== 999_999_999,
        onNote: (n) => notes.push(n),
      });
      assert.equal(lease.epoch, 2);
      assert.match(notes[0]!, /taking over the writer lease from pid 999999999 .*\(holder gone\); epoch 2/);
      const later = await open(db);
      const third = await acquireWriterLease(later, holder('later'), { now: () => T0 + 1000 + TTL });
      assert.equal(third.epoch, 3, 'expired: taken without --take-over');
      await later.releaseLease();
      const fourth = await acquireWriterLease(await open(db), holder('fourth'), { now: () => T0 + 1001 + TTL });
      assert.equal(fourth.epoch, 4, 'released: free at once');
      await closeAll();
    });

    it('fences a stale writer: paused, its lease taken over, its next commit refused and nothing written', async () => {
      const db = await h.database();
      const old = await open(db, 'old', T0);
      const service = await LedgerService.load(old);
      await service.append([deployment('a')]);
      const fenced: AppError[] = [];
      service.onFenced((e) => fenced.push(e));
      // The old writer is paused past its lease; a new one takes over (epoch 2) and writes.
      const fresh = await open(db, 'new', T0 + TTL + 1);
      const successor = await LedgerService.load(fresh);
      await successor.append([fill('f-new', 'a', '1', '100')]);
      // The old writer wakes up and tries to append.
      const before = structuredClone(service.state);
      await assert.rejects(service.append([fill('f-old', 'a', '10', '150')]), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'WRITER_FENCED');
        assert.equal(error.status, 503);
        assert.match(error.message, /writer lease \(epoch 1\) was taken over by pid \d+ on .* \(new, epoch 2\)/);
        assert.deepEqual(error.details.writer, { host: hostname(), pid: process.pid, command: 'new' });
        return true;
      });
      assert.deepEqual(service.state, before);
      assert.deepEqual(
        (await fresh.readJournal(0, 10)).map((r) => r.key),
        ['deployment:a', 'fill:f-new'],
      );
      await assert.rejects(service.append([fill('f-old2', 'a', '1', '1')]), { code: 'WRITER_FENCED' });
      assert.equal(fenced.length, 1);
      await assert.rejects(old.renewLease(T0 + TTL + 2, TTL), WriterFencedError);
      await assert.rejects(old.setCursor('x', 'y'), WriterFencedError);
      await successor.append([fill('f-new2', 'a', '1', '100')]);
      await closeAll();
    });

    it('cleans up', async () => {
      await closeAll();
      await h.cleanup();
    });
  });
}
