/**
 * The emulator's real-time market-data stream: Alpaca's stock stream at `/v2/iex`, `/v2/sip` and
 * `/v2/test` (all three carry the venue's prices), publishing a trade (`T:"t"`) and a quote
 * (`T:"q"`) of every stock the venue trades at every market step, to the connections subscribed to
 * them. JSON in text frames, or msgpack in binary frames when the handshake says
 * `Content-Type: application/msgpack` (as alpaca-py and the JS SDKs do); the protocol itself is
 * src/core/market-data-wire.ts.
 *
 * Entry points: `DataStreamHub` — `attach(socket, headers, feed)`, `publish(step)`, `stats()`, and
 * the test control `drop()`.
 * Invariants: Alpaca's rule of ONE connection per key and endpoint — a second connection that
 * authenticates with a key already streaming on that feed gets `406 connection limit exceeded` and
 * is closed (`stats().refused` counts them; `opened` counts every connection accepted); a
 * connection gets data only once authenticated and only for what it subscribed to; a trade's `i`
 * is the step number + 1, as in the REST latest trade (routes-data.ts); prices keep their exact
 * text in JSON.
 */
import { EXT_TIMESTAMP, ExtensionCodec, decode, encode, encodeTimeSpecToTimestamp } from '@msgpack/msgpack';
import type { WebSocket } from 'ws';
import { toPlain } from '../core/decimal.js';
import {
  AUTHENTICATED,
  CONNECTED,
  type DataErrorCode,
  Subscriptions,
  type Wire,
  type WireMessage,
  WireNumber,
  WireTime,
  dataError,
  msgpackValue,
  parseDataAction,
  stringifyWire,
} from '../core/market-data-wire.js';
import type { SimQuote } from '../sim/index.js';
import { isCrypto } from './venue.js';

export const DATA_FEEDS = ['iex', 'sip', 'test'] as const;
export type DataFeed = (typeof DATA_FEEDS)[number];

export interface DataStreamStats {
  /** Connections open now (authenticated or not). */
  readonly open: number;
  /** Connections open and authenticated now, per feed. */
  readonly authenticated: Readonly<Record<DataFeed, number>>;
  /** Connections accepted since start. */
  readonly opened: number;
  /** Connections refused with 406 (a second one for a key on a feed) since start. */
  readonly refused: number;
}

interface Connection {
  readonly socket: WebSocket;
  readonly feed: DataFeed;
  readonly msgpack: boolean;
  key: string | undefined;
  readonly subscriptions: Subscriptions;
  timer: NodeJS.Timeout | undefined;
}

export interface DataStreamHubOptions {
  readonly keyId: string;
  readonly secretKey: string;
  /** How long a connection may stay unauthenticated (Alpaca: 10 s). */
  readonly authTimeoutMs?: number;
}

const SIZE = new WireNumber('100');
const codec = new ExtensionCodec();
codec.register({
  type: EXT_TIMESTAMP,
  encode: (value: unknown) => (value instanceof WireTime ? encodeTimeSpecToTimestamp(value) : null),
  decode: () => null,
});

export class DataStreamHub {
  private readonly connections = new Set<Connection>();
  private opened = 0;
  private refused = 0;

  constructor(private readonly options: DataStreamHubOptions) {}

