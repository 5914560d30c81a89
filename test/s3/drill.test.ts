/**
 * Drills for issue 16 (S3 as the journal of serverless runs), with real `subledger` processes on
 * moto through a loopback proxy (test/s3/proxy.ts) that can hold a log object's PUT:
 *
 * 1. Two `rebalance` runs started at once on one prefix (the paper broker; each log PUT delayed,
 *    so the runs surely overlap): one completes, the other is refused — it exits non-zero naming
 *    the writer lease and its holder.
 * 2. A run stopped (SIGSTOP) in the middle of an append, past its lease; another run takes the
 *    expired lease, fences the log and completes; the stopped one, continued, is fenced: it exits
 *    non-zero saying its lease was taken over.
 * 3. A run SIGKILLed while its log PUT is in flight (the object lands after it died); the next run
 *    (`--take-over`: the holder is gone) resumes from the log.
 *
 * After each: the log has no gap and no object was ever overwritten (the bucket is versioned: one
 * version per log key), `replay --dry-run` is clean, and `books --json` equals the books of a
 * SQLite store holding the same journal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListObjectVersionsCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { openS3Store } from '../../src/adapters/s3/open-s3-store.js';
import { openMemoryReplica } from '../../src/adapters/sql/memory-replica.js';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { replay } from '../../src/app/journal/replay.js';
import { emptyProjections } from '../../src/app/ports/store-port.js';
import { killAll, runCli, startProcess, ROOT } from '../drills/processes.js';
import { type Moto, startMoto } from '../helpers/moto.js';
import { tempDir } from '../helpers/tmp.js';
import { type Proxy, startProxy } from './proxy.js';

const started = await startMoto();
const skip = 'skip' in started ? started.skip : undefined;
const moto = 'moto' in started ? started.moto : (undefined as unknown as Moto);
const SEED = join(ROOT, 'samples/seed-000.jsonl');
const { dir, cleanup } = tempDir('subledger-s3-drill-');

/** A drill that has not ended by then is stuck (a held PUT never came, a process never exited): fail it. */
const DRILL_TIMEOUT_MS = 180_000;

