/**
 * Shared CLI plumbing: the `--db` option, opening the store (read-only, or as the writer with the
 * store's writer lease), progress bars, and turning errors into one clear line on stderr with a
 * non-zero exit code (never a stack trace for user errors).
 */
import { SingleBar } from 'cli-progress';
import { openStore } from '../adapters/sql/open-store.js';
import type { StorePort } from '../app/store-port.js';
import { AppError } from '../app/errors.js';
import { acquireWriterLease, leaseSettingsFromEnv, thisProcess } from '../app/writer-lease.js';

export const DEFAULT_DB = process.env.SUBLEDGER_DB ?? './subledger.db';
export const DB_HELP = 'store: a SQLite file path or a postgres:// URL (env SUBLEDGER_DB)';

/** Runs `work` on the store opened read-only: any write through it throws (it holds no lease). */
export async function withStore<T>(db: string, work: (store: StorePort) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
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
  return withStore(db, async (store) => {
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

/** A progress bar on stderr (plain lines when not a terminal), or nothing when `quiet`. */
export function progressBar(
  label: string,
  quiet = false,
  always = false,
): { update(done: number, total: number): void; stop(): void } {
  if (quiet) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total}`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    hideCursor: true,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started && !always && total < 1000 && !process.stderr.isTTY) return; // small jobs: no noise in logs
      if (!started) {
        bar.start(Math.max(total, 1), 0);
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Runs a command action, printing a one-line error and exiting non-zero on failure. */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await run(...args);
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (error) {
      if (error instanceof AppError) console.error(`error: ${error.code}: ${error.message}`);
      else console.error(`error: ${(error as Error).message}`);
      if (process.env.SUBLEDGER_DEBUG) console.error(error);
      process.exitCode = 1;
    }
  };
}
