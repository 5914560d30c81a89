/**
 * Shared CLI plumbing: the `--db` option, opening the store (read-only, or as the writer with the
 * store's writer lease) or reading only what `books` shows from its projections, progress bars, and
 * turning errors into one clear line on stderr with a non-zero exit code (never a stack trace for
 * user errors).
 *
 * A command that fails stops at once: `action` prints `error: <message>` (a corrupt journal entry:
 * `error: corrupt journal entry seq N: field: reason`), stops every progress bar, and exits the
 * process with the code — nothing left running (a bar's timer, a socket) can keep it alive.
 */
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import { brokerUnavailable } from '../app/ports/broker-port.js';
import type { StoredBooks, StorePort } from '../app/ports/store-port.js';
import { AppError } from '../app/errors.js';
import { acquireWriterLease, leaseSettingsFromEnv } from '../app/cluster/writer-lease.js';
import { openStoreAt, readStoredBooksAt, thisProcess } from '../main/adapters.js';

export const DEFAULT_DB = process.env.SUBLEDGER_DB ?? './subledger.db';
export const DB_HELP = 'store: a SQLite file path, a postgres:// URL or s3://bucket/prefix (env SUBLEDGER_DB)';

/**
 * The cursor that marks a store as the demo's own (it holds only what `demo` wrote): `demo`
 * starts afresh only on such a store (or an empty one), and `import` unmarks the store it loads
 * into, so the next `demo` refuses to delete what was imported.
 */
export const DEMO_STORE_CURSOR = 'demo.store';

/**
 * Runs `work` on the store opened read-only: any write through it throws (it holds no lease). A
 * store that does not exist is an error, never created: a reader writes nothing.
 */
export async function withStore<T>(db: string, work: (store: StorePort) => Promise<T>): Promise<T> {
  return withOpened(db, true, work);
}

async function withOpened<T>(db: string, mustExist: boolean, work: (store: StorePort) => Promise<T>): Promise<T> {
  // The driver is imported when a store is opened: `subledger <command> --help` loads none.
  const store = await openStoreAt(db, mustExist);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * What `books` shows, from the store's projections when the store vouches for them (a SQLite file
 * whose projections were written at the journal's last seq; read-only, without migrations or
 * Kysely), or why not: the caller then folds the journal through `withStore`.
 */
export async function readStoredBooks(db: string): Promise<{ books: StoredBooks } | { reason: string }> {
  return readStoredBooksAt(db);
}

/** `withWriter(db, command, work)` when `command` is given (the run writes), else `withStore`. */
export function withStoreAs<T>(
  db: string,
  command: string | undefined,
  work: (store: StorePort) => Promise<T>,
): Promise<T> {
  return command === undefined ? withStore(db, work) : withWriter(db, command, work);
}

/**
 * Runs `work` as the store's one writer: takes the writer lease first (refused, naming the holder,
 * while another process writes; `takeOver` as `serve --take-over`) and frees it afterwards.
 */
export async function withWriter<T>(
  db: string,
  command: string,
  work: (store: StorePort) => Promise<T>,
  takeOver = false,
): Promise<T> {
  return withOpened(db, false, async (store) => {
    await acquireWriterLease(store, thisProcess(command), {
      takeOver,
      settings: leaseSettingsFromEnv(),
      onNote: (message) => console.error(message),
    });
    try {
      return await work(store);
    } finally {
      await store.releaseLease();
    }
  });
}

export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

/** Bars started and not yet stopped: `action` stops them when a command fails. */
const running = new Set<ProgressBar>();

/** A progress bar on stderr (plain lines when not a terminal), or nothing when `quiet`. */
export function progressBar(label: string, quiet = false, always = false): ProgressBar {
  if (quiet) return { update() {}, stop() {} };
  const { SingleBar } = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total}`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    hideCursor: true,
  });
  let started = false;
  const handle: ProgressBar = {
    update(done, total) {
      if (!started && !always && total < 1000 && !process.stderr.isTTY) return; // small jobs: no noise in logs
      if (!started) {
        bar.start(Math.max(total, 1), 0);
        started = true;
        running.add(handle);
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop() {
      // A bar left running keeps a timer, and so the process, alive: stop it on every path.
      if (started) bar.stop();
      started = false;
      running.delete(handle);
    },
  };
  return handle;
}

/** The one line a failed command prints (without `error: `). */
export function failureMessage(error: unknown): string {
  const known = error instanceof AppError ? error : brokerUnavailable(error);
  if (known) return known.message.startsWith(`${known.code}:`) ? known.message : `${known.code}: ${known.message}`;
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Runs a command action. On failure: stops every progress bar, prints a one-line error
 * (`SUBLEDGER_DEBUG=1` adds the stack) and exits with code 1 at once — a failed command never
 * hangs on something it left running.
 */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await run(...args);
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (error) {
      for (const bar of [...running]) bar.stop();
      console.error(`error: ${failureMessage(error)}`);
      if (process.env.SUBLEDGER_DEBUG) console.error(error);
      process.exit(1);
    }
  };
}
