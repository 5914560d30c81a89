/**
 * The gateway's real-time market-data stream: Alpaca's stock stream at `/v2/iex`, `/v2/sip` and
 * `/v2/test`, shared. Alpaca allows one data connection per key and endpoint, so the gateway keeps
 * ONE upstream connection per feed for the whole account and fans it out: each bot signs in with
 * its gateway key pair (`{"action":"auth","key","secret"}`, or the APCA headers on the handshake),
 * subscribes as it would at Alpaca, and receives only the trades, quotes, bars… it subscribed to,
 * in its own encoding — JSON text frames, or msgpack binary frames when its handshake says
 * `Content-Type: application/msgpack` (alpaca-py and the JS SDKs do). The protocol is
 * src/core/market-data-wire.ts.
 *
 * The upstream connection (Upstream below) opens when the first bot subscribes to something on
 * its feed, and is then KEPT while the gateway runs, even with nothing subscribed: Alpaca may keep
 * a closed socket's slot for about 90 s (FACTS §2), so closing and reopening could be refused with
 * 406. It speaks JSON, so numbers arrive as exact text (`parseWireJson`) and reach JSON bots
 * verbatim. Subscriptions are unioned and reference-counted per channel and symbol: upstream
 * `subscribe` when the first bot wants a symbol, `unsubscribe` when the last one lets it go. When
 * it drops, it reconnects (backoff from `reconnectMs`, doubling to 30 s), re-authenticates and
 * re-subscribes the whole union; the bots stay connected and see only the gap (Alpaca replays
 * nothing either).
 *
 * Entry point: `registerDataStream(fastify, options)` → `{ stats(), close() }`; `DATA_STREAM_PATH`.
 * Invariants: a bot gets data only after it authenticated and only for its own subscriptions; the
 * upstream holds exactly the union of the bots' subscriptions once it has answered; one upstream
 * connection per feed at a time; after `close()` every socket is closed and new ones are refused.
 */
import { EXT_TIMESTAMP, ExtensionCodec, decode, encode, encodeTimeSpecToTimestamp } from '@msgpack/msgpack';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import { WebSocket, type RawData } from 'ws';
import {
  AUTHENTICATED,
  CONNECTED,
  type ChannelSymbols,
  type DataErrorCode,
  SUBSCRIBABLE,
  Subscriptions,
  type Wire,
  type WireMessage,
  WireTime,
  anySymbols,
  dataError,
  msgpackValue,
  parseDataAction,
  parseWireJson,
  stringifyWire,
} from '../core/market-data-wire.js';

export const DATA_FEEDS = ['iex', 'sip', 'test'] as const;
export type DataFeed = (typeof DATA_FEEDS)[number];
/** The paths the data stream answers (their upgrades authenticate by the stream's own protocol). */
export const DATA_STREAM_PATH = /^\/v2\/(iex|sip|test)\/?(\?|$)/;

/** Where the account's market-data stream is and the account's own key pair for it. */
export interface DataStreamUpstream {
  /** The stream's base, e.g. wss://stream.data.alpaca.markets; a feed's URL is `<url>/v2/<feed>`. */
  readonly url: string;
  readonly keyId: string;
  readonly secretKey: string;
}

export interface DataStreamOptions {
  readonly upstream: DataStreamUpstream;
  /** The deployment of a gateway key pair, or undefined. */
  readonly verify: (keyId: string, secret: string) => string | undefined;
  /** The key pair on a handshake's headers (APCA-API-KEY-ID / -SECRET-KEY or Basic), if any. */
  readonly credentialsOf: (request: FastifyRequest) => { keyId: string; secret: string } | undefined;
  /** The first reconnect delay after the upstream drops (default 1000 ms; doubles up to 30 s). */
  readonly reconnectMs?: number;
  /** How long a bot may stay unauthenticated (Alpaca: 10 s). */
  readonly authTimeoutMs?: number;
  readonly logger?: FastifyBaseLogger;
}

export interface DataStreamStats {
  /** Bots connected now, authenticated or not. */
  readonly bots: number;
  /** Per feed in use: upstream connections opened so far, whether one is authenticated now, and the union. */
  readonly upstream: Readonly<
    Record<
      string,
      {
        readonly connects: number;
        readonly ready: boolean;
        /** The union the bots want now. */
        readonly subscribed: ChannelSymbols;
        /** What the upstream's last `subscription` message said it holds. */
        readonly acknowledged: ChannelSymbols;
      }
    >
  >;
}

interface Bot {
  readonly socket: WebSocket;
  readonly feed: DataFeed;
  readonly msgpack: boolean;
  deployment: string | undefined;
  readonly subscriptions: Subscriptions;
  timer: NodeJS.Timeout | undefined;
}

