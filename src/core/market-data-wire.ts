/**
 * Alpaca's real-time stock market-data stream protocol (`/v2/{iex|sip|test}`), shared by the
 * emulator's data stream and the gateway's: the channels and the message types they carry, the
 * error catalog, a client's actions parsed into typed values, one connection's subscriptions, and
 * wire values that keep every number as its exact text until a frame is written.
 *
 * Entry points: `parseDataAction`, `Subscriptions`, `dataError`, `channelOf`, and the wire values
 * `WireNumber`, `parseWireJson`, `stringifyWire`, `msgpackValue` (with `WireTime`).
 * Invariants: JSON frames carry each number's text as it came (never through a float); only a
 * msgpack frame turns a number into a float64, because Alpaca's msgpack wire carries prices as
 * float64 itself; a timestamp keeps its nanoseconds in both encodings. `corrections` and
 * `cancelErrors` follow `trades` (a client subscribes to trades and gets both, as at Alpaca).
 */
import { mapNumberTokens } from './exact-json.js';

/** The stock stream's channels, in the order Alpaca's subscription message lists them. */
export const CHANNELS = [
  'trades',
  'quotes',
  'bars',
  'updatedBars',
  'dailyBars',
  'statuses',
  'lulds',
  'corrections',
  'cancelErrors',
] as const;
export type Channel = (typeof CHANNELS)[number];
/** The channels a client subscribes to by name; corrections and cancelErrors follow trades. */
export type SubscribableChannel = Exclude<Channel, 'corrections' | 'cancelErrors'>;
export const SUBSCRIBABLE: readonly SubscribableChannel[] = [
  'trades',
  'quotes',
  'bars',
  'updatedBars',
  'dailyBars',
  'statuses',
  'lulds',
];
export type ChannelSymbols = Partial<Record<SubscribableChannel, string[]>>;

const CHANNEL_OF_TYPE: Readonly<Record<string, SubscribableChannel>> = {
  t: 'trades',
  q: 'quotes',
  b: 'bars',
  u: 'updatedBars',
  d: 'dailyBars',
  s: 'statuses',
  l: 'lulds',
  c: 'trades',
  x: 'trades',
};

/** The channel a data message (`T`) is delivered on; undefined for control messages. */
export const channelOf = (type: unknown): SubscribableChannel | undefined =>
  typeof type === 'string' ? CHANNEL_OF_TYPE[type] : undefined;

/** Alpaca's stream errors (docs "WebSocket Stream", Errors). */
export const DATA_ERRORS = {
  400: 'invalid syntax',
  401: 'not authenticated',
  402: 'auth failed',
  403: 'already authenticated',
  404: 'auth timeout',
  405: 'symbol limit exceeded',
  406: 'connection limit exceeded',
  407: 'slow client',
  409: 'insufficient subscription',
  410: 'invalid subscribe action for this feed',
  500: 'internal error',
} as const;
export type DataErrorCode = keyof typeof DATA_ERRORS;

export const dataError = (code: DataErrorCode) => ({ T: 'error', code, msg: DATA_ERRORS[code] });
export const CONNECTED = { T: 'success', msg: 'connected' } as const;
export const AUTHENTICATED = { T: 'success', msg: 'authenticated' } as const;

export type DataAction =
  | { readonly action: 'auth'; readonly key: string; readonly secret: string }
  | { readonly action: 'subscribe' | 'unsubscribe'; readonly channels: ChannelSymbols }
  | { readonly error: 400 | 410 };

/** A symbol as Alpaca takes it (`AAPL`, `BRK.B`), or `*` for every symbol. */
const SYMBOL = /^(\*|[A-Z0-9][A-Z0-9./:-]{0,31})$/;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A client's message as an action: `auth` with its key and secret, or `subscribe` / `unsubscribe`
 * with upper-cased symbols per channel. Anything malformed is `{error: 400}` (invalid syntax); a
 * channel this stream does not carry (orderbooks, news, …) with symbols is `{error: 410}`.
 */
export function parseDataAction(message: unknown): DataAction {
  if (!isRecord(message)) return { error: 400 };
  const { action } = message;
  if (action === 'auth') {
    const { key, secret } = message;
    return typeof key === 'string' && typeof secret === 'string' ? { action, key, secret } : { error: 400 };
  }
  if (action !== 'subscribe' && action !== 'unsubscribe') return { error: 400 };
  const channels: ChannelSymbols = {};
  for (const [name, value] of Object.entries(message)) {
    if (name === 'action' || value === null || value === undefined) continue;
    if (!Array.isArray(value)) return { error: 400 };
    const symbols: string[] = [];
    for (const s of value) {
      const symbol = typeof s === 'string' ? s.trim().toUpperCase() : '';
      if (!SYMBOL.test(symbol)) return { error: 400 };
      symbols.push(symbol);
    }
    if ((SUBSCRIBABLE as readonly string[]).includes(name)) channels[name as SubscribableChannel] = symbols;
    else if (name !== 'corrections' && name !== 'cancelErrors' && symbols.length > 0) return { error: 410 };
  }
  return { action, channels };
}

