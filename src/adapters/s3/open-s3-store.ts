/**
 * Opens the S3 store named by `--db s3://bucket/prefix` (see s3-target.ts for the URL and the
 * environment). The SDK is loaded only here, so a command on a SQLite or PostgreSQL store never
 * loads it. The replica the store folds its log into is passed in by the composition root.
 *
 * SUBLEDGER_S3_SNAPSHOT_EVERY (log objects between snapshots, default 64) sets the cadence.
 */
import type { StoredBooks } from '../../app/ports/store-port.js';
import { type S3ClientOptions, S3ObjectStore } from './object-store.js';
import type { OpenReplica } from './replica.js';
import { DEFAULT_CADENCE, S3Store, type SnapshotCadence } from './s3-store.js';
import { parseS3Target } from './s3-target.js';

export interface OpenS3Options {
  readonly openReplica: OpenReplica;
  /** A reader never creates a store: nothing there yet is an error naming it. */
  readonly mustExist?: boolean;
  readonly client?: S3ClientOptions;
  readonly cadence?: SnapshotCadence;
  readonly env?: NodeJS.ProcessEnv;
}

export async function openS3Store(url: string, options: OpenS3Options): Promise<S3Store> {
  const env = options.env ?? process.env;
  const target = parseS3Target(url, env);
  const objects = new S3ObjectStore(target, options.client);
  let store: S3Store;
  try {
    store = await S3Store.open(
      objects,
      target.prefix,
      target.location,
      options.openReplica,
      options.cadence ?? cadenceFrom(env),
    );
  } catch (error) {
    objects.close();
    throw error;
  }
  if (options.mustExist && store.empty) {
    await store.close();
    throw new Error(
      `no store at ${target.location}: nothing has been written there yet (\`subledger import FILE\` or a writing command creates it)`,
    );
  }
  return store;
}

/** What `books` shows from the projections of the S3 store at `url`, or why not (then it folds the journal). */
export async function readS3StoredBooks(
  url: string,
  openReplica: OpenReplica,
): Promise<{ books: StoredBooks } | { reason: string }> {
  const store = await openS3Store(url, { openReplica, mustExist: true });
  try {
    return await store.storedBooks();
  } finally {
    await store.close();
  }
}

function cadenceFrom(env: NodeJS.ProcessEnv): SnapshotCadence {
  const text = env.SUBLEDGER_S3_SNAPSHOT_EVERY;
  if (text === undefined || text === '') return DEFAULT_CADENCE;
  const every = Number(text);
  if (!Number.isInteger(every) || every < 1 || every > 100_000)
    throw new Error(`SUBLEDGER_S3_SNAPSHOT_EVERY must be a whole number from 1 to 100000, got "${text}"`);
  return { ...DEFAULT_CADENCE, snapshotEvery: every };
}