const MAX_RECONNECT_MS = 30_000;
const codec = new ExtensionCodec();
codec.register({
  type: EXT_TIMESTAMP,
  encode: (value: unknown) => (value instanceof WireTime ? encodeTimeSpecToTimestamp(value) : null),
  decode: () => null,
});

export function registerDataStream(
  app: FastifyInstance,
  options: DataStreamOptions,
): { stats(): DataStreamStats; close(): void } {
  const bots = new Set<Bot>();
  const upstreams = new Map<DataFeed, Upstream>();
  let closed = false;

  const send = (bot: Bot, messages: readonly Wire[]) => {
    if (bot.socket.readyState !== bot.socket.OPEN) return;
    if (bot.msgpack) bot.socket.send(encode(msgpackValue(messages), { extensionCodec: codec, useBigInt64: true }));
    else bot.socket.send(stringifyWire(messages));
  };
  const fail = (bot: Bot, code: DataErrorCode, close = false) => {
    send(bot, [dataError(code)]);
    if (close) bot.socket.close(1008, dataError(code).msg);
  };
  const fanOut = (feed: DataFeed, messages: readonly WireMessage[]) => {
    for (const bot of bots) {
      if (bot.feed !== feed || bot.deployment === undefined) continue;
      const wanted = messages.filter((m) => bot.subscriptions.wants(m));
      if (wanted.length > 0) send(bot, wanted);
    }
  };
  const upstreamOf = (feed: DataFeed) => {
    let upstream = upstreams.get(feed);
    if (!upstream) {
      upstream = new Upstream(`${options.upstream.url.replace(/\/+$/, '')}/v2/${feed}`, options, (messages) =>
        fanOut(feed, messages),
      );
      upstreams.set(feed, upstream);
    }
    return upstream;
  };

  const authenticate = (bot: Bot, key: string, secret: string) => {
    if (bot.deployment !== undefined) return fail(bot, 403);
    const deployment = options.verify(key, secret);
    if (deployment === undefined) return fail(bot, 402);
    clearTimeout(bot.timer);
    bot.deployment = deployment;
    send(bot, [AUTHENTICATED]);
  };
  const receive = (bot: Bot, raw: RawData) => {
    let message: unknown;
    try {
      message = readFrame(Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw));
    } catch {
      return fail(bot, 400);
    }
    const action = parseDataAction(message);
    if ('error' in action) return fail(bot, action.error);
    if (action.action === 'auth') return authenticate(bot, action.key, action.secret);
    if (bot.deployment === undefined) return fail(bot, 401);
    if (action.action === 'subscribe') {
      const added = bot.subscriptions.add(action.channels);
      if (anySymbols(added)) upstreamOf(bot.feed).change(added, {});
    } else {
      const removed = bot.subscriptions.remove(action.channels);
      if (anySymbols(removed)) upstreams.get(bot.feed)?.change({}, removed);
    }
    send(bot, [bot.subscriptions.ack()]);
  };
  const leave = (bot: Bot) => {
    if (!bots.delete(bot)) return;
    clearTimeout(bot.timer);
    const removed = bot.subscriptions.remove(bot.subscriptions.all());
    if (anySymbols(removed)) upstreams.get(bot.feed)?.change({}, removed);
  };

  for (const feed of DATA_FEEDS)
    app.get(`/v2/${feed}`, { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
      if (closed) return socket.close(1001, 'gateway: shutting down');
      const bot: Bot = {
        socket,
        feed,
        msgpack: String(request.headers['content-type'] ?? '').includes('application/msgpack'),
        deployment: undefined,
        subscriptions: new Subscriptions(),
        timer: undefined,
      };
      bots.add(bot);
      socket.on('close', () => leave(bot));
      socket.on('error', () => leave(bot));
      socket.on('message', (raw: RawData) => receive(bot, raw));
      send(bot, [CONNECTED]);
      const given = options.credentialsOf(request);
      if (given) authenticate(bot, given.keyId, given.secret);
      else bot.timer = setTimeout(() => fail(bot, 404, true), options.authTimeoutMs ?? 10_000).unref();
    });

  return {
    stats: () => ({
      bots: bots.size,
      upstream: Object.fromEntries([...upstreams].map(([feed, u]) => [feed, u.stats()])),
    }),
    close() {
      if (closed) return;
      closed = true;
      for (const bot of [...bots]) bot.socket.close(1001, 'gateway: shutting down');
      bots.clear();
      for (const upstream of upstreams.values()) upstream.close();
    },
  };
}

/**
 * One feed's upstream connection: opened by the first `change`, re-opened after a drop, holding
 * the reference-counted union of the bots' subscriptions.
 */