/** One connection's subscriptions: per channel, its symbols (or `*`). */
export class Subscriptions {
  private readonly sets = new Map<SubscribableChannel, Set<string>>(SUBSCRIBABLE.map((c) => [c, new Set()]));

  /** Adds the symbols; returns those that were not there yet, per channel. */
  add(channels: ChannelSymbols): ChannelSymbols {
    return this.change(channels, true);
  }

  /** Removes the symbols; returns those that were there, per channel. */
  remove(channels: ChannelSymbols): ChannelSymbols {
    return this.change(channels, false);
  }

  /** Every subscription, per channel (what leaving removes). */
  all(): ChannelSymbols {
    const out: ChannelSymbols = {};
    for (const [channel, set] of this.sets) if (set.size > 0) out[channel] = [...set];
    return out;
  }

  /** Whether a data message (`T`, `S`) is on a channel and symbol subscribed here. */
  wants(message: { readonly T?: unknown; readonly S?: unknown }): boolean {
    const channel = channelOf(message.T);
    const set = channel && this.sets.get(channel);
    return !!set && (set.has('*') || (typeof message.S === 'string' && set.has(message.S)));
  }

  /** Alpaca's `subscription` message: every channel's list, corrections and cancelErrors as trades. */
  ack(): WireMessage {
    const out: Record<string, Wire> = { T: 'subscription' };
    for (const channel of CHANNELS) {
      const source = channel === 'corrections' || channel === 'cancelErrors' ? 'trades' : channel;
      out[channel] = [...this.sets.get(source)!];
    }
    return out;
  }

  private change(channels: ChannelSymbols, add: boolean): ChannelSymbols {
    const changed: ChannelSymbols = {};
    for (const channel of SUBSCRIBABLE) {
      const set = this.sets.get(channel)!;
      const moved = (channels[channel] ?? []).filter((s) => (add ? !set.has(s) : set.has(s)));
      for (const s of moved)
        if (add) set.add(s);
        else set.delete(s);
      if (moved.length > 0) changed[channel] = [...new Set(moved)];
    }
    return changed;
  }
}

/** Whether a per-channel change holds any symbol. */
export const anySymbols = (channels: ChannelSymbols): boolean =>
  Object.values(channels).some((symbols) => symbols.length > 0);

/** A JSON number kept as its text. */
export class WireNumber {
  constructor(readonly text: string) {}
}

/** A timestamp for a msgpack frame (the timestamp extension), to the nanosecond. */
export class WireTime {
  constructor(
    readonly sec: number,
    readonly nsec: number,
  ) {}
}

export type Wire = string | number | boolean | null | WireNumber | readonly Wire[] | { readonly [key: string]: Wire };
export type WireMessage = { readonly [key: string]: Wire };

const NUMBER_KEY = '\u0000n';

/** Parses JSON with every number as a `WireNumber` of its exact text. Throws SyntaxError. */
export function parseWireJson(text: string): Wire {
  const out = mapNumberTokens(text, (token) => `{"\\u0000n":${JSON.stringify(token)}}`);
  return JSON.parse(out, (_key, value: unknown) =>
    isRecord(value) && typeof value[NUMBER_KEY] === 'string' ? new WireNumber(value[NUMBER_KEY]) : value,
  ) as Wire;
}

/** JSON text of a wire value, numbers written as their text. */
export function stringifyWire(value: Wire): string {
  if (value instanceof WireNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyWire).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value as WireMessage)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyWire(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The keys whose RFC 3339 text Alpaca's msgpack frames carry as the timestamp extension. */
const TIME_KEYS = new Set(['t', 'created_at', 'updated_at']);
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** `2024-07-24T07:56:53.639713735Z` → seconds and nanoseconds, exactly; undefined when not RFC 3339. */
export function timeOf(text: string): WireTime | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return Number.isNaN(ms) ? undefined : new WireTime(ms / 1000, Number((m[2] ?? '').padEnd(9, '0')));
}

/**
 * The value a msgpack encoder writes for a wire value: whole numbers as integers (bigint past
 * 2^53), other numbers as float64 (as Alpaca's msgpack wire carries prices), timestamps as
 * `WireTime`.
 */
export function msgpackValue(value: Wire, key = ''): unknown {
  if (value instanceof WireNumber) {
    if (/^-?\d+$/.test(value.text)) {
      const n = BigInt(value.text);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    return Number(value.text);
  }
  if (typeof value === 'string') return (TIME_KEYS.has(key) && timeOf(value)) || value;
  if (Array.isArray(value)) return value.map((v: Wire) => msgpackValue(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as WireMessage)) out[k] = msgpackValue(v, k);
    return out;
  }
  return value;
}
