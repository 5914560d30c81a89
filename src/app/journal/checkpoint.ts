/**
 * Checkpoints of the folded account state, so start-up does not grow with history: the writer
 * writes one at a cadence (`Checkpointer`), and `LedgerService.load` starts from the latest and
 * folds only the journal after it. `replay` never reads them: it rebuilds from the journal alone.
 *
 * Entry points: `encodeState` / `decodeState` (the state ⇄ text, exact), `checkpointSettingsFromEnv`,
 * `Checkpointer`.
 *
 * The encoding is generic over the state's plain data (what `cloneState` copies: objects, arrays,
 * maps, sets, strings, numbers, bigints), so it follows the ledger's shape as it changes without
 * naming its fields: devalue (maps, sets, undefined, -Infinity, and objects referenced from two
 * places — an order is in `orders` and in `ordersByDeployment` — kept as one object) with every
 * bigint written as its exact decimal string (`toPlain`; `Dec` is a bigint of 10^-18 units, so the
 * round trip is exact). A checkpoint in another `CHECKPOINT_FORMAT` is ignored, never misread.
 * The invariant, tested against a full replay (test/app/checkpoint.test.ts): loading a checkpoint
 * at seq k and folding k+1..n gives the state a fold of 1..n gives.
 */
import { parse, stringify } from 'devalue';
import { type Dec, parseDec, toPlain } from '../../core/decimal.js';
import type { FillId } from '../../core/ids.js';
import type { AccountState } from './account-state.js';
import type { Checkpoint, StorePort } from '../ports/store-port.js';

/** The encoding's name and version: bump it when the state's meaning (not just its shape) changes. */
export const CHECKPOINT_FORMAT = 'devalue-dec/3';

interface Encoded {
  readonly state: AccountState;
  /** The latest event time (ms) of the records folded, -Infinity for none. */
  readonly latestMs: number;
}

/**
 * The state (and its latest event time) as text; every bigint as its exact decimal string.
 * `dependents` is written as the fold builds it (from the orders' `after`): the live state's is a
 * work list the order router prunes as it releases waiting legs (order-router.ts
 * `releaseWaiting`), and a checkpoint must be what a replay gives, so a leg whose release was cut
 * off by a crash is released again after a restart from it. Kept in sync with account-state.ts
 * (`order_submitted`).
 */
export function encodeState(state: AccountState, latestMs: number): string {
  const dependents = new Map<string, string>();
  for (const order of state.orders.values()) if (order.after) dependents.set(order.after, order.id);
  // The applied keys and fill ids are most of a long history's state: each set goes as one JSON
  // array in one string, which reads back an order of magnitude faster than devalue's item by item.
  const { fills, applied } = state.ledger;
  const ledger = { ...state.ledger, fills: new Set<FillId>(), applied: new Set<string>() };
  const value: Encoded & Keys = {
    state: { ...state, ledger, dependents },
    latestMs,
    fills: JSON.stringify([...fills]),
    applied: JSON.stringify([...applied]),
  };
  return stringify(value, { D: (v: unknown) => typeof v === 'bigint' && toPlain(v as Dec) });
}

/** The ledger's applied keys and fill ids, as `encodeState` writes them apart from the rest. */
interface Keys {
  readonly fills: string;
  readonly applied: string;
}

/** The inverse of `encodeState`. Throws on text it did not write. */
export function decodeState(text: string): Encoded {
  const value = parse(text, { D: (v: string) => parseDec(v) }) as Encoded & Keys;
  if (
    typeof value !== 'object' ||
    value === null ||
    !('state' in value) ||
    !(value.state.ledger?.sleeves instanceof Map) ||
    typeof value.fills !== 'string' ||
    typeof value.applied !== 'string'
  )
    throw new Error('not a checkpoint of the account state');
  const ledger = {
    ...value.state.ledger,
    fills: new Set(JSON.parse(value.fills) as FillId[]),
    applied: new Set(JSON.parse(value.applied) as string[]),
  };
  return { state: { ...value.state, ledger }, latestMs: value.latestMs };
}