class Upstream {
  /** Per channel, per symbol: how many bots subscribe to it. */
  private readonly counts = new Map(SUBSCRIBABLE.map((c) => [c, new Map<string, number>()]));
  private socket: WebSocket | undefined;
  private ready = false;
  private closed = false;
  private failures = 0;
  private connects = 0;
  private acknowledged: ChannelSymbols = {};
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly options: DataStreamOptions,
    private readonly onData: (messages: readonly WireMessage[]) => void,
  ) {}

  /** Counts the bots' added and removed subscriptions; tells the upstream what starts or stops. */
  change(added: ChannelSymbols, removed: ChannelSymbols): void {
    const start: ChannelSymbols = {};
    const stop: ChannelSymbols = {};
    for (const channel of SUBSCRIBABLE) {
      const counts = this.counts.get(channel)!;
      for (const symbol of added[channel] ?? []) {
        const n = (counts.get(symbol) ?? 0) + 1;
        counts.set(symbol, n);
        if (n === 1) (start[channel] ??= []).push(symbol);
      }
      for (const symbol of removed[channel] ?? []) {
        const n = (counts.get(symbol) ?? 0) - 1;
        if (n > 0) counts.set(symbol, n);
        else {
          counts.delete(symbol);
          (stop[channel] ??= []).push(symbol);
        }
      }
    }
    if (!this.socket && !this.timer && anySymbols(this.union())) this.connect();
    if (!this.ready) return; // the whole union is subscribed once the connection is authenticated
    if (anySymbols(start)) this.send({ action: 'subscribe', ...start });
    if (anySymbols(stop)) this.send({ action: 'unsubscribe', ...stop });
  }

  stats() {
    return { connects: this.connects, ready: this.ready, subscribed: this.union(), acknowledged: this.acknowledged };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = undefined;
    this.ready = false;
  }

  private union(): ChannelSymbols {
    const out: ChannelSymbols = {};
    for (const [channel, counts] of this.counts) if (counts.size > 0) out[channel] = [...counts.keys()];
    return out;
  }

  private connect(): void {
    this.timer = undefined;
    if (this.closed) return;
    this.connects += 1;
    const socket = new WebSocket(this.url, { headers: { 'Content-Type': 'application/json' } });
    this.socket = socket;
    socket.on('message', (raw: RawData) => this.receive(raw));
    socket.on('error', (error) => this.options.logger?.warn({ err: error, url: this.url }, 'market-data upstream'));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.ready = false;
      this.acknowledged = {};
      if (this.closed) return;
      const wait = Math.min((this.options.reconnectMs ?? 1000) * 2 ** this.failures, MAX_RECONNECT_MS);
      this.failures += 1;
      this.options.logger?.warn({ url: this.url, retryInMs: wait }, 'market-data upstream closed; reconnecting');
      this.timer = setTimeout(() => this.connect(), wait);
    });
  }

  private receive(raw: RawData): void {
    let frame: Wire;
    try {
      const bytes = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
      frame = parseWireJson(bytes.toString('utf8'));
    } catch (error) {
      this.options.logger?.warn({ err: error, url: this.url }, 'market-data upstream: unreadable frame');
      return;
    }
    const data: WireMessage[] = [];
    for (const m of Array.isArray(frame) ? (frame as readonly Wire[]) : [frame]) {
      if (m === null || typeof m !== 'object' || Array.isArray(m)) continue;
      const message = m as WireMessage;
      if (message.T === 'success' && message.msg === 'connected') {
        this.send({ action: 'auth', key: this.options.upstream.keyId, secret: this.options.upstream.secretKey });
      } else if (message.T === 'success' && message.msg === 'authenticated') {
        this.ready = true;
        this.failures = 0;
        const union = this.union();
        if (anySymbols(union)) this.send({ action: 'subscribe', ...union });
      } else if (message.T === 'error') {
        this.options.logger?.warn({ url: this.url, error: stringifyWire(message) }, 'market-data upstream error');
      } else if (message.T === 'subscription') {
        this.acknowledged = Object.fromEntries(
          SUBSCRIBABLE.flatMap((c) => {
            const symbols = message[c];
            return Array.isArray(symbols) && symbols.length > 0 ? [[c, symbols.map(String)]] : [];
          }),
        );
      } else data.push(message);
    }
    if (data.length > 0) this.onData(data);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

/** A bot's frame: JSON (text, or binary starting with `{` / `[`) or msgpack. Throws when neither. */
function readFrame(bytes: Buffer): unknown {
  const first = bytes.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  return first === 0x7b || first === 0x5b ? JSON.parse(bytes.toString('utf8')) : decode(bytes);
}