  /** Serves one connection on `feed`; `headers` may authenticate it (APCA-API-KEY-ID / SECRET). */
  attach(socket: WebSocket, headers: Readonly<Record<string, string | string[] | undefined>>, feed: DataFeed): void {
    const c: Connection = {
      socket,
      feed,
      msgpack: String(headers['content-type'] ?? '').includes('application/msgpack'),
      key: undefined,
      subscriptions: new Subscriptions(),
      timer: undefined,
    };
    this.opened += 1;
    this.connections.add(c);
    const gone = () => {
      clearTimeout(c.timer);
      this.connections.delete(c);
    };
    socket.on('close', gone);
    socket.on('error', gone);
    socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => this.receive(c, raw));
    this.send(c, [CONNECTED]);
    const key = headers['apca-api-key-id'];
    const secret = headers['apca-api-secret-key'];
    if (typeof key === 'string' && typeof secret === 'string') this.authenticate(c, key, secret);
    else c.timer = setTimeout(() => this.fail(c, 404, true), this.options.authTimeoutMs ?? 10_000).unref();
  }

  /** Sends every subscribed connection the step's trades and quotes (stocks only), one frame each. */
  publish(step: { readonly step: number; readonly quotes: ReadonlyMap<string, SimQuote> }): void {
    const messages: WireMessage[] = [];
    for (const [symbol, q] of step.quotes) {
      if (isCrypto(symbol)) continue;
      const p = (d: bigint) => new WireNumber(toPlain(d as never));
      messages.push(
        { T: 't', S: symbol, i: step.step + 1, x: 'V', p: p(q.last), s: SIZE, c: ['@'], z: 'C', t: q.ts },
        {
          T: 'q',
          S: symbol,
          bx: 'V',
          bp: p(q.bid),
          bs: SIZE,
          ax: 'V',
          ap: p(q.ask),
          as: SIZE,
          c: ['R'],
          z: 'C',
          t: q.ts,
        },
      );
    }
    for (const c of this.connections) {
      if (c.key === undefined) continue;
      const wanted = messages.filter((m) => c.subscriptions.wants(m));
      if (wanted.length > 0) this.send(c, wanted);
    }
  }

  stats(): DataStreamStats {
    const authenticated = { iex: 0, sip: 0, test: 0 };
    for (const c of this.connections) if (c.key !== undefined) authenticated[c.feed] += 1;
    return { open: this.connections.size, authenticated, opened: this.opened, refused: this.refused };
  }

  /** Cuts every data connection now (no close handshake); returns how many. */
  drop(): number {
    const count = this.connections.size;
    for (const c of [...this.connections]) {
      clearTimeout(c.timer);
      c.socket.terminate();
    }
    this.connections.clear();
    return count;
  }

  close(): void {
    this.drop();
  }

  private receive(c: Connection, raw: Buffer | ArrayBuffer | Buffer[]): void {
    const bytes = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    let message: unknown;
    try {
      message = readFrame(bytes);
    } catch {
      this.fail(c, 400);
      return;
    }
    const action = parseDataAction(message);
    if ('error' in action) return this.fail(c, action.error);
    if (action.action === 'auth') return this.authenticate(c, action.key, action.secret);
    if (c.key === undefined) return this.fail(c, 401);
    if (action.action === 'subscribe') c.subscriptions.add(action.channels);
    else c.subscriptions.remove(action.channels);
    // Alpaca answers every subscribe and unsubscribe with the whole list, changed or not.
    this.send(c, [c.subscriptions.ack()]);
  }

  private authenticate(c: Connection, key: string, secret: string): void {
    if (c.key !== undefined) return this.fail(c, 403);
    if (key !== this.options.keyId || secret !== this.options.secretKey) return this.fail(c, 402);
    clearTimeout(c.timer);
    const taken = [...this.connections].some((o) => o !== c && o.key === key && o.feed === c.feed);
    if (taken) {
      this.refused += 1;
      return this.fail(c, 406, true);
    }
    c.key = key;
    this.send(c, [AUTHENTICATED]);
  }

  private fail(c: Connection, code: DataErrorCode, close = false): void {
    this.send(c, [dataError(code)]);
    if (close) {
      this.connections.delete(c);
      c.socket.close(1008, dataError(code).msg);
    }
  }

  private send(c: Connection, messages: readonly Wire[]): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    if (c.msgpack) c.socket.send(encode(msgpackValue(messages), { extensionCodec: codec, useBigInt64: true }));
    else c.socket.send(stringifyWire(messages));
  }
}

/** A client's frame: JSON (text, or binary starting with `{` / `[`) or msgpack. Throws when neither. */
function readFrame(bytes: Buffer): unknown {
  const first = bytes.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  return first === 0x7b || first === 0x5b ? JSON.parse(bytes.toString('utf8')) : decode(bytes);
}