export interface CheckpointSettings {
  /** Write one once this many events were committed since the last (0: never). */
  readonly everyEvents: number;
  /** … or once this long passed with at least one event committed since the last (ms; 0: never). */
  readonly everyMs: number;
}

/**
 * Every 50,000 events or 10 minutes: an encoding costs about as much as folding a few tens of
 * thousands of events, so a start folds at most one cadence of journal after its checkpoint.
 */
export const DEFAULT_CHECKPOINTS: CheckpointSettings = { everyEvents: 50_000, everyMs: 600_000 };

/** `SUBLEDGER_CHECKPOINT_EVENTS` and `SUBLEDGER_CHECKPOINT_SECONDS` (0 turns that trigger off). */
export function checkpointSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CheckpointSettings {
  const read = (name: string, fallback: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new Error(`${name} must be a whole number from 0 to ${max}, got "${text}"`);
    return n;
  };
  return {
    everyEvents: read('SUBLEDGER_CHECKPOINT_EVENTS', DEFAULT_CHECKPOINTS.everyEvents, 1e9),
    everyMs: read('SUBLEDGER_CHECKPOINT_SECONDS', DEFAULT_CHECKPOINTS.everyMs / 1000, 86_400 * 30) * 1000,
  };
}

/** What the writer checkpoints: its committed state, seq and the key of the record at that seq. */
export interface CheckpointSource {
  readonly state: AccountState;
  readonly lastSeq: number;
  readonly latestEventMs: number;
  /** Calls `listener` after each commit with the key of its last record; returns unsubscribe. */
  subscribe(listener: (batch: { lastSeq: number; records: readonly { key: string }[] }) => void): () => void;
}

/**
 * Writes a checkpoint of `source` whenever the cadence says so. The state is encoded at once,
 * inside the commit's notification (so it is exactly the state at that seq), and written after;
 * one write at a time, a failed write is reported and the next cadence tries again.
 */
export class Checkpointer {
  private sinceSeq: number;
  private sinceMs: number;
  private lastKey: string | undefined;
  private writing: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: StorePort,
    private readonly source: CheckpointSource,
    private readonly settings: CheckpointSettings,
    private readonly onError: (error: Error) => void,
    private readonly now: () => number = Date.now,
    fromSeq = source.lastSeq,
  ) {
    this.sinceSeq = fromSeq;
    this.sinceMs = now();
  }

  /** Whether the store keeps checkpoints and the settings ask for any. */
  get enabled(): boolean {
    return this.store.writeCheckpoint !== undefined && (this.settings.everyEvents > 0 || this.settings.everyMs > 0);
  }

  start(): void {
    if (!this.enabled) return;
    this.unsubscribe = this.source.subscribe((batch) => {
      this.lastKey = batch.records[batch.records.length - 1]?.key ?? this.lastKey;
      const n = this.settings.everyEvents;
      if (n > 0 && batch.lastSeq - this.sinceSeq >= n) this.take();
    });
    if (this.settings.everyMs > 0) {
      this.timer = setInterval(
        () => {
          if (this.now() - this.sinceMs >= this.settings.everyMs && this.source.lastSeq > this.sinceSeq) this.take();
        },
        Math.min(this.settings.everyMs, 60_000),
      );
      this.timer.unref();
    }
  }

  /** Encodes the committed state now (when a record key is known) and writes it; returns the write. */
  take(): Promise<void> | undefined {
    const key = this.lastKey;
    if (this.writing || key === undefined || !this.store.writeCheckpoint) return this.writing;
    const seq = this.source.lastSeq;
    const checkpoint: Checkpoint = {
      seq,
      key,
      format: CHECKPOINT_FORMAT,
      state: encodeState(this.source.state, this.source.latestEventMs),
      writtenAt: new Date(this.now()).toISOString(),
    };
    this.sinceSeq = seq;
    this.sinceMs = this.now();
    this.writing = this.store
      .writeCheckpoint(checkpoint)
      .catch((error: unknown) => this.onError(error as Error))
      .finally(() => (this.writing = undefined));
    return this.writing;
  }

  /** Stops the cadence and waits for a write under way. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.writing;
  }
}
