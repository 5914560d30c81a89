/**
 * The S3 store (src/adapters/s3) against a real S3-compatible server, moto's (test/helpers/moto.ts;
 * skipped with the reason when moto is not installed, unless SUBLEDGER_TEST_REQUIRE_S3=1): the
 * store contract and the one-writer contract, as SQLite and PostgreSQL run them; then what only the
 * S3 store does — its objects (numbered, never rewritten, a snapshot and the log after it), the
 * start-up probe refusing a server that ignores conditional writes, and a 409 answered by retrying.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openS3Store } from '../../src/adapters/s3/open-s3-store.js';
import type { S3ClientOptions } from '../../src/adapters/s3/object-store.js';
import type { SnapshotCadence } from '../../src/adapters/s3/s3-store.js';
import { openMemoryReplica } from '../../src/adapters/sql/memory-replica.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { parseJournalLine, type JournalEvent } from '../../src/app/journal/journal-codec.js';
import { replay } from '../../src/app/journal/replay.js';
import { WriterFencedError } from '../../src/app/ports/store-port.js';
import { acquireWriterLease, processHolder } from '../../src/app/cluster/writer-lease.js';
import { storeContract } from '../contracts/store.contract.js';
import { writerContract } from '../contracts/writer.contract.js';
import { type Moto, startMoto } from '../helpers/moto.js';

const started = await startMoto();
const skip = 'skip' in started ? started.skip : undefined;
const moto = 'moto' in started ? started.moto : (undefined as unknown as Moto);
after(async () => moto?.stop());

const open = (url: string, cadence?: SnapshotCadence, client?: S3ClientOptions) =>
  openS3Store(url, {
    openReplica: openMemoryReplica,
    ...(cadence ? { cadence } : {}),
    ...(client ? { client } : {}),
  });
const asWriter = async (url: string, cadence?: SnapshotCadence, client?: S3ClientOptions) => {
  const store = await open(url, cadence, client);
  await acquireWriterLease(store, processHolder('test', hostname()));
  return store;
};

// A snapshot every 3 log objects: reopens in the contract read a snapshot and the log after it.
const OFTEN: SnapshotCadence = { snapshotEvery: 3, snapshotBytes: 1 << 30 };

storeContract(
  'S3 (moto)',
  () => ({
    database: async () => {
      const url = moto.url(await moto.bucket('store'));
      return { open: () => asWriter(url, OFTEN) };
    },
    cleanup: async () => undefined,
  }),
  skip,
);

writerContract(
  'S3 (moto)',
  () => ({
    database: async () => {
      const url = moto.url(await moto.bucket('writer'));
      return { open: () => open(url) };
    },
    cleanup: async () => undefined,
  }),
  skip,
);

const events = (...objects: object[]): JournalEvent[] =>
  objects.map((o) => {
    const r = parseJournalLine(JSON.stringify(o));
    if ('problems' in r) throw new Error(JSON.stringify(r.problems));
    return r.event;
  });
const fill = (id: string, qty: string, price: string) =>
  events({
    type: 'fill',
    id,
    deployment: 'alpha',
    symbol: 'AAPL',
    side: 'buy',
    qty,
    price,
    ts: '2025-01-02T15:00:00Z',
  })[0]!;

describe('the S3 store’s objects', { skip }, () => {
  let s3: S3Client;
  before(() => {
    s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
  });
  after(() => s3?.destroy());

  const keysOf = async (bucket: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  const text = async (bucket: string, key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

  it('numbers the log without a gap, snapshots at the cadence, and a cold start reads snapshot + tail', async () => {
    const bucket = await moto.bucket('objects');
    const url = moto.url(bucket, 'acct/one');
    const store = await asWriter(url, OFTEN);
    const service = await LedgerService.load(store);
    await service.append(events({ type: 'deployment', deployment: 'alpha', initial_capital: '10000' }));
    for (let i = 1; i <= 7; i++) await service.append([fill(`f${i}`, '1', `${100 + i}.5`)]);
    await store.setCursor('alpaca.fills', '2025-01-02T16:00:00Z');
    const keys = await keysOf(bucket);
    const logs = keys.filter((k) => k.startsWith('acct/one/log/'));
    // The fence of epoch 1, 8 commits, 1 cursor.
    assert.deepEqual(
      logs,
      Array.from({ length: 10 }, (_, i) => `acct/one/log/${String(i + 1).padStart(20, '0')}.json`),
    );
    assert.deepEqual(
      keys.filter((k) => k.includes('/snapshot/')),
      [
        'acct/one/snapshot/00000000000000000003.sqlite.gz',
        'acct/one/snapshot/00000000000000000006.sqlite.gz',
        'acct/one/snapshot/00000000000000000009.sqlite.gz',
      ],
    );
    assert.equal(keys.filter((k) => k.includes('/probe/')).length, 0, 'the probe deletes its key');
    const first = JSON.parse(await text(bucket, logs[0]!)) as { epoch: number; ops: { op: string }[] };
    assert.deepEqual([first.epoch, first.ops[0]!.op], [1, 'fence']);
    const manifest = JSON.parse(await text(bucket, 'acct/one/manifest.json')) as {
      epoch: number;
      snapshot: { position: number };
    };
    assert.deepEqual([manifest.epoch, manifest.snapshot.position], [1, 9]);

    // A reader opened now: the snapshot at 9 and the log object 10, then a 404 at 11.
    const reader = await open(url);
    try {
      assert.deepEqual(await reader.journalStats(), { count: 8, lastSeq: 8 });
      assert.equal(await reader.getCursor('alpaca.fills'), '2025-01-02T16:00:00Z');
      assert.equal(reader.requests, 4, 'manifest, snapshot, log 10, log 11 (absent)');
      const books = await reader.storedBooks();
      assert.ok('books' in books, 'reason' in books ? books.reason : '');
      assert.equal(books.books.seq, 8);
      assert.deepEqual((await replay(reader, { dryRun: true })).differences, []);
    } finally {
      await reader.close();
    }
    await store.close();
    assert.equal(
      (await keysOf(bucket)).filter((k) => k.includes('/log/')).length,
      10,
      'a release writes no log object',
    );
  });

  it('a store nobody wrote is an error for a reader, naming it; nothing is created', async () => {
    const bucket = await moto.bucket('empty');
    await assert.rejects(
      openS3Store(moto.url(bucket, 'none'), { openReplica: openMemoryReplica, mustExist: true }),
      /no store at s3:\/\/empty-.*\/none: nothing has been written there yet/,
    );
    assert.deepEqual(await keysOf(bucket), []);
    await assert.rejects(open(moto.url('no-such-bucket-here')), /the bucket 'no-such-bucket-here' does not exist/);
  });

  it('refuses to write on a server that ignores conditional writes (the probe), writing no log', async () => {
    const bucket = await moto.bucket('probe');
    // The headers dropped before signing: the server sees plain PUTs, as such a server treats them.
    const ignoring: S3ClientOptions = {
      configure: (client) =>
        client.middlewareStack.add(
          (next) => (args) => {
            const headers = (args.request as { headers: Record<string, string> }).headers;
            delete headers['if-none-match'];
            delete headers['if-match'];
            return next(args);
          },
          { step: 'build', name: 'dropConditionalHeaders' },
        ),
    };
    const store = await open(moto.url(bucket), undefined, ignoring);
    try {
      await assert.rejects(
        acquireWriterLease(store, processHolder('test', hostname())),
        /ignores conditional writes \(a second PutObject with If-None-Match: \* answered 200 \(written\), one with a wrong If-Match answered 200 \(written\); both must be refused with 412\)/,
      );
      assert.equal(store.writerEpoch, undefined);
    } finally {
      await store.close();
    }
    assert.deepEqual(
      (await keysOf(bucket)).filter((k) => !k.includes('/probe/')),
      [],
      'no manifest, no log object',
    );
  });

  it('retries a log write answered 409 (a concurrent conditional write): written once, nothing lost', async () => {
    const bucket = await moto.bucket('conflict');
    let injected = 0;
    // moto never answers 409: the first PUT of log object 2 gets an injected 409 instead of going out.
    const conflictOnce: S3ClientOptions = {
      configure: (client) =>
        client.middlewareStack.add(
          (next) => async (args) => {
            const request = args.request as { method: string; path: string };
            if (injected === 0 && request.method === 'PUT' && request.path.endsWith('/log/00000000000000000002.json')) {
              injected++;
              return { output: undefined, response: conflictResponse() } as never;
            }
            return next(args);
          },
          { step: 'deserialize', name: 'inject409', priority: 'low' },
        ),
    };
    const url = moto.url(bucket);
    const store = await asWriter(url, undefined, conflictOnce);
    const service = await LedgerService.load(store);
    await service.append(events({ type: 'deployment', deployment: 'alpha', initial_capital: '10000' }));
    assert.equal(injected, 1);
    await service.append([fill('f1', '2', '100')]);
    await store.close();
    const reader = await open(url);
    try {
      assert.deepEqual(
        (await reader.readJournal(0, 10)).map((r) => [r.seq, r.key]),
        [
          [1, 'deployment:alpha'],
          [2, 'fill:f1'],
        ],
      );
    } finally {
      await reader.close();
    }
  });

  it('a stale writer fenced in the log: its write lands nowhere, its replica stays as the log is', async () => {
    const url = moto.url(await moto.bucket('stale'));
    const old = await open(url);
    await acquireWriterLease(old, processHolder('old', hostname()), { now: () => 1000 });
    await old.setCursor('c', 'old-1');
    const next = await open(url);
    await acquireWriterLease(next, processHolder('new', hostname()), { now: () => 1000 + 60_000 });
    await next.setCursor('c', 'new-1');
    await assert.rejects(old.setCursor('c', 'old-2'), WriterFencedError);
    assert.equal(await old.getCursor('c'), 'old-1', 'the refused write was undone in its replica');
    await old.close();
    await next.close();
    const reader = await open(url);
    try {
      assert.equal(await reader.getCursor('c'), 'new-1');
    } finally {
      await reader.close();
    }
  });
});

/** A 409 ConditionalRequestConflict as S3 sends it. */
function conflictResponse() {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ConditionalRequestConflict</Code><Message>A conflicting operation occurred. Please retry.</Message></Error>';
  return {
    statusCode: 409,
    reason: 'Conflict',
    headers: { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) },
    body: new Blob([body]).stream(),
  };
}