describe('S3 drills: one writer per prefix, with real processes', { skip }, () => {
  let proxy: Proxy;
  let s3: S3Client;
  let env: Record<string, string>;
  before(async () => {
    proxy = await startProxy(moto.endpoint);
    env = { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint, SUBLEDGER_LEASE_SECONDS: '15' };
    s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
  });
  after(async () => {
    await killAll();
    s3?.destroy();
    await proxy?.close();
    await moto?.stop();
    cleanup();
  });

  /** A versioned bucket holding seed 000 (imported through the CLI), and its s3:// URL. */
  async function seeded(name: string): Promise<{ bucket: string; db: string }> {
    const bucket = await moto.bucket(name);
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const db = `s3://${bucket}/acct`;
    const imported = await runCli(['import', SEED, '--db', db], env);
    assert.equal(imported.code, 0, imported.stderr);
    return { bucket, db };
  }

  /** The log's positions, each key's version count, and the journal checked against a SQLite copy. */
  async function checkStore(bucket: string, db: string, what: string): Promise<void> {
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'acct/log/' }));
    const keys = (versions.Versions ?? []).map((v) => v.Key!);
    const positions = [...new Set(keys)].map((k) => Number(/(\d{20})\.json$/.exec(k)![1])).sort((a, b) => a - b);
    assert.deepEqual(
      positions,
      Array.from({ length: positions.length }, (_, i) => i + 1),
      `${what}: no gap in the log`,
    );
    assert.equal(keys.length, positions.length, `${what}: one version per log object: none overwritten`);
    assert.equal((versions.DeleteMarkers ?? []).length, 0, `${what}: none deleted`);

    const dry = await runCli(['replay', '--dry-run', '--db', db], env);
    assert.equal(dry.code, 0, `${what}: replay --dry-run\n${dry.stdout}${dry.stderr}`);
    assert.match(dry.stdout, /projections match the journal/);

    const store = await openS3Store(db, { openReplica: openMemoryReplica, mustExist: true });
    const records = await store.readJournal(0, 1_000_000);
    await store.close();
    assert.deepEqual(
      records.map((r) => r.seq),
      Array.from({ length: records.length }, (_, i) => i + 1),
      `${what}: journal seqs contiguous`,
    );
    assert.equal(new Set(records.map((r) => r.key)).size, records.length, `${what}: no event twice`);
    const copy = join(dir, `${bucket}.db`);
    const sqlite = await openWriterStore(copy, 'copy');
    await sqlite.commit(records, emptyProjections());
    await replay(sqlite);
    await sqlite.close();
    const [fromS3, fromSqlite] = await Promise.all([
      runCli(['books', '--json', '--db', db], env),
      runCli(['books', '--json', '--db', copy], env),
    ]);
    assert.equal(fromS3.code, 0, fromS3.stderr);
    assert.equal(fromS3.stdout, fromSqlite.stdout, `${what}: books on S3 = books of the same journal in SQLite`);
  }

  it(
    'two rebalance runs started at once: one completes, the other is refused naming the holder',
    { timeout: DRILL_TIMEOUT_MS },
    async () => {
      const { bucket, db } = await seeded('at-once');
      proxy.delayLogPuts(400);
      try {
        const runs = [startProcess(['rebalance', '--db', db], env), startProcess(['rebalance', '--db', db], env)];
        const exits = await Promise.all(runs.map((r) => r.exited));
        const won = exits.findIndex((e) => e.code === 0);
        assert.notEqual(won, -1, `one run completes:\n${runs.map((r) => r.stderr()).join('\n---\n')}`);
        const lost = runs[1 - won]!;
        assert.notEqual(exits[1 - won]!.code, 0, `the other exits non-zero:\n${lost.stdout()}`);
        assert.match(
          lost.stderr(),
          new RegExp(
            `error: the writer lease of this store is held by pid ${runs[won]!.pid} on .* \\(rebalance, since .*, epoch 2`,
          ),
        );
        assert.match(runs[won]!.stdout(), /^rebalance rb-/m);
      } finally {
        proxy.delayLogPuts(0);
      }
      await checkStore(bucket, db, 'at once');
    },
  );

  it(
    'a run paused mid-append past its lease is fenced by the next run: it exits non-zero saying so',
    { timeout: DRILL_TIMEOUT_MS },
    async () => {
      const { bucket, db } = await seeded('fenced');
      const short = { ...env, SUBLEDGER_LEASE_SECONDS: '2' };
      // Hold the stale run's second log object (its first write after its fence).
      let puts = 0;
      proxy.holdWhen(() => ++puts === 2);
      const stale = startProcess(['rebalance', '--db', db], short);
      const put = await proxy.nextHeld();
      proxy.holdWhen(undefined);
      stale.child.kill('SIGSTOP');
      put.release(); // its object lands; the answer waits for a process that is stopped
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // its lease expires
      const next = await runCli(['rebalance', '--db', db], short, 60_000);
      assert.equal(next.code, 0, next.stderr);
      assert.match(next.stderr, /taking over the writer lease from pid \d+ .*\(expired\); epoch 3/);
      stale.child.kill('SIGCONT');
      const exit = await stale.exited;
      assert.notEqual(exit.code, 0, `the stale run is fenced:\n${stale.stdout()}\n${stale.stderr()}`);
      assert.match(stale.stderr(), /writer lease \(epoch 2\) was taken over by pid \d+ on .* \(rebalance, epoch 3\)/);
      await checkStore(bucket, db, 'fenced');
    },
  );

  it(
    'a run killed while its log object is in flight: the next run resumes, nothing lost or doubled',
    { timeout: DRILL_TIMEOUT_MS },
    async () => {
      const { bucket, db } = await seeded('killed');
      let puts = 0;
      proxy.holdWhen(() => ++puts === 3);
      const killed = startProcess(['rebalance', '--db', db], env);
      const put = await proxy.nextHeld();
      proxy.holdWhen(undefined);
      await killed.kill();
      put.release(); // the append lands after its writer died
      const next = await runCli(['rebalance', '--take-over', '--db', db], env, 60_000);
      assert.equal(next.code, 0, next.stderr);
      assert.match(next.stderr, /taking over the writer lease from pid \d+ .*\(holder gone\); epoch 3/);
      await checkStore(bucket, db, 'killed');
    },
  );
});
