/**
 * The `trade_updates` websocket client (FACTS §2): connect, authenticate, `listen`, parse frames,
 * and reconnect with exponential backoff whenever the connection ends.
 *
 * Entry point: `TradeStream` — `start()`, `close()`, callbacks `onUpdate`, `onListening`, `onError`.
 * Invariants: both auth message forms are spoken — the SDKs' `authenticate` (default) and the
 * docs' `auth`; when the server says unauthorized to one, the other is tried once before giving
 * up (bad credentials stop the stream: no reconnect loop). Frames are JSON in text or binary
 * frames (a one-byte 0x01 heartbeat is ignored). `onListening` fires after every connection that
 * is listening to `trade_updates` — the caller backfills there, because Alpaca replays nothing.
 * A connection silent through two pings is cut and replaced.
 */
import WebSocket from 'ws';
import { AlpacaProtocolError } from './errors.js';
import { parseJsonKeepingNumbers } from '../../core/exact-json.js';
import { StreamFrameSchema, type TradeUpdate, TradeUpdateSchema } from './wire.js';

export type AuthForm = 'authenticate' | 'auth';

export interface TradeStreamOptions {
  readonly url: string;
  readonly keyId: string;
  readonly secretKey: string;
  /** The auth message tried first. Default `authenticate`. */
  readonly authForm?: AuthForm;
  /** Reconnect backoff: first delay and cap, ms. Default 250 and 30,000. */
  readonly backoffMs?: { readonly initial?: number; readonly max?: number };
  /** Ping period; 0 turns pings off. Default 15,000. */
  readonly pingIntervalMs?: number;
  readonly onUpdate: (update: TradeUpdate) => void;
  readonly onListening: () => void;
  readonly onError: (error: unknown) => void;
}

export class TradeStream {
  private socket: WebSocket | undefined;
  private closed = false;
  private attempt = 0;
  private form: AuthForm;
  private triedOther = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private alive = true;
  /** Connections opened so far (the first one included). */
  connections = 0;

  constructor(private readonly options: TradeStreamOptions) {
    this.form = options.authForm ?? 'authenticate';
  }

  start(): void {
    if (!this.socket && !this.closed) this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.socket?.terminate();
    this.socket = undefined;
  }

  private connect(): void {
    this.connections += 1;
    this.triedOther = false;
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.on('open', () => {
      this.alive = true;
      this.sendAuth(socket);
      this.startPings(socket);
    });
    socket.on('message', (data: WebSocket.RawData) => {
      this.alive = true;
      this.receive(socket, data);
    });
    socket.on('pong', () => (this.alive = true));
    socket.on('error', (error) => this.options.onError(error));
    socket.on('close', () => {
      clearInterval(this.pingTimer);
      if (this.socket === socket) this.socket = undefined;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const initial = this.options.backoffMs?.initial ?? 250;
    const max = this.options.backoffMs?.max ?? 30_000;
    const delay = Math.min(max, initial * 2 ** this.attempt) * (0.8 + 0.4 * Math.random());
    this.attempt += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), Math.round(delay));
  }

  private startPings(socket: WebSocket): void {
    const period = this.options.pingIntervalMs ?? 15_000;
    if (period <= 0) return;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (!this.alive) return socket.terminate();
      this.alive = false;
      socket.ping();
    }, period);
    this.pingTimer.unref();
  }

  private sendAuth(socket: WebSocket): void {
    const { keyId, secretKey } = this.options;
    const message =
      this.form === 'authenticate'
        ? { action: 'authenticate', data: { key_id: keyId, secret_key: secretKey } }
        : { action: 'auth', key: keyId, secret: secretKey };
    socket.send(JSON.stringify(message));
  }

  private receive(socket: WebSocket, data: WebSocket.RawData): void {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (bytes.length === 1 && bytes[0] === 0x01) return; // heartbeat (FACTS §2)
    let frame;
    try {
      frame = StreamFrameSchema.parse(parseJsonKeepingNumbers(bytes.toString('utf8'), { plain: true }));
    } catch (cause) {
      this.options.onError(
        new AlpacaProtocolError(`trade stream: unreadable frame ${bytes.toString('utf8').slice(0, 200)}`, { cause }),
      );
      return;
    }
    const data_ = frame.data ?? {};
    if (frame.action === 'error') {
      this.options.onError(new Error(`trade stream error: ${String(data_.error_message ?? 'unknown')}`));
    } else if (frame.stream === 'authorization') {
      this.onAuthorization(socket, String(data_.status), String(data_.action ?? ''));
    } else if (frame.stream === 'listening') {
      const streams = Array.isArray(data_.streams) ? data_.streams : [];
      if (streams.includes('trade_updates')) {
        this.attempt = 0;
        this.options.onListening();
      }
    } else if (frame.stream === 'trade_updates') {
      const parsed = TradeUpdateSchema.safeParse(data_);
      if (parsed.success) this.options.onUpdate(parsed.data);
      else {
        const issue = parsed.error.issues[0]!;
        this.options.onError(
          new AlpacaProtocolError(`trade stream: bad trade update at ${issue.path.join('.')}: ${issue.message}`),
        );
      }
    }
  }

  private onAuthorization(socket: WebSocket, status: string, action: string): void {
    if (status === 'authorized') {
      socket.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
      return;
    }
    if (action !== 'listen' && !this.triedOther) {
      this.triedOther = true;
      this.form = this.form === 'authenticate' ? 'auth' : 'authenticate';
      this.sendAuth(socket);
      return;
    }
    this.options.onError(
      new Error('trade stream: unauthorized (check APCA_API_KEY_ID / APCA_API_SECRET_KEY); not reconnecting'),
    );
    this.close();
  }
}
