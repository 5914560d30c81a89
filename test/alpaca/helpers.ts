/**
 * Test helpers for the Alpaca adapter and the emulator: an emulator plus an adapter wired to it
 * over loopback (the broker contract's harness), an in-memory cursor store, `waitFor`, and the
 * emulator's HTTP control surface; `startAlpacaApp`, the real app on the adapter to an emulator.
 */
import { AlpacaBroker, type AlpacaBrokerOptions, type CursorStore } from '../../src/adapters/alpaca/index.js';
import { toPlain } from '../../src/core/decimal.js';
import type { Symbol } from '../../src/core/ids.js';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import type { BrokerHarness } from '../contracts/broker.contract.js';
import { openWriterStore } from '../../src/adapters/sql/open-store.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import type { StorePort } from '../../src/app/ports/store-port.js';
import { Subledger } from '../../src/app/subledger.js';

export const START = '2025-01-02T14:30:00.000Z';

export function memoryCursors(): CursorStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (name) => values.get(name),
    set: async (name, value) => void values.set(name, value),
  };
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** POSTs to the emulator's /_control surface; throws on a non-200 answer. */
export async function control(emulator: EmulatorHandle, path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_control/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { result?: unknown; message?: string };
  if (response.status !== 200) throw new Error(`control ${path}: ${response.status} ${json.message}`);
  return json.result;
}

export function adapterFor(
  emulator: EmulatorHandle,
  cursors: CursorStore,
  options: Partial<AlpacaBrokerOptions> = {},
  errors: unknown[] = [],
): AlpacaBroker {
  return new AlpacaBroker({
    config: {
      keyId: emulator.keyId,
      secretKey: emulator.secretKey,
      baseUrl: emulator.url,
      dataUrl: emulator.url,
      streamUrl: emulator.wsUrl,
    },
    cursors,
    backfillEveryMs: 0,
    stream: { backoffMs: { initial: 10, max: 100 }, pingIntervalMs: 0 },
    onError: (error) => errors.push(error),
    ...options,
  });
}

export interface AlpacaHarness extends BrokerHarness {
  readonly broker: AlpacaBroker;
  readonly emulator: EmulatorHandle;
  readonly cursors: ReturnType<typeof memoryCursors>;
  readonly errors: unknown[];
  /** Resolves once every trade update the emulator published has reached subscribers. */
  settle(): Promise<void>;
}

/** An emulator and an adapter connected to it, ready (listening, first backfill done). */
export async function alpacaHarness(
  emulatorOptions: EmulatorOptions = {},
  brokerOptions: Partial<AlpacaBrokerOptions> = {},
): Promise<AlpacaHarness> {
  const emulator = await startEmulator({ start: START, stepMs: 60_000, ...emulatorOptions });
  const cursors = memoryCursors();
  const errors: unknown[] = [];
  const broker = adapterFor(emulator, cursors, brokerOptions, errors);
  let delivered = 0;
  broker.subscribe(async () => void (delivered += 1));
  await broker.ready();
  const settle = async () => {
    const published = emulator.control.stats().published;
    await waitFor(() => delivered >= published, `${published} trade updates (got ${delivered})`);
    await broker.idle();
  };
  return {
    broker,
    emulator,
    cursors,
    errors,
    symbol: 'AAPL' as Symbol,
    settle,
    advance: async () => {
      emulator.control.advance(1);
      await settle();
    },
    setPrice: async (symbol, price) => {
      await control(emulator, 'price', { symbol, price: toPlain(price) });
    },
    dispose: () => emulator.close(),
  };
}

/** The APCA_* environment that points the runtime (`--broker alpaca`) at `emulator`. */
export function emulatorEnv(emulator: EmulatorHandle): Record<string, string> {
  return {
    APCA_API_KEY_ID: emulator.keyId,
    APCA_API_SECRET_KEY: emulator.secretKey,
    APCA_API_BASE_URL: emulator.url,
    APCA_DATA_URL: emulator.url,
    APCA_STREAM_URL: emulator.wsUrl,
  };
}

/** The real app on the Alpaca adapter against `emulator`, on the SQLite file `dbPath`. */
export interface AlpacaApp {
  readonly app: Subledger;
  readonly broker: AlpacaBroker;
  readonly store: StorePort;
  readonly clock: { now(): Date };
  /** Stops the app, the adapter and the store (the process's end, with no shutdown work beyond that). */
  stop(): Promise<void>;
}

/**
 * Starts a Subledger on `dbPath` (takes its writer lease) through the Alpaca adapter to `emulator`,
 * on the emulator's clock, started and with its stream ready. `cursors` carries the adapter's
 * backfill cursor across restarts of the same test.
 */
export async function startAlpacaApp(
  emulator: EmulatorHandle,
  dbPath: string,
  cursors: CursorStore = memoryCursors(),
): Promise<AlpacaApp> {
  const store = await openWriterStore(dbPath, 'test');
  const clock = { now: () => new Date(emulator.control.stats().now) };
  const service = await LedgerService.load(store, clock);
  const broker = adapterFor(emulator, cursors);
  const app = new Subledger({ service, broker, market: broker, clock, onError: () => undefined });
  await app.start();
  await broker.ready();
  return {
    app,
    broker,
    store,
    clock,
    async stop() {
      await app.stop();
      await broker.close();
      await store.close();
    },
  };
}
